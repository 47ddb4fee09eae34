-- The population a per-capita figure was divided by.
select population, reference_date::varchar as reference_date, source
from core.population
where territory_id = $territory_id and year = $year
