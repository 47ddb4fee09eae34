-- core.air_monitoring: one row per staged row of the monitoring network, harmonised: gazetteer
-- territory, the year described, which count the row belongs to (a stated total, one operator's
-- instruments, one kind of instrument, or a territory named without a count), and the measured
-- pollutants as a list.
with

staged as (
    select * from staged_rows('staging.air_monitoring')
),

final as (
    select
        *,
        year(period_end) as year,
        -- A source may count one network twice, by operator and by kind of instrument: the
        -- breakdown keeps the two apart so that neither is added to the other.
        case
            when operator_kind = 'all' then 'stated_total'
            when stations is null and providers is null then 'territory_covered'
            when nullif(trim(operator), '') is not null then 'by_operator'
            else 'by_instrument'
        end as breakdown,
        list_filter(
            list_transform(string_split(coalesce(pollutants, ''), ';'), lambda p: trim(p)),
            lambda p: p <> ''
        ) as pollutants_measured
    from staged
)

select * from final
-- Not sorted: queries that need an order say so.
