-- marts.events_activity: public environmental events per territory, year, quarter and type.
-- Reports of the same event (same territory, dates, type and title) by several sources count
-- once (the preferred report: confidence, then the first loaded). A row that reports a whole
-- year's events together has no quarter: it is counted under quarter NULL, never spread.
with

events as (
    select
        *,
        confidence_rank(source_confidence)
            as confidence_rank
    from core.eco_events
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

chosen as (
    select
        *,
        row_number() over (
            partition by territory_id, period_start, period_end, event_type, title_key
            order by confidence_rank, file_landed_at(file_id), file_id, row_number
        ) as preference
    from events
),

aggregated as (
    select
        territory_id,
        year,
        case when reported_for_whole_year then null else quarter end as quarter,
        event_type,
        -- Events as the sources count them; a report that gives no count adds none (a default
        -- would make one event of a report that does not say how many it stands for).
        sum(events_count) as events,
        count(*) as reports,
        count(*) filter (where events_count is null) as reports_without_count,
        sum(participants) as participants,
        count(*) filter (where participants is not null) as reports_with_participants,
        count(*) filter (where is_multi_day) as multi_day_reports,
        list(source_row_id order by source_row_id) as source_row_ids
    from chosen
    where preference = 1
    group by all
),

final as (
    select
        a.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        a.year,
        a.quarter,
        a.year || coalesce('-Q' || a.quarter, '') as period_label,
        a.event_type,
        a.events,
        a.reports,
        a.participants,
        a.reports_with_participants,
        a.multi_day_reports,
        a.reports_without_count,
        a.source_row_ids,
        nullif(concat_ws('; ',
            case when a.quarter is null then 'reported for the whole year, not by date' end,
            case when a.reports_without_count > 0 then
                a.reports_without_count || ' of ' || a.reports
                    || ' reports give no count of events and are not in events'
            end
        ), '') as note
    from aggregated as a
    inner join regions as r on r.territory_id = a.territory_id
)

select * from final
order by country_code, territory_id, year, quarter nulls last, event_type
