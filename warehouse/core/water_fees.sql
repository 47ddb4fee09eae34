-- core.water_fees: one row per staged water-fee figure, harmonised: gazetteer territory, period
-- kind (a calendar year, part of a year, or several years), and the amount in USD at the
-- annual-average rate of the same year (rate and its source kept; no rate, no USD).
with

staged as (
    select
        * exclude (amount, amount_unit),
        year(period_end) as year,
        amount as amount_lcu,
        amount_unit as currency
    from staged_rows('staging.water_fees')
),

rates as (
    select currency, year, lcu_per_usd, source from core.fx_rates
),

final as (
    select
        s.*,
        x.lcu_per_usd,
        x.source as fx_source,
        s.amount_lcu / x.lcu_per_usd as amount_usd,
        case
            when s.period_kind = 'multi_year' then 'a period of several years has no single exchange rate'
            when x.lcu_per_usd is null then 'no annual-average rate for ' || s.currency || ' ' || s.year
        end as usd_note
    from staged as s
    left join rates as x
        on x.currency = s.currency
        and (x.year = s.year or (x.currency = 'USD' and x.year is null))
        and s.period_kind <> 'multi_year'
)

select * from final
-- Not sorted: core has a row per source row (millions in a large submission), and a sort
-- was 40% of the build. Queries that need an order say so.
