-- core.coal_usage: one row per staged coal figure, harmonised: gazetteer territory, period kind
-- (calendar_year, heating_season, partial_year, multi_year), and for coal that is burned
-- (consumption) or no longer burned (reduction) the CO2 estimated with IPCC 2006 default
-- factors: t CO2 = coal kt x NCV (TJ/kt) x EF (t/TJ). Where the rank is not reported the
-- factors of other bituminous coal are assumed, and the estimate says so.
with

staged as (
    select *, year(period_end) as year from staged_rows('staging.coal_usage')
),

factors as (
    select coal_rank, ncv_tj_per_kt, co2_t_per_tj, assumed_for from core.coal_factors
),

with_factors as (
    select
        s.*,
        coalesce(f.coal_rank, u.coal_rank) as factor_rank,
        coalesce(f.ncv_tj_per_kt, u.ncv_tj_per_kt) as ncv_tj_per_kt,
        coalesce(f.co2_t_per_tj, u.co2_t_per_tj) as co2_t_per_tj
    from staged as s
    left join factors as f on f.coal_rank = s.coal_rank
    left join factors as u on u.assumed_for = s.coal_rank
),

final as (
    select
        * exclude (factor_rank, ncv_tj_per_kt, co2_t_per_tj),
        case when flow in ('consumption', 'reduction')
            then coal_t / 1000 * ncv_tj_per_kt * co2_t_per_tj end as estimated_co2_t,
        case when flow in ('consumption', 'reduction') then
            'estimated with IPCC 2006 default factors for ' || factor_rank || ' coal ('
            || ncv_tj_per_kt || ' TJ/kt x ' || co2_t_per_tj || ' t CO2/TJ)'
            || case when coal_rank = 'unspecified' then '; rank not reported, other bituminous assumed' else '' end
        end as co2_estimate_note
    from with_factors
)

select * from final
-- Not sorted: core has a row per source row (millions in a large submission), and a sort
-- was 40% of the build. Queries that need an order say so.
