-- The dashboard's air view by year: each station and pollutant's complete days, days above the
-- WHO 24-hour level, and the heating-season mean against the rest of the year
-- (marts.air_quality_annual); a part year is marked so (year_complete).
select
    station_id,
    station,
    territory_id,
    territory_name_en,
    territory_name_ru,
    pollutant,
    year,
    year_complete,
    days_complete,
    days_above_who,
    round(heating_season_mean, 1) as heating_season_mean,
    round(non_heating_season_mean, 1) as non_heating_season_mean,
    round(annual_mean, 1) as annual_mean
from marts.air_quality_annual
order by station_id, pollutant, year
