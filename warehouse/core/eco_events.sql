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
order by territory_id, period_start, event_type, file_id, row_number, source_column
