-- marts.cleanup_comparison: one row per territory x year of clean-up results, like for like.
--
-- How reports become a year's figures, so that like is compared with like and nothing is
-- counted twice (docs/methodology.md):
-- 1. Reports of the same event (same territory, period_start and period_end) by several sources
--    are alternatives: per measure the preferred one is kept (confidence high > medium > low >
--    unrated, then the file loaded first, i.e. landed first, and its first row). Disagreements
--    are flagged with both numbers.
-- 2. A report whose period crosses a calendar-year boundary (Kazakhstan's Taza Qazaqstan report
--    of 2024-01/2025-06, 1.414 Mt) is in no yearly figure: a year must not add an 18-month total
--    to a one-day event. It is counted and named in the row of the year it ended.
-- 3. A report whose period lies inside a longer report of the same territory and year is part
--    of it and is left out whole, with every measure: a year's measures come from the same
--    reports, never tonnes from one and participants from another inside it. A part that
--    reports more than its whole (a measure above the longer report's) is a conflict.
-- 3b. A report that overlaps an earlier-starting report of the same territory and year without
--    lying inside it (April to September, July to December) is left out too: summing the two
--    would count July to September twice.
-- 4. A report counted before its period ended (as_of before period_end: 100,000 participants
--    "already" four days into a 29-day campaign) is interim: it is in no yearly figure, and
--    is counted and named like the others left out.
-- 5. What remains are distinct events; they are summed per territory and reporting year.
-- Ratios use only events that report both of their parts (kg per participant: events with
-- tonnes and participants; recyclable share: events with a total and fractions).
-- Per-capita figures use the population of the same territory and year, or the nearest year
-- within 5 years (flagged); otherwise they are NULL with the reason in per_capita_note.
-- Every territory and year with a report has a row: one whose reports were all left out has
-- no figures, and says why.
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

-- Final reports only (rule 4): an interim count is no total of its period.
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
    where not is_interim
),

-- One row per event (territory, period): per measure the preferred report's value and the
-- range the reports span. Aggregates, not windows: ten million reports in a window took over a
-- minute. One grouping of the reports for all seven measures.
events_all as (
    select
        territory_id, year, period_start, period_end,
        arg_min(fractions_t, preference) as fractions_t, min(fractions_t) as fractions_t__min, max(fractions_t) as fractions_t__max,
        arg_min(organisations, preference) as organisations, min(organisations) as organisations__min, max(organisations) as organisations__max,
        arg_min(participants, preference) as participants, min(participants) as participants__min, max(participants) as participants__max,
        arg_min(recyclable_t, preference) as recyclable_t, min(recyclable_t) as recyclable_t__min, max(recyclable_t) as recyclable_t__max,
        arg_min(total_with_fractions_t, preference) as total_with_fractions_t, min(total_with_fractions_t) as total_with_fractions_t__min, max(total_with_fractions_t) as total_with_fractions_t__max,
        arg_min(volume_m3, preference) as volume_m3, min(volume_m3) as volume_m3__min, max(volume_m3) as volume_m3__max,
        arg_min(waste_collected_t, preference) as waste_collected_t, min(waste_collected_t) as waste_collected_t__min, max(waste_collected_t) as waste_collected_t__max
    from (
        select
            reports.*,
            -- One number that sorts as (confidence, file, row) does: comparing it is a fraction
            -- of the cost of comparing a struct of them
            (confidence_rank::hugeint << 96) + (files.file_order::hugeint << 64) + row_number
                as preference
        from reports
        inner join (
            select file_id, row_number() over (order by file_landed_at(file_id), file_id) as file_order
            from (select distinct file_id from reports)
        ) as files using (file_id)
    )
    group by territory_id, year, period_start, period_end
),

-- Within a calendar year (rule 2 keeps the others out), an event is inside another when an
-- earlier-starting (or same-start, longer) event of the same territory and year ends no
-- earlier: in start order (longest first on a tie), the largest end among the events before
-- it. One sort, where a self-join on the date ranges took minutes at ten million rows.
year_events as (
    select
        *,
        max(period_end) over earlier as covering_end,
        -- Which event that is (the one ending last), for the note of one overlapping it.
        arg_max(period_start || '/' || period_end, period_end) over earlier as covering_event
    from events_all
    where year(period_start) = year(period_end)
    window earlier as (
        partition by territory_id, year
        order by period_start, period_end desc
        rows between unbounded preceding and 1 preceding
    )
),

events as (
    select
        * exclude (covering_end, covering_event),
        coalesce(fractions_t__min <> fractions_t__max, false)
            or coalesce(organisations__min <> organisations__max, false)
            or coalesce(participants__min <> participants__max, false)
            or coalesce(recyclable_t__min <> recyclable_t__max, false)
            or coalesce(total_with_fractions_t__min <> total_with_fractions_t__max, false)
            or coalesce(volume_m3__min <> volume_m3__max, false)
            or coalesce(waste_collected_t__min <> waste_collected_t__max, false)
            as conflicting
    from year_events
    -- Rules 3 and 3b: an event that starts before an earlier-starting one has ended (inside
    -- it, or overlapping it) is left out.
    where covering_end is null or covering_end < period_start
),

-- Rule 3: each event inside a longer one, with the longest that contains it (few: the join
-- starts from the nested events only).
nested as (
    select
        n.territory_id, n.year, n.period_start, n.period_end,
        o.period_start as outer_start, o.period_end as outer_end,
        nullif(concat_ws(', ',
                case when n.fractions_t > o.fractions_t then 'fractions_t ' || figure_text(n.fractions_t) || ' > ' || figure_text(o.fractions_t) end,
                case when n.organisations > o.organisations then 'organisations ' || figure_text(n.organisations) || ' > ' || figure_text(o.organisations) end,
                case when n.participants > o.participants then 'participants ' || figure_text(n.participants) || ' > ' || figure_text(o.participants) end,
                case when n.recyclable_t > o.recyclable_t then 'recyclable_t ' || figure_text(n.recyclable_t) || ' > ' || figure_text(o.recyclable_t) end,
                case when n.total_with_fractions_t > o.total_with_fractions_t then 'total_with_fractions_t ' || figure_text(n.total_with_fractions_t) || ' > ' || figure_text(o.total_with_fractions_t) end,
                case when n.volume_m3 > o.volume_m3 then 'volume_m3 ' || figure_text(n.volume_m3) || ' > ' || figure_text(o.volume_m3) end,
                case when n.waste_collected_t > o.waste_collected_t then 'waste_collected_t ' || figure_text(n.waste_collected_t) || ' > ' || figure_text(o.waste_collected_t) end
            ), '') as more_than_outer
    from year_events as n
    inner join year_events as o
        on o.territory_id = n.territory_id and o.year = n.year
        and o.period_start <= n.period_start and o.period_end >= n.period_end
        and (o.period_start, o.period_end) <> (n.period_start, n.period_end)
    where n.covering_end >= n.period_end
    qualify row_number() over (
        partition by n.territory_id, n.year, n.period_start, n.period_end
        order by o.period_start, o.period_end desc
    ) = 1
),

-- The reports left out of a year's figures (rules 2 and 3), each named with its figures.
left_out as (
    select
        territory_id, year,
        count(*) filter (where why = 'multi_year') as multi_year_reports_left_out,
        count(*) filter (where why = 'nested') as nested_reports_left_out,
        count(*) filter (where why = 'interim') as interim_reports_left_out,
        count(*) filter (where why = 'overlapping') as overlapping_reports_left_out,
        bounded_note(
            list(note order by why, period_start, period_end),
            5, 'reports left out'
        ) as left_out_note,
        bounded_note(
            list(contradiction order by period_start, period_end)
                filter (where contradiction is not null),
            5, 'reports larger than a report containing them'
        ) as contradiction_note
    from (
        -- Each report left out, with why in words and its figures: the note is made once, below.
        select
            *,
            'the report of ' || period_start || '/' || period_end || ' ' || why_in_words || ' ('
                || concat_ws('; ',
            'fractions_t ' || figure_text(fractions_t),
            'organisations ' || figure_text(organisations),
            'participants ' || figure_text(participants),
            'recyclable_t ' || figure_text(recyclable_t),
            'total_with_fractions_t ' || figure_text(total_with_fractions_t),
            'volume_m3 ' || figure_text(volume_m3),
            'waste_collected_t ' || figure_text(waste_collected_t)
                ) || ')' as note
        from (
            select
                m.territory_id, m.year, m.period_start, m.period_end, 'multi_year' as why,
                'crosses a calendar year and is in no yearly figure' as why_in_words,
                m.fractions_t, m.organisations, m.participants, m.recyclable_t,
                m.total_with_fractions_t, m.volume_m3, m.waste_collected_t,
                null as contradiction
            from events_all as m
            where year(m.period_start) <> year(m.period_end)
            union all
            select
                n.territory_id, n.year, n.period_start, n.period_end, 'nested',
                'lies inside the report of ' || d.outer_start || '/' || d.outer_end
                    || ' and is left out',
                n.fractions_t, n.organisations, n.participants, n.recyclable_t,
                n.total_with_fractions_t, n.volume_m3, n.waste_collected_t,
                case when d.more_than_outer is not null then
                    'the report of ' || n.period_start || '/' || n.period_end
                        || ' reports more than the report of ' || d.outer_start || '/' || d.outer_end
                        || ' that contains it: ' || d.more_than_outer
                end
            from year_events as n
            inner join nested as d using (territory_id, year, period_start, period_end)
            union all
            select
                i.territory_id, i.year, i.period_start, i.period_end, 'interim',
                'counts up to ' || i.as_of || ', before the period ended, and is in no yearly figure',
                i.fractions_t, i.organisations::double, i.participants::double, i.recyclable_t,
                case when i.has_fractions then i.waste_collected_t end, i.volume_m3,
                i.waste_collected_t,
                null
            from cleanup as i
            where i.is_interim
            union all
            -- Rule 3b: named with the earlier-starting report it overlaps (the one ending last).
            select
                n.territory_id, n.year, n.period_start, n.period_end, 'overlapping',
                'overlaps the report of ' || n.covering_event || ' and is left out',
                n.fractions_t, n.organisations, n.participants, n.recyclable_t,
                n.total_with_fractions_t, n.volume_m3, n.waste_collected_t,
                null
            from year_events as n
            where n.covering_end >= n.period_start and n.covering_end < n.period_end
        )
    )
    group by territory_id, year
),

-- What the sources of an event disagree on, for the events a note shows: a year's note names
-- its first five conflicting events (in period order) and counts the rest, so only those five
-- are spelt out. Spelling out every conflicting event was most of the mart's time at a million
-- reports.
conflicts as (
    select
        territory_id, year, period_start, period_end,
        concat_ws('; ',
            range_note('fractions_t', period_start, period_end, fractions_t__min, fractions_t__max),
            range_note('organisations', period_start, period_end, organisations__min, organisations__max),
            range_note('participants', period_start, period_end, participants__min, participants__max),
            range_note('recyclable_t', period_start, period_end, recyclable_t__min, recyclable_t__max),
            range_note('total_with_fractions_t', period_start, period_end, total_with_fractions_t__min, total_with_fractions_t__max),
            range_note('volume_m3', period_start, period_end, volume_m3__min, volume_m3__max),
            range_note('waste_collected_t', period_start, period_end, waste_collected_t__min, waste_collected_t__max)
        ) as conflict_note
    from events
    where conflicting
    qualify row_number() over (
        partition by territory_id, year order by period_start, period_end
    ) <= 5
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
        bool_or(conflicting) as conflicting_events,
        bounded_note_of(
            list(conflict_note order by period_start, period_end)
                filter (where conflict_note is not null),
            count(*) filter (where conflicting), 'events with conflicting figures'
        ) as conflict_note
    from events
    left join conflicts using (territory_id, year, period_start, period_end)
    group by territory_id, year
),

-- Every territory and year with a report, and how many reports stand behind it.
source_rows as (
    select territory_id, year, count(*) as source_rows
    from cleanup
    group by territory_id, year
),

final as (
    select
        s.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        s.year,
        coalesce(y.events_reported, 0) as events_reported,
        y.waste_collected_t,
        y.volume_m3,
        y.participants,
        y.organisations,
        y.kg_per_participant,
        y.recyclable_share,
        y.unallocated_t,
        p.population,
        p.population_year,
        p.population_basis,
        p.population_is_nearest_year,
        per_inhabitants(y.waste_collected_t, p.population, 1000) as waste_t_per_1000_inhabitants,
        per_inhabitants(y.participants, p.population, 1000) as participants_per_1000_inhabitants,
        population_note(p.population, p.population_year, s.year, p.population_note) as per_capita_note,
        s.source_rows,
        coalesce(y.conflicting_events, false) or o.contradiction_note is not null
            as conflicting_sources,
        nullif(concat_ws('; ', y.conflict_note, o.contradiction_note), '') as conflict_note,
        coalesce(o.multi_year_reports_left_out, 0) as multi_year_reports_left_out,
        coalesce(o.nested_reports_left_out, 0) as nested_reports_left_out,
        coalesce(o.interim_reports_left_out, 0) as interim_reports_left_out,
        coalesce(o.overlapping_reports_left_out, 0) as overlapping_reports_left_out,
        o.left_out_note
    from source_rows as s
    left join yearly as y on y.territory_id = s.territory_id and y.year = s.year
    left join left_out as o on o.territory_id = s.territory_id and o.year = s.year
    inner join regions as r on r.territory_id = s.territory_id
    left join population as p on p.territory_id = s.territory_id and p.year = s.year
),

-- one_population_basis: the CTEs comparison_basis, flagged and one_basis, generated from
-- per_capita_comparison in the YAML (warehouse/__init__.py: one_basis_ctes; #31.9)

select * from one_basis
order by country_code, territory_id, year
