-- marts.coal_by_period: coal figures of part of a year or of a heating season, per territory,
-- compared only with the same months of another year (#31.10): January-August 2022 with
-- January-August 2021, a heating season of October to April with another of October to
-- April; never with a calendar year, which is marts.coal_and_emissions'. Of reports of one
-- figure by several sources, the preferred one is kept (confidence, then the file landed
-- first, then its first row), and a disagreement is flagged.
with

coal as (
    select
        *,
        confidence_rank(source_confidence) as confidence_rank,
        -- The months a figure covers, the key of what it may be compared with: 01-08 for
        -- January to August, 10-04 for October to April.
        strftime(period_start, '%m') || '-' || strftime(period_end, '%m') as months
    from core.coal_usage
    -- Whole territories only, as in marts.coal_and_emissions: a mine's figure is no region's.
    where period_kind <> 'calendar_year' and site is null
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

chosen as (
    select
        *,
        row_number() over same_figure as preference,
        count(distinct coal_t) over (
            partition by territory_id, period_start, period_end, flow, consumer_type, mining_method
        ) > 1 as conflicting_sources,
        count(distinct source_key(source_url, source_title, file_id)) over (
            partition by territory_id, period_start, period_end, flow, consumer_type, mining_method
        ) as n_sources,
        list(source_row_id) over (
            partition by territory_id, period_start, period_end, flow, consumer_type, mining_method
            order by source_row_id
            rows between unbounded preceding and unbounded following
        ) as source_row_ids
    from coal
    window same_figure as (
        partition by territory_id, period_start, period_end, flow, consumer_type, mining_method
        order by confidence_rank, file_landed_at(file_id), file_id, row_number
    )
),

figures as (
    select * exclude (preference) from chosen where preference = 1
),

-- The same figure (territory, flow, consumer, method, site) for the same months of an earlier
-- year: the latest such.
compared as (
    select
        f.*,
        lag(f.period_start) over comparable as previous_period_start,
        lag(f.period_end) over comparable as previous_period_end,
        lag(f.coal_t) over comparable as previous_coal_t
    from figures as f
    window comparable as (
        partition by f.territory_id, f.period_kind, f.months, f.flow, f.consumer_type,
            f.mining_method
        order by f.period_start
    )
),

final as (
    select
        c.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        c.period_start,
        c.period_end,
        c.period_kind,
        c.months,
        c.flow,
        c.consumer_type,
        c.mining_method,
        c.coal_t,
        c.previous_period_start,
        c.previous_period_end,
        c.previous_coal_t,
        c.coal_t / nullif(c.previous_coal_t, 0) - 1 as change_on_previous,
        c.conflicting_sources,
        c.n_sources,
        c.source_row_ids,
        nullif(concat_ws('; ',
            case when c.previous_coal_t is null
                then 'no figure for the same months of an earlier year' end,
            case when c.conflicting_sources then 'sources disagree; the preferred one is shown' end
        ), '') as note
    from compared as c
    inner join regions as r on r.territory_id = c.territory_id
)

select * from final
order by country_code, territory_id, flow, consumer_type, period_start
