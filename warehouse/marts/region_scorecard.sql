-- marts.region_scorecard: the headline figures of each territory and year side by side, read
-- from marts.region_year_indicators (so every figure here has its unit, sources and notes
-- there). Water fees: only the declared series of all water-use payments to the national
-- budget (one definition; the others are counted, never summed or swapped in). Waste
-- capacity is shown by facility type, never summed over types.
with

indicators as (
    select * from marts.region_year_indicators
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

population as (
    select * from core.population_by_year
),

-- What the clean-up figures of a year rest on (see marts.cleanup_comparison).
cleanup_flags as (
    select territory_id, year, multi_year_reports_left_out, nested_reports_left_out,
        interim_reports_left_out
    from marts.cleanup_comparison
),

-- Water fees: the declared series of all water-use payments to the national budget, one
-- definition in every row (#31.3); the territory-year's other water-fee figures (a fee alone, a
-- tax alone, another budget) are counted, and stand in marts.region_year_indicators.
water as (
    select
        territory_id,
        year,
        max(value) filter (where list_contains(series_indicators('water_use_payments_national'), indicator))
            as water_use_payments_usd,
        max(per_capita_value) filter (where list_contains(series_indicators('water_use_payments_national'), indicator))
            as water_use_payments_usd_per_inhabitant,
        count(*) filter (where not list_contains(series_indicators('water_use_payments_national'), indicator))
            as other_water_fee_figures
    from indicators
    where dataset = 'water_fees'
    group by territory_id, year
),

pivoted as (
    select
        territory_id,
        year,
        max(value) filter (where indicator = 'cleanup_waste_collected_t') as cleanup_waste_collected_t,
        max(per_capita_value) filter (where indicator = 'cleanup_waste_collected_t')
            as cleanup_t_per_1000_inhabitants,
        max(value) filter (where indicator = 'cleanup_participants') as cleanup_participants,
        max(per_capita_value) filter (where indicator = 'cleanup_participants')
            as cleanup_participants_per_1000_inhabitants,
        max(value) filter (where indicator = 'emissions_all_pollutants_stationary') as emissions_stationary_t,
        max(per_capita_value) filter (where indicator = 'emissions_all_pollutants_stationary')
            as emissions_stationary_kg_per_inhabitant,
        max(value) filter (where indicator = 'coal_production_t') as coal_production_t,
        max(value) filter (where indicator = 'waste_capacity_operating_sorting_complex_t_per_year')
            as sorting_capacity_t_per_year,
        max(value) filter (where indicator = 'waste_capacity_operating_processing_complex_t_per_year')
            as processing_capacity_t_per_year,
        max(value) filter (where indicator = 'waste_capacity_operating_transfer_station_t_per_year')
            as transfer_capacity_t_per_year,
        max(value) filter (where indicator = 'waste_capacity_operating_landfill_t_per_year')
            as landfill_capacity_t_per_year,
        max(value) filter (where indicator = 'waste_capacity_operating_incinerator_t_per_year')
            as incineration_capacity_t_per_year,
        max(value) filter (where indicator = 'waste_capacity_operating_waste_to_energy_t_per_year')
            as waste_to_energy_capacity_t_per_year,
        max(value) filter (where indicator = 'waste_capacity_operating_recycling_plant_t_per_year')
            as recycling_capacity_t_per_year,
        max(value) filter (where indicator = 'waste_capacity_operating_composting_t_per_year')
            as composting_capacity_t_per_year,

        max(value) filter (where indicator = 'eco_events_count') as environmental_events,
        count(*) as indicators,
        count(*) filter (where conflicting_sources) as indicators_with_conflicting_sources,
        count(*) filter (where is_estimated) as estimated_indicators
    from indicators
    group by territory_id, year
),

final as (
    select
        p.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        p.year,
        pop.population,
        pop.population_is_nearest_year,
        p.cleanup_waste_collected_t,
        p.cleanup_t_per_1000_inhabitants,
        p.cleanup_participants,
        p.cleanup_participants_per_1000_inhabitants,
        cf.multi_year_reports_left_out as cleanup_multi_year_reports_left_out,
        cf.nested_reports_left_out as cleanup_nested_reports_left_out,
        cf.interim_reports_left_out as cleanup_interim_reports_left_out,
        p.emissions_stationary_t,
        p.emissions_stationary_kg_per_inhabitant,
        w.water_use_payments_usd,
        w.water_use_payments_usd_per_inhabitant,
        coalesce(w.other_water_fee_figures, 0) as other_water_fee_figures,
        p.coal_production_t,
        p.sorting_capacity_t_per_year,
        p.processing_capacity_t_per_year,
        p.transfer_capacity_t_per_year,
        p.landfill_capacity_t_per_year,
        p.incineration_capacity_t_per_year,
        p.waste_to_energy_capacity_t_per_year,
        p.recycling_capacity_t_per_year,
        p.composting_capacity_t_per_year,

        p.environmental_events,
        p.indicators,
        p.indicators_with_conflicting_sources,
        p.estimated_indicators
    from pivoted as p
    inner join regions as r on r.territory_id = p.territory_id
    left join water as w on w.territory_id = p.territory_id and w.year = p.year
    left join population as pop on pop.territory_id = p.territory_id and pop.year = p.year
    left join cleanup_flags as cf on cf.territory_id = p.territory_id and cf.year = p.year
)

select * from final
order by country_code, territory_id, year
