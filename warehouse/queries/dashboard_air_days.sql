-- The dashboard's air view: every complete day of every station and pollutant with its mean
-- and its WHO 2021 category, the number of the WHO 24-hour levels (the guideline level and
-- the interim targets, core.air_quality_standards) the mean is above: 0 at or below the
-- guideline level, 1 above it but not above interim target 4, ... up to above interim target 1.
select
    d.station_id,
    d.pollutant,
    d.day,
    round(d.daily_mean, 1) as mean,
    (
        select count(*)
        from core.air_quality_standards as s
        where s.standard like 'who_2021%' and s.averaging = '24h' and s.pollutant = d.pollutant
            and d.daily_mean > s.value_ugm3
    ) as category
from marts.air_quality_daily as d
where d.complete
order by d.station_id, d.pollutant, d.day
