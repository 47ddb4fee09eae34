-- core.eco_events: one row per staged event report, harmonised: gazetteer territory, the year
-- and quarter the event began in, whether it lasted several days.
with

staged as (
    select * from staged_rows('staging.eco_events')
),

final as (
    select
        *,
        year(period_start) as year,
        quarter(period_start) as quarter,
        period_end > period_start as is_multi_day,
        period_kind = 'calendar_year' as reported_for_whole_year,
        lower(regexp_replace(title, '\s+', ' ', 'g')) as title_key
    from staged
)

select * from final
-- Not sorted: core has a row per source row (millions in a large submission), and a sort
-- was 40% of the build. Queries that need an order say so.
