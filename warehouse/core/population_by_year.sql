-- core.population_by_year: the population to divide by, for every territory and every year
-- within population_reach_years() (5, seeds/reference/tables.yaml) of one of its figures: the figure of that year, else the nearest year's (the
-- earlier one on a tie), flagged. A figure from the other side of a change of the territory's
-- borders (core.territory_changes: split_off, absorbed) is never used: Almaty region's
-- population of 2023 is not the Almaty region of 2020, before Jetisu region split off. When
-- only such figures are near, the row says so and has no population. Marts join on
-- (territory_id, year) and never re-derive it.
with

population as (
    select territory_id, year, population, reference_date, source from core.population
),

border_changes as (
    select territory_id, change_date, description
    from core.territory_changes
    where change in ('split_off', 'absorbed')
),

years as (
    select unnest(generate_series(min(year) - population_reach_years(),
                                  max(year) + population_reach_years())) as year
    from population
),

candidates as (
    select
        p.territory_id,
        y.year,
        p.year as population_year,
        p.population,
        p.reference_date,
        p.source,
        -- the change that lies between the day the figure refers to and the middle of the year
        (
            select min(b.change_date::varchar || ' (' || b.description || ')')
            from border_changes as b
            where b.territory_id = p.territory_id
                and b.change_date > least(p.reference_date, make_date(y.year, 7, 1))
                and b.change_date <= greatest(p.reference_date, make_date(y.year, 7, 1))
        ) as border_change
    from years as y
    inner join population as p on abs(p.year - y.year) <= population_reach_years()
),

ranked as (
    select
        *,
        row_number() over (
            partition by territory_id, year
            order by border_change is not null, abs(population_year - year), population_year
        ) as nearness
    from candidates
),

final as (
    select
        territory_id,
        year,
        case when border_change is null then population end as population,
        case when border_change is null then population_year end as population_year,
        case when border_change is null then population_year <> year end
            as population_is_nearest_year,
        case when border_change is null then reference_date end as population_reference_date,
        case when border_change is null then population_basis(reference_date) end
            as population_basis,
        case when border_change is null then source end as population_source,
        case when border_change is not null then
            'no population within ' || population_reach_years()
            || ' years on this side of the border change of ' || border_change
            || '; the nearest, of ' || population_year || ', is not used'
        end as population_note
    from ranked
    where nearness = 1
)

select * from final
order by territory_id, year
