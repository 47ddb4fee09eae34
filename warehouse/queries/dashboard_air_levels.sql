-- The WHO 2021 24-hour levels the air view's categories are bounded by, lowest first.
select pollutant, standard, value_ugm3
from core.air_quality_standards
where standard like 'who_2021%' and averaging = '24h'
order by pollutant, value_ugm3
