-- core.air_quality: one row per loaded measurement (station x pollutant x averaging period x
-- time), harmonised: gazetteer territory, the instant in UTC with its local day and hour in the
-- station's time zone, and the concentration in µg/m³ (core.units' factor of the unit read).
with

staged as (
    select * from staged_rows('staging.air_quality')
),

concentration_units as (
    select distinct unit, factor_to_base
    from core.units
    where dimension = 'concentration_mass'
),

final as (
    select
        s.*,
        s.value * u.factor_to_base as value_ugm3,
        timezone(s.timezone, s.time) as local_time,
        hour(timezone(s.timezone, s.time)) as local_hour,
        year(s.period_start) as year
    from staged as s
    left join concentration_units as u on u.unit = s.value_unit
)

select * from final
-- Not sorted: queries that need an order say so.
