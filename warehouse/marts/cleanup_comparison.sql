-- marts.cleanup_comparison: one row per territory x year of clean-up results, like for like.
--
-- How figures are combined, so that nothing is counted twice:
-- 1. Reports of the same event (same territory, period_start and period_end) by several sources
--    are alternatives: per measure the preferred one is kept (confidence high > medium > low >
--    unrated, then the first loaded file and row). Disagreements are flagged with both numbers.
-- 2. A figure whose period lies inside a longer period of the same territory, measure and year
--    is part of the longer one and is not added to it.
-- 3. What remains are distinct events; they are summed per territory and reporting year.
-- Ratios use only events that report both of their parts (kg per participant: events with
-- tonnes and participants; recyclable share: events with a total and fractions).
-- Per-capita figures use the population of the same territory and year, or the nearest year
-- within 5 years (flagged); otherwise they are NULL with the reason in per_capita_note.
with

cleanup as (
    select * from core.cleanup
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

population as (
    select * from core.population_by_year
),

reports as (
    select
        territory_id, year, period_start, period_end, file_id, row_number,
        confidence_rank(source_confidence)
            as confidence_rank,
        waste_collected_t,
        participants::double as participants,
        organisations::double as organisations,
        volume_m3,
        recyclable_t,
        fractions_t,
        case when has_fractions then waste_collected_t end as total_with_fractions_t
    from cleanup
),

-- One row per event (territory, period): per measure the preferred report's value
-- (confidence, then the first loaded file and row) and the range the reports span. Aggregates,
-- not windows: ten million reports in a window took over a minute. One row per event and not
-- per event and measure: seven measures are one grouping of the reports, not seven.
event_figures as (
    select
        territory_id, year, period_start, period_end,
        arg_min(waste_collected_t, preference) as waste_collected_t, min(waste_collected_t) as waste_collected_t__min, max(waste_collected_t) as waste_collected_t__max,
        arg_min(participants, preference) as participants, min(participants) as participants__min, max(participants) as participants__max,
        arg_min(organisations, preference) as organisations, min(organisations) as organisations__min, max(organisations) as organisations__max,
        arg_min(volume_m3, preference) as volume_m3, min(volume_m3) as volume_m3__min, max(volume_m3) as volume_m3__max,
        arg_min(recyclable_t, preference) as recyclable_t, min(recyclable_t) as recyclable_t__min, max(recyclable_t) as recyclable_t__max,
        arg_min(fractions_t, preference) as fractions_t, min(fractions_t) as fractions_t__min, max(fractions_t) as fractions_t__max,
        arg_min(total_with_fractions_t, preference) as total_with_fractions_t, min(total_with_fractions_t) as total_with_fractions_t__min, max(total_with_fractions_t) as total_with_fractions_t__max
    from (
        select
            reports.*,
            -- One number that sorts as (confidence, file, row) does: comparing it is a fraction
            -- of the cost of comparing a struct of them
            (confidence_rank::hugeint << 96) + (files.file_order::hugeint << 64) + row_number
                as preference
        from reports
        inner join (
            select file_id, row_number() over (order by file_id) as file_order
            from (select distinct file_id from reports)
        ) as files using (file_id)
    )
    group by territory_id, year, period_start, period_end
),

-- A figure is inside another when an earlier-starting (or same-start, longer) figure of the same
-- territory, measure and year ends no earlier. In start order (longest first on a tie) that is
-- the largest end among the figures of the measure before it: one sort of the events for all
-- measures, where a self-join on the date ranges took minutes at ten million rows.
event_covers as (
    select
        *,
        max(case when waste_collected_t is not null then period_end end) over earlier as waste_collected_t__cover,
        max(case when participants is not null then period_end end) over earlier as participants__cover,
        max(case when organisations is not null then period_end end) over earlier as organisations__cover,
        max(case when volume_m3 is not null then period_end end) over earlier as volume_m3__cover,
        max(case when recyclable_t is not null then period_end end) over earlier as recyclable_t__cover,
        max(case when fractions_t is not null then period_end end) over earlier as fractions_t__cover,
        max(case when total_with_fractions_t is not null then period_end end) over earlier as total_with_fractions_t__cover
    from event_figures
    window earlier as (
        partition by territory_id, year
        order by period_start, period_end desc
        rows between unbounded preceding and 1 preceding
    )
),

-- One figure per territory, period and measure, with the largest end of the earlier figures of
-- its measure (covering_end).
covered as (
    select
        territory_id, year, period_start, period_end, f.measure, f.value,
        f.min_value <> f.max_value as conflicting, f.min_value, f.max_value, f.covering_end
    from (
        select territory_id, year, period_start, period_end, unnest([
            {'measure': 'waste_collected_t', 'value': waste_collected_t, 'min_value': waste_collected_t__min, 'max_value': waste_collected_t__max,
             'covering_end': waste_collected_t__cover},
            {'measure': 'participants', 'value': participants, 'min_value': participants__min, 'max_value': participants__max,
             'covering_end': participants__cover},
            {'measure': 'organisations', 'value': organisations, 'min_value': organisations__min, 'max_value': organisations__max,
             'covering_end': organisations__cover},
            {'measure': 'volume_m3', 'value': volume_m3, 'min_value': volume_m3__min, 'max_value': volume_m3__max,
             'covering_end': volume_m3__cover},
            {'measure': 'recyclable_t', 'value': recyclable_t, 'min_value': recyclable_t__min, 'max_value': recyclable_t__max,
             'covering_end': recyclable_t__cover},
            {'measure': 'fractions_t', 'value': fractions_t, 'min_value': fractions_t__min, 'max_value': fractions_t__max,
             'covering_end': fractions_t__cover},
            {'measure': 'total_with_fractions_t', 'value': total_with_fractions_t, 'min_value': total_with_fractions_t__min, 'max_value': total_with_fractions_t__max,
             'covering_end': total_with_fractions_t__cover}
        ]) as f
        from event_covers
    )
    where f.value is not null
),

figures as (
    select * exclude (covering_end) from covered
),

distinct_figures as (
    select * exclude (covering_end)
    from covered
    where covering_end is null or covering_end < period_end
),

-- A figure left out because a longer report covers it, while another measure of its report
-- is used (no longer report gives that one): the year then combines two overlapping reports
-- (Kazakhstan 2025: tonnes of the 2024-01/2025-06 report, participants of one inside it).
-- Allowed, but said, with the figure left out.
-- The figures left out because a longer report covers them.
nested as (
    select * from covered
    where covering_end is not null and covering_end >= period_end
),

nested_reports as (
    select
        c.territory_id,
        c.year,
        bounded_note(
            list(
                c.measure || ' ' || regexp_replace(c.value::varchar, '\.0$', '') || ' of the report of '
                    || c.period_start || '/' || c.period_end
                    || ' is left out, as inside a longer report (' || outer_period || '), while its '
                    || kept.measures || ' is used'
                order by c.period_start, c.measure
            ),
            5, 'figures left out the same way'
        ) as overlap_note
    from (
        select
            *,
            -- the longest period of the measure that starts no later and ends no earlier
            (
                select first(o.period_start || '/' || o.period_end order by o.period_start, o.period_end desc)
                from figures as o
                where o.territory_id = f.territory_id and o.measure = f.measure and o.year = f.year
                    and o.period_start <= f.period_start and o.period_end >= f.period_end
                    and (o.period_start, o.period_end) <> (f.period_start, f.period_end)
            ) as outer_period
        from nested as f
    ) as c
    inner join (
        -- the measures used of the reports that have a figure left out (only those: an ordered
        -- aggregate over every report took seconds at a million reports)
        select territory_id, year, period_start, period_end,
               string_agg(measure, ', ' order by measure) as measures
        from distinct_figures
        semi join nested using (territory_id, year, period_start, period_end)
        group by all
    ) as kept using (territory_id, year, period_start, period_end)
    group by c.territory_id, c.year
),

events as (
    select
        territory_id, year, period_start, period_end,
        max(value) filter (where measure = 'waste_collected_t') as waste_collected_t,
        max(value) filter (where measure = 'participants') as participants,
        max(value) filter (where measure = 'organisations') as organisations,
        max(value) filter (where measure = 'volume_m3') as volume_m3,
        max(value) filter (where measure = 'recyclable_t') as recyclable_t,
        max(value) filter (where measure = 'fractions_t') as fractions_t,
        max(value) filter (where measure = 'total_with_fractions_t') as total_with_fractions_t,
        bool_or(conflicting) as conflicting
    from distinct_figures
    group by all
),

-- What the sources of an event disagree on, for the events a note shows: a year's note names
-- its first five conflicting events (in period order) and counts the rest, so only those five
-- are spelt out. Spelling out every conflicting event (an ordered aggregate over a million
-- figures) was most of the mart's time at a million reports.
shown_conflicts as (
    select territory_id, year, period_start, period_end
    from events
    where conflicting
    qualify row_number() over (
        partition by territory_id, year order by period_start, period_end
    ) <= 5
),

conflicts as (
    select
        territory_id, year, period_start, period_end,
        string_agg(
            measure || ' ' || period_start || '/' || period_end || ': '
                || regexp_replace(min_value::varchar, '\.0$', '') || ' to '
                || regexp_replace(max_value::varchar, '\.0$', ''),
            '; ' order by measure
        ) as conflict_note
    from distinct_figures
    semi join shown_conflicts using (territory_id, year, period_start, period_end)
    where conflicting
    group by all
),

yearly as (
    select
        territory_id,
        year,
        count(*) as events_reported,
        sum(waste_collected_t) as waste_collected_t,
        sum(volume_m3) as volume_m3,
        sum(participants)::bigint as participants,
        sum(organisations)::bigint as organisations,
        1000 * sum(waste_collected_t) filter (where participants > 0)
            / sum(participants) filter (where waste_collected_t is not null and participants > 0)
            as kg_per_participant,
        sum(recyclable_t) / nullif(sum(total_with_fractions_t), 0) as recyclable_share,
        sum(total_with_fractions_t) - sum(fractions_t) as unallocated_t,
        bool_or(conflicting) as conflicting_sources,
        bounded_note_of(
            list(conflict_note order by period_start, period_end)
                filter (where conflict_note is not null),
            count(*) filter (where conflicting), 'events with conflicting figures'
        ) as conflict_note,
        bool_or(year(period_start) <> year(period_end)) as includes_multi_year_periods
    from events
    left join conflicts using (territory_id, year, period_start, period_end)
    group by territory_id, year
),

source_rows as (
    select territory_id, year, count(*) as source_rows
    from cleanup
    group by territory_id, year
),

final as (
    select
        y.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        y.year,
        y.events_reported,
        y.waste_collected_t,
        y.volume_m3,
        y.participants,
        y.organisations,
        y.kg_per_participant,
        y.recyclable_share,
        y.unallocated_t,
        p.population,
        p.population_year,
        p.population_is_nearest_year,
        1000 * y.waste_collected_t / p.population as waste_t_per_1000_inhabitants,
        1000 * y.participants / p.population as participants_per_1000_inhabitants,
        population_note(p.population, p.population_year, y.year, p.population_note) as per_capita_note,
        s.source_rows,
        y.conflicting_sources,
        y.conflict_note,
        y.includes_multi_year_periods,
        o.territory_id is not null as combines_overlapping_reports,
        o.overlap_note
    from yearly as y
    left join nested_reports as o on o.territory_id = y.territory_id and o.year = y.year
    inner join regions as r on r.territory_id = y.territory_id
    inner join source_rows as s on s.territory_id = y.territory_id and s.year = y.year
    left join population as p on p.territory_id = y.territory_id and p.year = y.year
)

select * from final
order by country_code, territory_id, year
