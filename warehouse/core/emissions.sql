-- core.emissions: one row per staged emission figure (one source's figure for one territory,
-- period, pollutant, scope and basis), with the territory harmonised and the period classified.
-- Nothing is added up or chosen here: marts decide.
with

staged as (
    select * from staged_rows('staging.emissions')
),

final as (
    select *, year(period_end) as year from staged
)

select * from final
-- Not sorted: core has a row per source row (millions in a large submission), and a sort
-- was 40% of the build. Queries that need an order say so.
