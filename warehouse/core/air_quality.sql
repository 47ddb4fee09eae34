-- core.air_quality: one row per loaded measurement (station x pollutant x averaging period x
-- time), harmonised: the station of the register (core.air_quality_stations) with the
-- gazetteer territory it stands in, the instant in UTC with its local day and hour in the row's
-- time zone, and the concentration in µg/m³. A mass concentration is converted by core.units'
-- factor; a mixing ratio (ppb) by the pollutant's molar mass over the molar volume of its
-- temperature basis; a multiple of the national 24-hour limit (ПДК с.с.) by the limit of the
-- station's country. Staging refused every value none of these converts (unit_convertible).
with

staged as (
    select * from staged_rows('staging.air_quality')
),

stations as (
    select
        s.station_id,
        s.name,
        s.territory_id,
        r.name_en,
        r.name_ru,
        r.level,
        r.country_code
    from core.air_quality_stations as s
    inner join core.regions as r on r.territory_id = s.territory_id
),

concentration_units as (
    select distinct unit, dimension, factor_to_base
    from core.units
    where dimension in ('concentration_mass', 'mixing_ratio', 'limit_multiple_24h')
),

national_24h as (
    select country_code, pollutant, value_ugm3
    from core.air_quality_standards
    where country_code is not null and averaging = '24h'
),

final as (
    select
        s.* replace (
            st.territory_id as territory_id,
            st.name_en as territory_name_en,
            st.name_ru as territory_name_ru,
            st.level as level,
            st.country_code as country_code,
            st.name as station
        ),
        s.station as station_as_written,
        case u.dimension
            when 'concentration_mass' then s.value * u.factor_to_base
            when 'mixing_ratio'
                then s.value * u.factor_to_base * p.molar_mass_g_mol / b.molar_volume_l_mol
            when 'limit_multiple_24h' then s.value * u.factor_to_base * n.value_ugm3
        end as value_ugm3,
        timezone(s.timezone, s.time) as local_time,
        hour(timezone(s.timezone, s.time)) as local_hour,
        year(s.period_start) as year
    from staged as s
    inner join stations as st on st.station_id = s.station_id
    left join concentration_units as u on u.unit = s.value_unit
    left join core.air_quality_pollutants as p on p.pollutant = s.pollutant
    left join core.air_quality_conversion_bases as b on b.basis = s.temperature_basis
    left join national_24h as n on n.country_code = st.country_code and n.pollutant = s.pollutant
)

select * from final
-- Not sorted: queries that need an order say so.
