-- marts.waste_capacity: capacity of waste facilities by type and status, per territory and year.
-- A facility's status and capacity in a year are those of its latest whole-facility record
-- dated in or before that year (carried forward; of two records on the same date the more
-- confident one). Lines of a facility are not added to its total. A facility counts for its own
-- territory and every territory above it (a Novokuznetsk plant counts for Kuzbass and Russia):
-- includes_subterritories says when a row does so. Throughput only (t/year; t/day x 365 is
-- flagged as derived); a landfill's design capacity in t or m3 is counted, not added. A plan
-- without news for more than 3 years is no longer counted.
with

facilities as (
    select
        *,
        confidence_rank(source_confidence)
            as confidence_rank
    from core.waste_facilities
    where is_whole_facility
),

ancestors as (
    select * from core.region_ancestors
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

population as (
    select * from core.population_by_year
),

years as (
    select unnest(generate_series(min(as_of_year), max(as_of_year))) as year from facilities
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
    inner join facilities as f on f.as_of_year <= y.year
),

-- A plan (planned, under construction) is carried forward for 3 years after its record and
-- then no longer counted: a facility planned in 2019 and never reported again is not a plan
-- of 2027. Its last record stays in core.waste_facilities.
current_status as (
    select * exclude (latest)
    from status_in_year
    where latest = 1
        and not (status in ('planned', 'under_construction') and year - as_of_year > 3)
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
        p.population_is_nearest_year,
        per_inhabitants(a.capacity_t_per_year, p.population, 1000) as kg_per_inhabitant_per_year,
        a.source_row_ids,
        nullif(concat_ws('; ',
            case when a.capacity_includes_derived then 'includes capacity published in t/day (x 365)' end,
            case when a.facilities_without_annual_capacity > 0
                then a.facilities_without_annual_capacity || ' facility(ies) without an annual capacity' end,
            case when a.capacity_t_per_year is not null or p.population is not null
                then population_note(p.population, p.population_year, a.year, p.population_note) end
        ), '') as note
    from aggregated as a
    inner join regions as r on r.territory_id = a.territory_id
    left join population as p on p.territory_id = a.territory_id and p.year = a.year
)

select * from final
order by country_code, territory_id, year, facility_type, status
