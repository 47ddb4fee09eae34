-- The latest year of marts.region_scorecard for every territory, up to the run's year
-- ($year: the year of its as-of date): no later year is shown as the latest.
select * from marts.region_scorecard
where year <= $year
qualify year = max(year) over (partition by territory_id)
order by country_code, level, territory_id
