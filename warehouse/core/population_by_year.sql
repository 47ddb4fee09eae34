-- core.population_by_year: the population to divide by, for every territory and every year
-- within 5 years of one of its figures: the figure of that year, else the nearest year's
-- (the earlier one on a tie), flagged. Marts join on (territory_id, year) and never re-derive it.
with

population as (
    select territory_id, year, population, reference_date, source from core.population
),

years as (
    select unnest(generate_series(min(year) - 5, max(year) + 5)) as year from population
),

candidates as (
    select
        p.territory_id,
        y.year,
        p.year as population_year,
        p.population,
        p.reference_date,
        p.source,
        row_number() over (
            partition by p.territory_id, y.year order by abs(p.year - y.year), p.year
        ) as nearness
    from years as y
    inner join population as p on abs(p.year - y.year) <= 5
),

final as (
    select
        territory_id,
        year,
        population,
        population_year,
        population_year <> year as population_is_nearest_year,
        reference_date as population_reference_date,
        source as population_source
    from candidates
    where nearness = 1
)

select * from final
order by territory_id, year
