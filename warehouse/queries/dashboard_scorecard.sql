-- The latest year of marts.region_scorecard for every territory that has ended or is under
-- way: a later year's row (a capacity carried forward to a planned facility's year) is not a
-- report, and is not shown as the latest.
select * from marts.region_scorecard
where year <= year(current_date)
qualify year = max(year) over (partition by territory_id)
order by country_code, level, territory_id
