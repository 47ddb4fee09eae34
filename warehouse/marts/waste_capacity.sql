-- marts.waste_capacity: capacity of waste facilities by type and status, per territory and year.
-- A facility's status and capacity in a year are those of its latest whole-facility record
-- dated in or before that year (carried forward; of two records on the same date the more
-- confident one). Lines of a facility are not added to its total. A facility counts for its own
-- territory and every territory above it (a Novokuznetsk plant counts for Kuzbass and Russia):
-- includes_subterritories says when a row does so. Throughput only (t/year; t/day x 365 is
-- flagged as derived); a landfill's design capacity in t or m3 is counted, not added. A status
-- stands for the years its contract declares (status_horizon_years: a plan 3, operating 5)
-- when no later record comes, and no year after the run's date (run_as_of()) is a row: a plan
-- dated later (a plant planned for 2027) counts as planned in the run's year.
with

facilities as (
    select
        *,
        confidence_rank(source_confidence)
            as confidence_rank,
        -- The year the record counts from: a plan dated after the run's year is known now.
        case
            when status in ('planned', 'under_construction')
                then least(as_of_year, year(run_as_of()))
            else as_of_year
        end as counts_from_year
    from core.waste_facilities
    where is_whole_facility
),

ancestors as (
    select * from core.region_ancestors
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

-- Each territory's subdivisions (its children in the gazetteer), with the years they existed.
subdivisions as (
    select parent_id as territory_id, territory_id as subdivision_id, valid_from, valid_to
    from core.regions
    where parent_id is not null
),

population as (
    select * from core.population_by_year
),

years as (
    select unnest(generate_series(min(counts_from_year), year(run_as_of()))) as year
    from facilities
),

status_in_year as (
    select
        y.year,
        f.*,
        row_number() over (
            partition by f.facility_key, y.year
            order by f.as_of desc, f.confidence_rank, f.file_id, f.row_number
        ) as latest
    from years as y
    inner join facilities as f on f.counts_from_year <= y.year
),

-- A status is carried forward for the years its contract declares after its record and then
-- no longer counted: a facility planned in 2019 and never reported again is not a plan of
-- 2027, and a landfill last reported operating in 2008 is not operating in 2020. Its last
-- record stays in core.waste_facilities.
current_status as (
    select * exclude (latest)
    from status_in_year
    where latest = 1
        and coalesce(year - counts_from_year <= status_horizon_years('waste_facilities', status), true)
),

rolled_up as (
    select
        a.ancestor_id as territory_id,
        c.year,
        c.facility_type,
        c.status,
        a.depth > 0 as from_subterritory,
        c.facility_key,
        c.capacity_t_per_year,
        c.capacity_is_derived,
        c.source_row_id
    from current_status as c
    inner join ancestors as a on a.territory_id = c.territory_id
    where c.status in ('operating', 'under_construction', 'planned')
),

-- How much of a territory its roll-up covers (#31.5): of its subdivisions that existed in the
-- year, those with a facility on record that year (any type or status). Only a country's
-- subdivisions are all in the gazetteer (ISO 3166-2); below it, coverage is unknown.
coverage as (
    select
        s.territory_id,
        y.year,
        count(distinct s.subdivision_id) as subdivisions,
        count(distinct s.subdivision_id) filter (where held.subdivision_id is not null)
            as subdivisions_covered
    from subdivisions as s
    cross join (select distinct year from current_status) as y
    left join (
        select distinct a.ancestor_id as subdivision_id, c.year
        from current_status as c
        inner join ancestors as a on a.territory_id = c.territory_id
    ) as held on held.subdivision_id = s.subdivision_id and held.year = y.year
    where coalesce(year(s.valid_from) <= y.year, true) and coalesce(year(s.valid_to) >= y.year, true)
    group by s.territory_id, y.year
),

aggregated as (
    select
        territory_id,
        year,
        facility_type,
        status,
        count(distinct facility_key) as facilities,
        sum(capacity_t_per_year) as capacity_t_per_year,
        count(distinct facility_key) filter (where capacity_t_per_year is null)
            as facilities_without_annual_capacity,
        bool_or(capacity_is_derived) as capacity_includes_derived,
        bool_or(from_subterritory) as includes_subterritories,
        list(distinct source_row_id order by source_row_id) as source_row_ids
    from rolled_up
    group by territory_id, year, facility_type, status
),

final as (
    select
        a.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        a.year,
        a.facility_type,
        a.status,
        a.facilities,
        a.capacity_t_per_year,
        a.facilities_without_annual_capacity,
        a.capacity_includes_derived,
        a.includes_subterritories,
        p.population,
        p.population_year,
        p.population_basis,
        p.population_is_nearest_year,
        c.subdivisions_covered,
        c.subdivisions,
        -- A roll-up below the declared coverage, or of unknown coverage, has no per-capita
        -- value: a country's capacity from one plant is not the country's.
        case
            when not a.includes_subterritories
                or (r.level = 'country'
                    and c.subdivisions_covered >= rollup_min_coverage('waste_facilities') * c.subdivisions)
                then per_inhabitants(a.capacity_t_per_year, p.population, 1000)
        end as kg_per_inhabitant_per_year,
        a.source_row_ids,
        nullif(concat_ws('; ',
            case when a.capacity_includes_derived then 'includes capacity published in t/day (x 365)' end,
            case when a.facilities_without_annual_capacity > 0
                then a.facilities_without_annual_capacity || ' facility(ies) without an annual capacity' end,
            case when a.includes_subterritories and r.level <> 'country'
                then 'rolled up from sub-territories whose coverage is unknown: no per-capita value'
                when a.includes_subterritories
                    and c.subdivisions_covered < rollup_min_coverage('waste_facilities') * c.subdivisions
                then format('facilities on record in {} of {} subdivisions, below the {}% a per-capita value needs',
                            c.subdivisions_covered, c.subdivisions,
                            round(100 * rollup_min_coverage('waste_facilities'))::integer)
            end,
            case when a.capacity_t_per_year is not null or p.population is not null
                then population_note(p.population, p.population_year, a.year, p.population_note) end
        ), '') as note
    from aggregated as a
    inner join regions as r on r.territory_id = a.territory_id
    left join population as p on p.territory_id = a.territory_id and p.year = a.year
    left join coverage as c on c.territory_id = a.territory_id and c.year = a.year
),

-- one_population_basis: the CTEs comparison_basis, flagged and one_basis, generated from
-- per_capita_comparison in the YAML (warehouse/__init__.py: one_basis_ctes; #31.9)

select * from one_basis
order by country_code, territory_id, year, facility_type, status
