-- The latest year of marts.region_scorecard for every territory, up to the run's date
-- (run_as_of()): no later year is shown as the latest.
select * from marts.region_scorecard
where year <= year(run_as_of())
qualify year = max(year) over (partition by territory_id)
order by country_code, level, territory_id
