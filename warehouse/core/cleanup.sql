-- core.cleanup: one row per staged clean-up report (one source's figures for one territory and
-- period), with the territory harmonised through the gazetteer, the reporting year and the
-- composition worked out. Nothing is added up here: marts decide what may be summed.
with

staged as (
    select * from staged_rows('staging.cleanup')
),

with_year as (
    select
        *,
        year(period_end) as year,
        year(period_start) <> year(period_end) as spans_years,
        coalesce(as_of < period_end, false) as is_interim,
        coalesce(plastic_t, glass_t, paper_t, metal_t, rubber_t, textile_t, other_t) is not null
            as has_fractions,
        coalesce(plastic_t, 0) + coalesce(glass_t, 0) + coalesce(paper_t, 0) + coalesce(metal_t, 0)
            as recyclable_sum,
        coalesce(rubber_t, 0) + coalesce(textile_t, 0) + coalesce(other_t, 0) as other_fractions_sum
    from staged
),

final as (
    select
        * exclude (recyclable_sum, other_fractions_sum),
        case when has_fractions then recyclable_sum + other_fractions_sum end as fractions_t,
        case when has_fractions then recyclable_sum end as recyclable_t,
        case when has_fractions then waste_collected_t - recyclable_sum - other_fractions_sum end
            as unallocated_t
    from with_year
)

select * from final
-- Not sorted: core has a row per source row (millions in a large submission), and a sort
-- was 40% of the build. Queries that need an order say so.
