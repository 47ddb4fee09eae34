-- marts.air_quality_monthly: one row per station x pollutant x month, from the complete days of
-- marts.air_quality_daily: days measured and complete, the monthly mean when enough of the
-- month's days are complete (core.air_quality_completeness: 75%), and the days above the WHO
-- 2021 24-hour level and the national limit (complete days only).
with

month_rule as (
    select min_share from core.air_quality_completeness where period = 'month'
),

by_month as (
    select
        territory_id,
        any_value(territory_name_en) as territory_name_en,
        any_value(territory_name_ru) as territory_name_ru,
        any_value(country_code) as country_code,
        station_id,
        any_value(station) as station,
        pollutant,
        year,
        month,
        count(*) as days_measured,
        count(*) filter (where complete) as days_complete,
        day(last_day(make_date(year, month, 1))) as days_in_month,
        avg(daily_mean) filter (where complete) as mean_of_complete_days,
        count(*) filter (where complete and above_who) as days_above_who,
        count(*) filter (where complete and above_national) as days_above_national,
        bool_or(heating_season) as in_heating_season,
        -- The month keeps the ids of its first 1,000 hours and the count of all of them (a
        -- national network's months would copy every hour's id again); the trace reads the
        -- rest from the daily mart (the lineage in the YAML).
        sum(len(source_row_ids)) as source_rows,
        list_slice(flatten(list(list_slice(source_row_ids, 1, 1000) order by day)), 1, 1000)
            as source_row_ids
    from marts.air_quality_daily
    group by territory_id, station_id, pollutant, year, month
),

final as (
    select
        m.* exclude (mean_of_complete_days, source_rows, source_row_ids),
        m.days_complete >= r.min_share * m.days_in_month as month_complete,
        case
            when m.days_complete >= r.min_share * m.days_in_month then m.mean_of_complete_days
        end as monthly_mean,
        m.source_rows,
        m.source_row_ids
    from by_month as m
    cross join month_rule as r
)

select * from final
-- Not sorted: queries that need an order say so.
