-- marts.coal_and_emissions: coal and air emissions side by side, per territory and calendar
-- year. Production total and its opencast and underground parts are shown apart, with a flag
-- when the parts do not add up to the total (beyond 0.5%). CO2 from coal is an estimate (IPCC
-- defaults, see core.coal_usage) and is never mixed with reported emissions. Emissions of each
-- scope (stationary; stationary and mobile; a total) are a column of their own, never added. Figures for part
-- of a year or a heating season are not shown here (their count is, in other_period_figures).
with

coal as (
    select
        *,
        confidence_rank(source_confidence)
            as confidence_rank
    from core.coal_usage
),

emissions as (
    select
        *,
        confidence_rank(source_confidence)
            as confidence_rank
    from core.emissions
    where period_kind = 'calendar_year' and pollutant = 'all_pollutants' and basis = 'reported'
),

regions as (
    select territory_id, name_en, name_ru, level, country_code from core.regions
),

population as (
    select * from core.population_by_year
),

coal_choice as (
    select
        *,
        case
            when flow = 'production' and site is null then 'production_' || mining_method
            when flow = 'consumption' and site is null and consumer_type = 'all' then 'consumption'
            when flow = 'reduction' then 'reduction'
        end as measure,
        row_number() over (
            partition by territory_id, year, flow, consumer_type, mining_method, site
            order by confidence_rank, file_landed_at(file_id), file_id, row_number
        ) as preference,
        -- Sources that report the same measure differently: the preferred one is shown, the
        -- disagreement is kept.
        count(distinct coal_t) over (
            partition by territory_id, year, flow, consumer_type, mining_method, site
        ) > 1 as measure_disputed,
        count(distinct source_key(source_url, source_title, file_id)) over (
            partition by territory_id, year
        ) as coal_sources
    from coal
    where period_kind = 'calendar_year'
),

coal_year_reported as (
    select
        territory_id,
        year,
        max(coal_t) filter (where measure = 'production_all') as coal_production_reported_t,
        -- How firm the total and (the weaker of) its parts are, for the rule in final.
        max(confidence_rank) filter (where measure = 'production_all') as total_rank,
        max(confidence_rank) filter (where measure in ('production_opencast', 'production_underground'))
            as parts_rank,
        max(coal_t) filter (where measure = 'production_opencast') as coal_production_opencast_t,
        max(coal_t) filter (where measure = 'production_underground') as coal_production_underground_t,
        max(coal_t) filter (where measure = 'consumption') as coal_consumption_t,
        max(estimated_co2_t) filter (where measure = 'consumption') as estimated_co2_from_coal_t,
        sum(coal_t) filter (where measure = 'reduction') as coal_use_reduction_t,
        sum(estimated_co2_t) filter (where measure = 'reduction') as estimated_co2_avoided_t,
        string_agg(distinct co2_estimate_note, '; ') as co2_estimate_note,
        list(source_row_id order by source_row_id) filter (where measure is not null)
            as coal_source_row_ids,
        max(coal_sources) as coal_sources,
        bool_or(measure_disputed) as coal_sources_disagree
    from coal_choice
    where preference = 1 and measure is not null
    group by territory_id, year
),

-- The production figure of a year (#31.8, declared in the mart's YAML, choice): a reported
-- total, unless its opencast and underground parts add up to something else (beyond 0.5%)
-- and both parts come from firmer sources than the total; then the parts' sum. Kuzbass 2017:
-- a low-confidence total of 227.4 Mt against medium-confidence parts of 156.6 + 84.9 =
-- 241.5 Mt, which the next year's report (+5.7% to 255.3 Mt) confirms.
coal_year as (
    select
        *,
        coal_production_opencast_t + coal_production_underground_t as parts_t,
        abs(coal_production_opencast_t + coal_production_underground_t - coal_production_reported_t)
            > 0.005 * coal_production_reported_t as parts_disagree,
        case
            when abs(coal_production_opencast_t + coal_production_underground_t - coal_production_reported_t)
                    > 0.005 * coal_production_reported_t
                and parts_rank < total_rank
                then coal_production_opencast_t + coal_production_underground_t
            else coalesce(coal_production_reported_t,
                          coal_production_opencast_t + coal_production_underground_t)
        end as coal_production_t,
        case
            when coal_production_reported_t is null
                and coal_production_opencast_t + coal_production_underground_t is not null
                then 'sum_of_parts'
            when abs(coal_production_opencast_t + coal_production_underground_t - coal_production_reported_t)
                    > 0.005 * coal_production_reported_t
                and parts_rank < total_rank
                then 'sum_of_parts'
            when coal_production_reported_t is not null then 'reported_total'
        end as coal_production_basis
    from coal_year_reported
),

other_periods as (
    select territory_id, year, count(*) as other_period_figures
    from coal
    where period_kind <> 'calendar_year'
    group by territory_id, year
),

-- One column per scope, never two scopes in one column (#31.2): stationary sources (what
-- "enterprises emitted" means), stationary and mobile, and a publisher's total. A scope of part
-- of the sources (coal mining, fuel combustion, mobile alone) is in no column here; it stays in
-- core.emissions and region_year_indicators under its own indicator.
emission_choice as (
    select
        *,
        row_number() over (
            partition by territory_id, year, scope
            order by confidence_rank, file_landed_at(file_id), file_id, row_number
        ) as preference
    from emissions
    where scope in ('stationary', 'stationary_and_mobile', 'total')
),

emission_year as (
    select
        territory_id,
        year,
        max(emissions_t) filter (where scope = 'stationary') as emissions_stationary_t,
        max(emissions_t) filter (where scope = 'stationary_and_mobile')
            as emissions_stationary_and_mobile_t,
        max(emissions_t) filter (where scope = 'total') as emissions_total_t,
        list(source_row_id order by source_row_id) as emission_source_row_ids
    from emission_choice
    where preference = 1
    group by territory_id, year
),

keys as (
    select territory_id, year from coal_year
    union
    select territory_id, year from emission_year
),

final as (
    select
        k.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        k.year,
        c.coal_production_t,
        c.coal_production_basis,
        c.coal_production_reported_t,
        c.coal_production_opencast_t,
        c.coal_production_underground_t,
        c.coal_production_opencast_t + c.coal_production_underground_t as coal_production_parts_t,
        c.parts_disagree as production_parts_disagree,
        c.coal_consumption_t,
        c.estimated_co2_from_coal_t,
        c.coal_use_reduction_t,
        c.estimated_co2_avoided_t,
        c.co2_estimate_note,
        e.emissions_stationary_t,
        e.emissions_stationary_and_mobile_t,
        e.emissions_total_t,
        p.population,
        p.population_year,
        p.population_basis,
        p.population_is_nearest_year,
        per_inhabitants(c.coal_production_t, p.population, 1) as coal_production_t_per_inhabitant,
        per_inhabitants(e.emissions_stationary_t, p.population, 1000) as emissions_stationary_kg_per_inhabitant,
        coalesce(o.other_period_figures, 0) as other_period_figures,
        c.coal_sources,
        coalesce(c.coal_sources_disagree, false) as coal_sources_disagree,
        c.coal_source_row_ids,
        e.emission_source_row_ids,
        list_concat(coalesce(c.coal_source_row_ids, []), coalesce(e.emission_source_row_ids, [])) as source_row_ids,
        case when c.parts_disagree
            then format('opencast + underground = {:,} t, total reported {:,} t; {} kept ({})',
                round(c.parts_t)::bigint,
                round(c.coal_production_reported_t)::bigint,
                case c.coal_production_basis when 'sum_of_parts' then 'the parts'' sum' else 'the total' end,
                case c.coal_production_basis
                    when 'sum_of_parts' then 'its parts come from firmer sources than the total'
                    else 'the parts come from no firmer source than the total'
                end)
        end as production_note,
        nullif(concat_ws('; ',
            production_note,  -- the column above
            population_note(p.population, p.population_year, k.year, p.population_note)
        ), '') as note
    from keys as k
    inner join regions as r on r.territory_id = k.territory_id
    left join coal_year as c on c.territory_id = k.territory_id and c.year = k.year
    left join emission_year as e on e.territory_id = k.territory_id and e.year = k.year
    left join other_periods as o on o.territory_id = k.territory_id and o.year = k.year
    left join population as p on p.territory_id = k.territory_id and p.year = k.year
),

-- one_population_basis: the CTEs comparison_basis, flagged and one_basis, generated from
-- per_capita_comparison in the YAML (warehouse/__init__.py: one_basis_ctes; #31.9)

select * from one_basis
order by country_code, territory_id, year
