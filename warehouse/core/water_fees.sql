-- core.water_fees: one row per staged water-fee figure, harmonised: gazetteer territory, period
-- kind (a calendar year, part of a year, or several years), and the amount in USD at the
-- annual-average rate of the same year (rate and its source kept; no rate, no USD).
with

staged as (
    select * from staging.water_fees
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

files as (
    select file_id, path, sha256 from audit.source_files
),

rates as (
    select currency, year, lcu_per_usd, source from core.fx_rates
),

classified as (
    select
        s.*,
        year(s.period_end) as year,
        case
            when s.period_start = make_date(year(s.period_start), 1, 1)
                and s.period_end = make_date(year(s.period_start), 12, 31) then 'calendar_year'
            when year(s.period_start) = year(s.period_end) then 'partial_year'
            else 'multi_year'
        end as period_kind
    from staged as s
),

final as (
    select
        c.file_id,
        c.row_number,
        c.source_column,
        c.file_id || ':' || c.row_number
            || case when c.source_column <> '' then ':' || c.source_column else '' end as source_row_id,
        f.path as source_path,
        f.sha256 as source_sha256,
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
        c.fee_type,
        c.payer_group,
        c.budget_level,
        c.amount as amount_lcu,
        c.amount_unit as currency,
        x.lcu_per_usd,
        x.source as fx_source,
        c.amount / x.lcu_per_usd as amount_usd,
        case
            when c.period_kind = 'multi_year' then 'a period of several years has no single exchange rate'
            when x.lcu_per_usd is null then 'no annual-average rate for ' || c.amount_unit || ' ' || c.year
        end as usd_note,
        c.source_title,
        c.source_url,
        coalesce(c.source_confidence, 'unrated') as source_confidence
    from classified as c
    inner join regions as r on r.territory_id = c.territory_id
    left join files as f on f.file_id = c.file_id
    left join rates as x
        on x.currency = c.amount_unit
        and (x.year = c.year or (x.currency = 'USD' and x.year is null))
        and c.period_kind <> 'multi_year'
)

select * from final
order by territory_id, fee_type, payer_group, budget_level, period_start, file_id, row_number, source_column
