-- marts.air_quality_annual: one row per station x pollutant x year, from the complete days of
-- marts.air_quality_daily: how many days were measured and complete, the annual mean when
-- enough days were complete (core.air_quality_completeness: 75% of the year's days), the days
-- above the WHO 2021 24-hour level and above the national limit, and the mean of complete days
-- in the heating season against the rest of the year (days of this calendar year in either).
with

year_rule as (
    select min_share from core.air_quality_completeness where period = 'year'
),

by_year as (
    select
        territory_id,
        any_value(territory_name_en) as territory_name_en,
        any_value(territory_name_ru) as territory_name_ru,
        any_value(country_code) as country_code,
        station_id,
        any_value(station) as station,
        pollutant,
        year,
        count(*) as days_measured,
        count(*) filter (where complete) as days_complete,
        -- Days in the calendar year: 365 or 366.
        datediff('day', make_date(year, 1, 1), make_date(year + 1, 1, 1)) as days_in_year,
        avg(daily_mean) filter (where complete) as mean_of_complete_days,
        count(*) filter (where complete and above_who) as days_above_who,
        count(*) filter (where complete and above_national) as days_above_national,
        any_value(national_standard) as national_standard,
        count(*) filter (where complete and heating_season) as heating_days_complete,
        avg(daily_mean) filter (where complete and heating_season) as heating_season_mean,
        count(*) filter (where complete and not heating_season) as non_heating_days_complete,
        avg(daily_mean) filter (where complete and not heating_season) as non_heating_season_mean,
        -- The first 1,000 ids and the count of all (as the monthly mart; lineage in the YAML).
        sum(len(source_row_ids)) as source_rows,
        list_slice(flatten(list(list_slice(source_row_ids, 1, 1000) order by day)), 1, 1000)
            as source_row_ids
    from marts.air_quality_daily
    group by territory_id, station_id, pollutant, year
),

final as (
    select
        y.* exclude (mean_of_complete_days),
        y.days_complete >= r.min_share * y.days_in_year as year_complete,
        case
            when y.days_complete >= r.min_share * y.days_in_year then y.mean_of_complete_days
        end as annual_mean,
        w.value_ugm3 as who_annual_ugm3
    from by_year as y
    cross join year_rule as r
    left join core.air_quality_standards as w
        on w.standard = 'who_2021' and w.pollutant = y.pollutant and w.averaging = 'year'
)

select * from final
-- Not sorted: queries that need an order say so.
