-- core.waste_facilities: one row per staged facility record, harmonised: gazetteer territory,
-- a facility key that ties records of one facility together, the "as of" year, and the capacity
-- as annual throughput in t/year where it is one (t/day x 365, marked derived); a landfill's
-- design capacity (t, m3) is kept apart, never mixed with throughput.
with

staged as (
    select * from staging.waste_facilities
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

files as (
    select file_id, path, sha256 from audit.source_files
),

final as (
    select
        s.file_id,
        s.row_number,
        s.source_column,
        s.file_id || ':' || s.row_number
            || case when s.source_column <> '' then ':' || s.source_column else '' end as source_row_id,
        f.path as source_path,
        f.sha256 as source_sha256,
        s.territory as territory_as_written,
        s.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        coalesce(s.facility_id, lower(regexp_replace(s.facility_name, '\s+', ' ', 'g'))) as facility_key,
        s.facility_name,
        s.component,
        s.component = 'whole' as is_whole_facility,
        s.operator,
        s.facility_type,
        s.status,
        s.period_start,
        s.period_end as as_of,
        year(s.period_end) as as_of_year,
        s.capacity,
        s.capacity_unit,
        case s.capacity_unit
            when 't/year' then s.capacity
            when 't/day' then s.capacity * 365
        end as capacity_t_per_year,
        s.capacity_unit = 't/day' as capacity_is_derived,
        case when s.capacity_unit = 't/day' then 'capacity in t/day x 365' end as capacity_note,
        case when s.capacity_unit in ('t', 'm3') then s.capacity end as design_capacity,
        case when s.capacity_unit in ('t', 'm3') then s.capacity_unit end as design_capacity_unit,
        s.commissioning_date,
        s.decommissioning_date,
        s.municipality,
        s.scheme_reference,
        s.source_title,
        s.source_url,
        coalesce(s.source_confidence, 'unrated') as source_confidence
    from staged as s
    inner join regions as r on r.territory_id = s.territory_id
    left join files as f on f.file_id = s.file_id
)

select * from final
order by territory_id, facility_key, component, as_of, file_id, row_number, source_column
