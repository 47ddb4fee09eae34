-- core.coal_usage: one row per staged coal figure, harmonised: gazetteer territory, period kind
-- (calendar_year, heating_season, partial_year, multi_year), and for coal that is burned
-- (consumption) or no longer burned (reduction) the CO2 estimated with IPCC 2006 default
-- factors: t CO2 = coal kt x NCV (TJ/kt) x EF (t/TJ). Where the rank is not reported the
-- factors of other bituminous coal are assumed, and the estimate says so.
with

staged as (
    select * from staging.coal_usage
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

files as (
    select file_id, path, sha256 from audit.source_files
),

factors as (
    select coal_rank, ncv_tj_per_kt, co2_t_per_tj, assumed_for from core.coal_factors
),

classified as (
    select
        s.*,
        year(s.period_end) as year,
        case
            when s.period_start = make_date(year(s.period_start), 1, 1)
                and s.period_end = make_date(year(s.period_start), 12, 31) then 'calendar_year'
            when month(s.period_start) in (9, 10, 11) and month(s.period_end) in (3, 4, 5)
                and year(s.period_end) = year(s.period_start) + 1 then 'heating_season'
            when year(s.period_start) = year(s.period_end) then 'partial_year'
            else 'multi_year'
        end as period_kind,
        coalesce(f.coal_rank, u.coal_rank) as factor_rank,
        coalesce(f.ncv_tj_per_kt, u.ncv_tj_per_kt) as ncv_tj_per_kt,
        coalesce(f.co2_t_per_tj, u.co2_t_per_tj) as co2_t_per_tj
    from staged as s
    left join factors as f on f.coal_rank = s.coal_rank
    left join factors as u on u.assumed_for = s.coal_rank
),

final as (
    select
        c.file_id,
        c.row_number,
        c.source_column,
        c.file_id || ':' || c.row_number
            || case when c.source_column <> '' then ':' || c.source_column else '' end as source_row_id,
        fl.path as source_path,
        fl.sha256 as source_sha256,
        c.territory as territory_as_written,
        c.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        c.period_start,
        c.period_end,
        c.year,
        c.period_kind,
        c.flow,
        c.consumer_type,
        c.mining_method,
        c.site,
        c.coal_rank,
        c.coal_t,
        c.ash_pct,
        case when c.flow in ('consumption', 'reduction')
            then c.coal_t / 1000 * c.ncv_tj_per_kt * c.co2_t_per_tj end as estimated_co2_t,
        case when c.flow in ('consumption', 'reduction') then
            'estimated with IPCC 2006 default factors for ' || c.factor_rank || ' coal ('
            || c.ncv_tj_per_kt || ' TJ/kt x ' || c.co2_t_per_tj || ' t CO2/TJ)'
            || case when c.coal_rank = 'unspecified' then '; rank not reported, other bituminous assumed' else '' end
        end as co2_estimate_note,
        c.source_title,
        c.source_url,
        coalesce(c.source_confidence, 'unrated') as source_confidence
    from classified as c
    inner join regions as r on r.territory_id = c.territory_id
    left join files as fl on fl.file_id = c.file_id
)

select * from final
order by territory_id, flow, consumer_type, mining_method, period_start, file_id, row_number, source_column
