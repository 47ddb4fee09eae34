-- core.waste_facilities: one row per staged facility record, harmonised: gazetteer territory,
-- a facility key that ties records of one facility together, the "as of" date and year, and
-- the capacity as annual throughput in t/year where it is one (t/day x 365, marked derived); a
-- landfill's design capacity (t, m3) is kept apart, never mixed with throughput.
with

staged as (
    select * from staged_rows('staging.waste_facilities')
),

final as (
    select
        *,
        coalesce(facility_id, lower(regexp_replace(facility_name, '\s+', ' ', 'g'))) as facility_key,
        component = 'whole' as is_whole_facility,
        period_end as as_of,
        year(period_end) as as_of_year,
        case capacity_unit
            when 't/year' then capacity
            when 't/day' then capacity * 365
        end as capacity_t_per_year,
        capacity_unit = 't/day' as capacity_is_derived,
        case when capacity_unit = 't/day' then 'capacity in t/day x 365' end as capacity_note,
        case when capacity_unit in ('t', 'm3') then capacity end as design_capacity,
        case when capacity_unit in ('t', 'm3') then capacity_unit end as design_capacity_unit
    from staged
)

select * from final
-- Not sorted: core has a row per source row (millions in a large submission), and a sort
-- was 40% of the build. Queries that need an order say so.
