-- The latest year of marts.region_scorecard for every territory.
select * from marts.region_scorecard
qualify year = max(year) over (partition by territory_id)
order by country_code, level, territory_id
