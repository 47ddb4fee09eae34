-- marts.region_year_indicators: every headline figure of every dataset, one row per
-- territory x year x indicator, in one long table with its unit, per-capita value, how many
-- sources stand behind it, whether they disagree, and the ids of the source rows
-- (file_id:row_number, see audit.source_files and raw.<dataset>).
--
-- Clean-up figures come from marts.cleanup_comparison (its rules for alternatives and nested
-- periods apply). Emission figures: calendar years only; of several sources for the same
-- territory, year, pollutant, scope and basis the preferred one is used (confidence, then the
-- first loaded) and a disagreement is flagged. Scopes are never added together. Water fees:
-- full calendar years only, in USD at the same year's rate (from marts.water_fee_revenue).
-- Air quality: the complete years of the stations in a territory (from
-- marts.air_quality_annual), beside the same territory's coal and emission figures.
with

cleanup as (
    select * from marts.cleanup_comparison
),

cleanup_rows as (
    select territory_id, year, source_row_id, source_key(source_url, source_title, file_id) as source
    from core.cleanup
),

emission_rows as (
    select
        *,
        confidence_rank(source_confidence)
            as confidence_rank,
        'emissions_' || pollutant || '_' || scope
            || case when basis <> 'reported' then '_' || basis else '' end as indicator
    from core.emissions
    where period_kind = 'calendar_year'
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

population as (
    select * from core.population_by_year
),

-- A figure keeps the ids of its first 1,000 source rows and the count of all of them. Each of a
-- territory-year's clean-up indicators rests on the same rows: with every id copied into every
-- indicator, a file of ten million rows made fifty million ids in this table, more than the
-- warehouse's memory. The trace reads all the rows behind a figure from core.cleanup by
-- territory and year (the lineage declared in the YAML).
cleanup_sources as (
    select
        territory_id, year,
        count(distinct source) as n_sources,
        count(*) as source_rows,
        list_slice(list(source_row_id order by source_row_id), 1, 1000) as source_row_ids
    from cleanup_rows
    group by territory_id, year
),

cleanup_long as (
    -- The figure's conflict, with the values (KG 2022: 620.902 to 620.922 t), before its note.
    select territory_id, year, 'cleanup' as dataset, indicator, value, unit, per_capita_value,
           per_capita_unit, is_derived, is_estimated, conflicting_sources,
           nullif(concat_ws('; ', case when conflicting_sources then conflict_note end, left_out_note, note), '')
               as note
    from (
        select territory_id, year, conflicting_sources, conflict_note, left_out_note, 'cleanup_waste_collected_t' as indicator,
               waste_collected_t as value, 't' as unit, waste_t_per_1000_inhabitants as per_capita_value,
               't per 1,000 inhabitants' as per_capita_unit, false as is_derived, false as is_estimated,
               per_capita_note as note
        from cleanup
        union all
        select territory_id, year, conflicting_sources, conflict_note, left_out_note, 'cleanup_participants', participants,
               'persons', participants_per_1000_inhabitants, 'persons per 1,000 inhabitants', false, false, per_capita_note
        from cleanup
        union all
        select territory_id, year, conflicting_sources, conflict_note, left_out_note, 'cleanup_volume_m3', volume_m3,
               'm3', null, null, false, false, 'volume is never converted to tonnes'
        from cleanup
        union all
        select territory_id, year, conflicting_sources, conflict_note, left_out_note, 'cleanup_kg_per_participant',
               kg_per_participant, 'kg per participant', null, null, true, false,
               'over events reporting both tonnes and participants'
        from cleanup
        union all
        select territory_id, year, conflicting_sources, conflict_note, left_out_note, 'cleanup_recyclable_share',
               recyclable_share, 'share (0-1)', null, null, true, false,
               'plastic + glass + paper + metal over the total, over events reporting fractions'
        from cleanup
    )
    where value is not null
),

-- The figure of each territory x year x pollutant x scope x basis: the most confident report,
-- with what all reports of it say (aggregated once per figure, not once per report: a figure
-- reported by thousands of rows must not give each of them a list of all the others).
emission_figures as (
    select
        territory_id, year, pollutant, scope, basis,
        min(emissions_t) <> max(emissions_t) as conflicting,
        count(distinct source_key(source_url, source_title, file_id)) as n_sources,
        count(*) as source_rows,  -- the first 1,000 ids are kept, as for clean-up
        list_slice(list(source_row_id order by file_id, row_number), 1, 1000) as source_row_ids,
        bounded_note(
            list(emissions_t::varchar || ' t (' || coalesce(source_title, file_id) || ')'
                 order by emissions_t, file_id, row_number),
            10, 'reports'
        ) as alternatives
    from emission_rows
    group by all
),

emission_choice as (
    select
        r.*,
        f.conflicting,
        f.n_sources,
        f.source_rows,
        f.source_row_ids,
        f.alternatives
    from emission_rows as r
    inner join emission_figures as f
        on f.territory_id = r.territory_id and f.year = r.year
        and f.pollutant is not distinct from r.pollutant
        and f.scope is not distinct from r.scope
        and f.basis is not distinct from r.basis
    qualify row_number() over (
        partition by r.territory_id, r.year, r.pollutant, r.scope, r.basis
        order by r.confidence_rank, file_landed_at(r.file_id), r.file_id, r.row_number
    ) = 1
),

emissions_long as (
    select
        e.territory_id,
        e.year,
        'emissions' as dataset,
        e.indicator,
        e.emissions_t as value,
        't' as unit,
        per_inhabitants(e.emissions_t, p.population, 1000) as per_capita_value,
        'kg per inhabitant' as per_capita_unit,
        e.basis = 'ecostat_estimate' as is_derived,
        e.basis <> 'reported' as is_estimated,
        e.conflicting as conflicting_sources,
        case when e.conflicting then 'sources disagree: ' || e.alternatives end as note,
        e.n_sources,
        e.source_rows,
        e.source_row_ids
    from emission_choice as e
    left join population as p on p.territory_id = e.territory_id and p.year = e.year
),

water_long as (
    select
        territory_id,
        year,
        'water_fees' as dataset,
        'water_fees_' || fee_type || '_' || budget_level
            || case when payer_group <> 'all' then '_' || payer_group else '' end as indicator,
        amount_usd as value,
        'USD' as unit,
        usd_per_capita as per_capita_value,
        'USD per inhabitant' as per_capita_unit,
        true as is_derived,
        false as is_estimated,
        conflicting_sources,
        'converted from ' || currency || ' at ' || round(lcu_per_usd, 4) || ' per USD ('
            || fx_source || ')' as note,
        n_sources,
        source_row_ids
    from marts.water_fee_revenue
    where not is_partial_period and amount_usd is not null
),

-- Coal figures trace to coal rows only; parts that do not add up to the total, or sources that
-- disagree, make the production figure a disputed one, with the numbers in its note.
coal_long as (
    select territory_id, year, 'coal_usage' as dataset, 'coal_production_t' as indicator,
           coal_production_t as value, 't' as unit, coal_production_t_per_inhabitant as per_capita_value,
           't per inhabitant' as per_capita_unit,
           coal_production_basis = 'sum_of_parts' as is_derived,  -- a sum ecostat made
           false as is_estimated,
           coal_sources_disagree or coalesce(production_parts_disagree, false) as conflicting_sources,
           production_note as note, coal_sources as n_sources, coal_source_row_ids as source_row_ids
    from marts.coal_and_emissions
    where coal_production_t is not null
    union all
    select territory_id, year, 'coal_usage', 'coal_estimated_co2_avoided_t', estimated_co2_avoided_t, 't',
           null, null, true, true, coal_sources_disagree, co2_estimate_note, coal_sources,
           coal_source_row_ids
    from marts.coal_and_emissions
    where estimated_co2_avoided_t is not null
),

-- The sources behind each operating capacity figure, counted as every other figure's are
-- (source_key: the page, else the document, else the file), not by files.
capacity_sources as (
    select c.territory_id, c.year, c.facility_type,
           count(distinct source_key(w.source_url, w.source_title, w.file_id)) as n_sources
    from (
        select territory_id, year, facility_type, unnest(source_row_ids) as source_row_id
        from marts.waste_capacity
        where status = 'operating' and capacity_t_per_year is not null
    ) as c
    inner join core.waste_facilities as w using (source_row_id)
    group by c.territory_id, c.year, c.facility_type
),

event_sources as (
    select e.territory_id, e.year,
           count(distinct source_key(v.source_url, v.source_title, v.file_id)) as n_sources
    from (
        select territory_id, year, unnest(source_row_ids) as source_row_id
        from marts.events_activity
    ) as e
    inner join core.eco_events as v using (source_row_id)
    group by e.territory_id, e.year
),

capacity_long as (
    select
        territory_id,
        year,
        'waste_facilities' as dataset,
        -- One indicator per facility type: sorting, landfill intake and incineration are
        -- different things and are never added together.
        'waste_capacity_operating_' || facility_type || '_t_per_year' as indicator,
        sum(capacity_t_per_year) as value,
        't/year' as unit,
        sum(kg_per_inhabitant_per_year) as per_capita_value,
        'kg per inhabitant per year' as per_capita_unit,
        bool_or(capacity_includes_derived) as is_derived,
        false as is_estimated,
        false as conflicting_sources,
        nullif(concat_ws('; ',
            case when bool_or(includes_subterritories) then 'includes facilities in territories below this one' end,
            case when bool_or(capacity_includes_derived) then 'includes capacity published in t/day (x 365)' end
        ), '') as note,
        any_value(s.n_sources) as n_sources,
        flatten(list(source_row_ids)) as source_row_ids
    from marts.waste_capacity
    left join capacity_sources as s using (territory_id, year, facility_type)
    where status = 'operating' and capacity_t_per_year is not null
    group by territory_id, year, facility_type
),

-- Two counts of public environmental events, on two bases that are never mixed: the events
-- as the sources count them (only where a source gives a count: no count is assumed), and the
-- reports of events, which every source gives.
events_long as (
    select
        territory_id,
        year,
        'eco_events' as dataset,
        e.indicator,
        e.value,
        e.unit,
        null::double as per_capita_value,
        null as per_capita_unit,
        false as is_derived,
        false as is_estimated,
        false as conflicting_sources,
        e.note,
        y.n_sources,
        source_row_ids
    from (
        select
            a.territory_id,
            a.year,
            any_value(s.n_sources) as n_sources,
            sum(events)::double as events,
            sum(reports)::double as reports,
            sum(reports_without_count) as reports_without_count,
            flatten(list(source_row_ids)) as source_row_ids
        from marts.events_activity as a
        left join event_sources as s using (territory_id, year)
        group by a.territory_id, a.year
    ) as y,
    unnest([
        {'indicator': 'eco_events_count', 'value': events, 'unit': 'events',
         'note': 'public environmental events of all types begun in the year, as the sources '
             || 'count them' || case when reports_without_count > 0 then '; ' || reports_without_count
             || ' reports give no count and are not in it' else '' end},
        {'indicator': 'eco_event_reports', 'value': reports, 'unit': 'reports',
         'note': 'reports of public environmental events begun in the year (an event reported by '
             || 'several sources counts once)'}
    ]) as t(e)
    where e.value is not null
),

-- Air quality of a territory's stations, from their complete years only (a part year's mean
-- or exceedance count is not comparable with a whole year's): the annual mean, the days above
-- the WHO 24-hour level, and the heating-season mean against the rest of the year. A
-- territory measured by several stations gets the mean of their figures, and says so.
air_years as (
    select *
    from marts.air_quality_annual
    where year_complete
),

-- The sources behind a territory's complete station-years, counted from the measurements
-- themselves (the marts keep only the first 1,000 ids of a year).
air_sources as (
    select y.territory_id, y.year, y.pollutant,
           count(distinct source_key(q.source_url, q.source_title, q.file_id)) as n_sources
    from air_years as y
    inner join core.air_quality as q
        on q.station_id = y.station_id and q.pollutant = y.pollutant and q.year = y.year
    group by y.territory_id, y.year, y.pollutant
),

-- Each complete station-year's four figures, one row each.
air_measures as (
    select
        y.*,
        m.measure as m_measure,
        m.value as m_value,
        m.unit as m_unit,
        m.note as m_note
    from air_years as y,
    unnest([
        {'measure': 'annual_mean_ugm3', 'value': y.annual_mean, 'unit': 'µg/m³',
         'note': 'mean of the complete days of the year'},
        {'measure': 'days_above_who', 'value': y.days_above_who::double, 'unit': 'days',
         'note': 'complete days above the WHO 2021 24-hour level'},
        {'measure': 'heating_season_mean_ugm3', 'value': y.heating_season_mean, 'unit': 'µg/m³',
         'note': 'mean of the complete days of the heating season in the year'},
        {'measure': 'non_heating_season_mean_ugm3', 'value': y.non_heating_season_mean,
         'unit': 'µg/m³', 'note': 'mean of the complete days outside the heating season'}
    ]) as t(m)
),

air_long as (
    select
        y.territory_id,
        y.year,
        'air_quality' as dataset,
        'air_quality_' || y.pollutant || '_' || y.m_measure as indicator,
        avg(y.m_value) as value,
        any_value(y.m_unit) as unit,
        null::double as per_capita_value,
        null as per_capita_unit,
        true as is_derived,  -- means and counts ecostat made from the measurements
        false as is_estimated,
        false as conflicting_sources,
        concat_ws('; ',
            any_value(y.m_note),
            case when count(*) > 1 then 'mean of ' || count(*) || ' stations ('
                || string_agg(y.station, ', ' order by y.station) || ')'
            else 'station ' || any_value(y.station) end
        ) as note,
        any_value(s.n_sources) as n_sources,
        sum(y.source_rows) as source_rows,
        list_slice(flatten(list(y.source_row_ids order by y.station_id)), 1, 1000) as source_row_ids
    -- The figures are unnested in a CTE of their own: DuckDB 1.5 plans no outer join after a
    -- lateral unnest ("Non-inner join on correlated columns not supported").
    from air_measures as y
    left join air_sources as s
        on s.territory_id = y.territory_id and s.year = y.year and s.pollutant = y.pollutant
    where y.m_value is not null
    group by y.territory_id, y.year, y.pollutant, y.m_measure
),

combined as (
    -- A clean-up figure's note already says which reports were left out of it and why.
    select
        c.*,
        s.n_sources,
        s.source_rows,
        s.source_row_ids
    from cleanup_long as c
    inner join cleanup_sources as s on s.territory_id = c.territory_id and s.year = c.year
    union all by name
    select * from emissions_long
    union all by name
    select * from water_long
    union all by name
    select * from coal_long
    union all by name
    select * from capacity_long
    union all by name
    select * from events_long
    union all by name
    select * from air_long
),

final as (
    select
        c.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        c.year,
        c.dataset,
        c.indicator,
        c.value,
        c.unit,
        case when p.population is not null then c.per_capita_value end as per_capita_value,
        case when c.per_capita_value is not null and p.population is not null then c.per_capita_unit end
            as per_capita_unit,
        p.population,
        p.population_year,
        case when p.population is not null then p.population_basis end as population_basis,
        p.population_is_nearest_year,
        c.is_derived,
        c.is_estimated,
        c.n_sources,
        c.conflicting_sources,
        coalesce(c.source_rows, len(c.source_row_ids)) as source_rows,
        c.source_row_ids,
        -- The figure's own note, and what the per-capita value rests on (unless already said).
        nullif(concat_ws('; ',
            c.note,
            case
                when c.note like '%population%' then null
                when c.per_capita_unit is not null and p.population is null
                    or c.per_capita_value is not null
                    then population_note(p.population, p.population_year, c.year, p.population_note)
            end
        ), '') as note
    from combined as c
    inner join regions as r on r.territory_id = c.territory_id
    left join population as p on p.territory_id = c.territory_id and p.year = c.year
),

-- one_population_basis: the CTEs comparison_basis, flagged and one_basis, generated from
-- per_capita_comparison in the YAML (warehouse/__init__.py: one_basis_ctes; #31.9)

select * from one_basis
order by country_code, territory_id, year, dataset, indicator
