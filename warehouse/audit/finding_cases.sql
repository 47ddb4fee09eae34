-- audit.finding_cases: every case behind audit.findings, one row per case (one clean-up report
-- whose fractions fall short of its total, one day's district figures against the city's, ...).
-- Rows that break a contract are rejected at staging (audit.rejected_rows); findings are about
-- figures that loaded but do not add up, disagree, jump implausibly, or are missing.
-- A case names the finding it belongs to (finding_id: type x dataset x territory x year x
-- subject, the grain a person reviews); audit.findings aggregates them, with counts. A view:
-- a file of ten million reports has ten million cases, which are computed when read (a trace
-- of one finding, a query) rather than stored.
with

-- Not materialized: DuckDB would otherwise copy every column of every report once for the three
-- readers below (1.7 s of the findings' 2 s at a million reports); each reads the columns it needs.
cleanup as not materialized (
    select * from core.cleanup
),

-- 1. Parts vs total: a total larger than its fractions (the unallocated remainder). Information,
-- not a warning (#31.11): the remainder is mostly the unsorted part, and the marts show it as
-- unallocated_t. (Fractions above their total are rejected at staging.)
cleanup_parts as (
    select
        'parts_vs_total' as finding_type,
        'info' as severity,
        'cleanup' as dataset,
        territory_id,
        year,
        'fractions vs total waste collected' as subject,
        period_start || ' to ' || period_end as detail,
        waste_collected_t as expected_value,
        fractions_t as observed_value,
        't' as unit,
        format('fractions add up to {:,.3f} t of the {:,.3f} t reported: {:,.3f} t unallocated',
               fractions_t, waste_collected_t, unallocated_t) as message,
        [source_row_id] as source_row_ids
    from cleanup
    where has_fractions and unallocated_t > greatest(0.005 * waste_collected_t, 0.001)
),

-- 2. Sub-territories vs territory: the districts' figures for the same day against the city's.
ancestors as (
    select * from core.region_ancestors where depth = 1
),

-- One figure per sub-territory and day: two reports of a district's figure (two copies of a
-- file) are one district, not two; the larger figure stands for it.
child_figures as (
    select
        a.ancestor_id as territory_id,
        c.territory_id as child_id,
        c.period_start,
        c.period_end,
        max(c.participants) as participants,
        list(c.source_row_id order by c.source_row_id) as source_row_ids
    from cleanup as c
    inner join ancestors as a on a.territory_id = c.territory_id
    where c.participants is not null
    group by all
),

children as (
    select
        territory_id,
        period_start,
        period_end,
        sum(participants) as participants,
        count(*) as parts,
        flatten(list(source_row_ids order by child_id)) as source_row_ids
    from child_figures
    group by all
),

sub_territories as (
    select
        'sub_territories_vs_territory' as finding_type,
        'warning' as severity,
        'cleanup' as dataset,
        p.territory_id,
        p.year,
        'participants of its sub-territories vs the territory' as subject,
        p.period_start || ' to ' || p.period_end as detail,
        p.participants::double as expected_value,
        ch.participants::double as observed_value,
        'persons' as unit,
        format('{} sub-territories report {:,} participants in all; the territory itself reports {:,}',
               ch.parts, ch.participants, p.participants) as message,
        list_concat([p.source_row_id], ch.source_row_ids) as source_row_ids
    from cleanup as p
    inner join children as ch
        on ch.territory_id = p.territory_id
        and ch.period_start = p.period_start
        and ch.period_end = p.period_end
    -- Parts larger than their whole cannot both be right; parts smaller may be partial coverage.
    where p.participants is not null and ch.participants > p.participants
),

-- 3. Facility lines vs facility total on the same date.
facilities as (
    select * from core.waste_facilities
),

lines as (
    select
        facility_key, as_of,
        sum(capacity_t_per_year) filter (where status = 'operating') as operating_lines_t_per_year,
        list(source_row_id order by source_row_id) as source_row_ids
    from facilities
    where not is_whole_facility
    group by all
),

facility_lines as (
    select
        'parts_vs_total' as finding_type,
        'warning' as severity,
        'waste_facilities' as dataset,
        w.territory_id,
        w.as_of_year as year,
        w.facility_name || ': operating lines vs facility capacity' as subject,
        w.as_of::varchar as detail,
        w.capacity_t_per_year as expected_value,
        l.operating_lines_t_per_year as observed_value,
        't/year' as unit,
        format('operating lines add up to {:,.0f} t/year; the facility is reported at {:,.0f} t/year',
               l.operating_lines_t_per_year, w.capacity_t_per_year) as message,
        list_concat([w.source_row_id], l.source_row_ids) as source_row_ids
    from facilities as w
    inner join lines as l on l.facility_key = w.facility_key and l.as_of = w.as_of
    where w.is_whole_facility
      and l.operating_lines_t_per_year is not null
      and abs(l.operating_lines_t_per_year - w.capacity_t_per_year) > 0.005 * w.capacity_t_per_year
),

-- 4. Coal production: opencast + underground vs the reported total.
coal_parts as (
    select
        'parts_vs_total' as finding_type,
        'warning' as severity,
        'coal_usage' as dataset,
        territory_id,
        year,
        'coal production: opencast + underground vs total' as subject,
        coal_production_reported_t as expected_value,
        coal_production_parts_t as observed_value,
        't' as unit,
        format('opencast {:,} t + underground {:,} t = {:,} t; total reported {:,} t',
               round(coal_production_opencast_t)::bigint, round(coal_production_underground_t)::bigint,
               round(coal_production_parts_t)::bigint, round(coal_production_reported_t)::bigint) as message,
        source_row_ids
    from marts.coal_and_emissions
    where production_parts_disagree
),

-- 4b. The air-monitoring network as one source describes it: the data providers it lists
-- against the number it states, and its stations counted by operator against the same network
-- counted by kind of instrument (never added together: see core.air_monitoring.breakdown).
network as (
    select
        file_id,
        territory_id,
        year,
        period_start || ' to ' || period_end as detail,
        sum(providers) filter (where breakdown = 'by_operator') as providers_listed,
        max(providers) filter (where breakdown = 'stated_total') as providers_stated,
        sum(stations) filter (where breakdown = 'by_operator') as stations_by_operator,
        sum(stations) filter (where breakdown = 'by_instrument') as stations_by_instrument,
        list(source_row_id order by source_row_id)
            filter (where breakdown in ('by_operator', 'stated_total')) as provider_rows,
        list(source_row_id order by source_row_id)
            filter (where breakdown in ('by_operator', 'by_instrument')) as station_rows
    from core.air_monitoring
    group by file_id, territory_id, year, period_start, period_end
),

network_parts as (
    select
        'parts_vs_total' as finding_type,
        'warning' as severity,
        'air_monitoring' as dataset,
        territory_id,
        year,
        'data providers listed vs stated' as subject,
        detail,
        providers_stated::double as expected_value,
        providers_listed::double as observed_value,
        'providers' as unit,
        format('the providers listed add up to {:,} (with {:,} stations); the source states {:,}',
               providers_listed, stations_by_operator, providers_stated) as message,
        provider_rows as source_row_ids
    from network
    where providers_listed <> providers_stated
    union all
    select
        'parts_vs_total', 'warning', 'air_monitoring', territory_id, year,
        'stations by operator vs by kind of instrument',
        detail,
        stations_by_instrument::double,
        stations_by_operator::double,
        'stations',
        format('stations counted by operator add up to {:,}; the same network counted by kind of '
               || 'instrument, to {:,}', stations_by_operator, stations_by_instrument),
        station_rows
    from network
    where stations_by_operator <> stations_by_instrument
),

-- 5. Conflicting sources: the same figure reported differently (any difference is shown).
conflicts as (
    select
        'conflicting_sources' as finding_type,
        'warning' as severity,
        dataset,
        territory_id,
        year,
        indicator as subject,
        value as expected_value,
        null::double as observed_value,
        unit,
        coalesce(note, 'sources disagree') as message,
        source_row_ids
    from marts.region_year_indicators
    -- clean-up conflicts come from their own mart below; a coal total its parts do not add up
    -- to is a parts_vs_total finding (4.), and two coal sources that disagree come below too
    where conflicting_sources and dataset not in ('cleanup', 'coal_usage')
    union all
    select
        'conflicting_sources', 'warning', 'coal_usage', territory_id, year,
        'coal figures of one year', coal_production_t, null, 't',
        'sources report a coal figure of the year differently (the more confident one is used)',
        coal_source_row_ids
    from marts.coal_and_emissions
    where coal_sources_disagree
    union all
    select
        'conflicting_sources', 'warning', 'cleanup', territory_id, year,
        'clean-up figures of one event', waste_collected_t, null, 't', conflict_note, null
    from marts.cleanup_comparison
    where conflicting_sources
),

-- 6. Plausibility: a figure 500 times larger or smaller than the same indicator's previous
-- value for the territory: a kilogram read as a tonne, thousands as millions. Smaller swings
-- are common here (a one-day clean-up after a year-long campaign) and are not findings.
jumps as (
    select
        'implausible_change' as finding_type,
        'warning' as severity,
        dataset,
        territory_id,
        year,
        indicator as subject,
        previous_value as expected_value,
        value as observed_value,
        unit,
        format('{:,.3f} {} after {:,.3f} in {}: x{:.1f}', value, unit, previous_value, previous_year,
               value / previous_value) as message,
        source_row_ids
    from (
        select
            *,
            lag(value) over (partition by territory_id, indicator order by year) as previous_value,
            lag(year) over (partition by territory_id, indicator order by year) as previous_year
        from marts.region_year_indicators
        where unit not in ('share (0-1)')
    )
    where previous_value > 0 and (value / previous_value >= 500 or value / previous_value <= 1.0 / 500)
),

-- 7. Coverage: years between a territory's first and last figure of a dataset that no record
-- covers. A record covers every year its period touches: a campaign of 2024-01 to 2025-06
-- covers 2024, and August's coal shipments cover their year, though neither is a calendar-year
-- figure of the marts.
covered as (
    select 'cleanup' as dataset, territory_id, period_start, period_end from core.cleanup
    union all
    select 'coal_usage', territory_id, period_start, period_end from core.coal_usage
    union all
    select 'emissions', territory_id, period_start, period_end from core.emissions
    union all
    select 'water_fees', territory_id, period_start, period_end from core.water_fees
    union all
    select 'eco_events', territory_id, period_start, period_end from core.eco_events
    union all
    select 'air_monitoring', territory_id, period_start, period_end from core.air_monitoring
),

covered_years as (
    select distinct dataset, territory_id,
           unnest(generate_series(year(period_start), year(period_end))) as year
    from covered
),

-- Only datasets whose contracts declare a figure every year have gaps: a year without an
-- event or a new facility is no missing figure (contracts/<dataset>/contract.yaml: periodic).
spans as (
    select dataset, territory_id, min(year) as first_year, max(year) as last_year,
           list(distinct year) as years
    from covered_years
    where list_contains(periodic_datasets(), dataset)
    group by all
    having count(distinct year) >= 2
),

coverage as (
    select
        'coverage_gap' as finding_type,
        'info' as severity,
        s.dataset,
        s.territory_id,
        g.year,
        'no ' || s.dataset || ' figure for this year' as subject,
        null::double as expected_value,
        null::double as observed_value,
        null as unit,
        format('{} has {} figures for {}-{} but none for {}', s.territory_id, s.dataset,
               s.first_year, s.last_year, g.year) as message,
        null::varchar[] as source_row_ids
    from spans as s, unnest(generate_series(s.first_year, s.last_year)) as g(year)
    where not list_contains(s.years, g.year)
),

-- 9. What the marts leave out of a comparison, for review (#31.11): clean-up reports left out
-- of their year (crossing a year, inside or overlapping another, interim), and facilities whose
-- status has gone stale (no record within the horizon its contract declares).
left_out_reports as (
    select
        'left_out_of_comparison' as finding_type,
        'info' as severity,
        'cleanup' as dataset,
        territory_id,
        year,
        'clean-up reports left out of the year' as subject,
        null::double as expected_value,
        (multi_year_reports_left_out + nested_reports_left_out + overlapping_reports_left_out
            + interim_reports_left_out)::double as observed_value,
        'reports' as unit,
        left_out_note as message,
        null::varchar[] as source_row_ids
    from marts.cleanup_comparison
    where multi_year_reports_left_out + nested_reports_left_out + overlapping_reports_left_out
        + interim_reports_left_out > 0
),

stale_statuses as (
    select
        'status_expired' as finding_type,
        'info' as severity,
        'waste_facilities' as dataset,
        territory_id,
        year(run_as_of()) as year,
        facility_key as subject,
        format('{} as {} on {}', facility_name, status, as_of) as detail,
        capacity_t_per_year as expected_value,
        null::double as observed_value,
        't/year' as unit,
        format('{}: last recorded {} on {}; no record within the {} years a {} status stands, so it is no longer counted',
               facility_name, status, as_of, status_horizon_years('waste_facilities', status), status)
            as message,
        [source_row_id] as source_row_ids
    from core.waste_facilities
    where is_whole_facility
    qualify row_number() over (partition by facility_key order by as_of desc, source_row_id) = 1
        and year(run_as_of()) - as_of_year > status_horizon_years('waste_facilities', status)
),

-- 10. Scopes that contradict each other (#31.11, the case of #31.2): a territory's total, or its
-- stationary-and-mobile figure, below its stationary figure of the same year. One of them is
-- of another scope than it says (enterprises' emissions read as all sources).
scope_contradictions as (
    select
        'scope_contradiction' as finding_type,
        'warning' as severity,
        'emissions' as dataset,
        s.territory_id,
        s.year,
        'emissions: ' || w.scope || ' below stationary' as subject,
        s.emissions_t as expected_value,
        w.emissions_t as observed_value,
        't' as unit,
        format('{} emissions of {:,.0f} t are below the stationary {:,.0f} t of the same year: one of the two is of another scope than it says',
               w.scope, w.emissions_t, s.emissions_t) as message,
        [s.source_row_id, w.source_row_id] as source_row_ids
    from core.emissions as s
    inner join core.emissions as w
        on w.territory_id = s.territory_id and w.year = s.year and w.pollutant = s.pollutant
        and w.scope in ('total', 'stationary_and_mobile') and w.period_kind = s.period_kind
    where s.scope = 'stationary' and s.period_kind = 'calendar_year'
        and w.emissions_t < s.emissions_t
),

-- 8. A population outside the plausible growth of its series (#31.9): between two figures of
-- a territory with no change of its borders between them, a change of more than
-- population_plausible_change() a year, compounded (seeds/reference/tables.yaml). Per-capita
-- figures of the later year rest on it.
population_steps as (
    select
        *,
        lag(population) over by_date as earlier_figure,
        lag(reference_date) over by_date as previous_date,
        lag(source) over by_date as previous_source
    from core.population
    window by_date as (partition by territory_id order by reference_date)
),

population_changes as (
    select
        'implausible_population' as finding_type,
        'warning' as severity,
        'population' as dataset,
        s.territory_id,
        s.year,
        'population' as subject,
        s.previous_date || ' to ' || s.reference_date as detail,
        s.earlier_figure::double as expected_value,
        s.population::double as observed_value,
        'persons' as unit,
        format('{:,} on {} ({}) after {:,} on {} ({}): {:+.1f}% a year, beyond the {}% a year a population plausibly changes',
               s.population, s.reference_date, s.source, s.earlier_figure, s.previous_date,
               s.previous_source, 100 * s.rate, round(100 * population_plausible_change())::integer)
            as message,
        null::varchar[] as source_row_ids
    from (
        select
            *,
            pow(population / earlier_figure,
                365.25 / date_diff('day', previous_date, reference_date)) - 1 as rate
        from population_steps
        where earlier_figure > 0 and reference_date > previous_date
    ) as s
    where abs(s.rate) > population_plausible_change()
        and not exists (
            select 1 from core.territory_changes as c
            where c.territory_id = s.territory_id
                and c.change_date > s.previous_date and c.change_date <= s.reference_date
        )
),

combined as (
    select * from cleanup_parts
    union all by name select * from sub_territories
    union all by name select * from facility_lines
    union all by name select * from coal_parts
    union all by name select * from network_parts
    union all by name select * from conflicts
    union all by name select * from jumps
    union all by name select * from coverage
    union all by name select * from population_changes
    union all by name select * from left_out_reports
    union all by name select * from stale_statuses
    union all by name select * from scope_contradictions
),

final as (
    select
        md5(concat_ws('|', finding_type, dataset, territory_id, year, subject))[:16] as finding_id,
        finding_type,
        severity,
        dataset,
        territory_id,
        year,
        subject,
        detail,
        expected_value,
        observed_value,
        observed_value - expected_value as difference,
        unit,
        message,
        coalesce(source_row_ids, []) as source_row_ids
    from combined
)

select * from final
