-- marts.water_fee_revenue: water-fee revenue comparable across countries: in local currency and
-- in USD at the same year's rate, per capita, and the change on the previous comparable period.
-- Several sources for the same figure: the preferred one is used (confidence, then the first
-- loaded) and a disagreement is flagged. A partial year stays partial: it is never compared
-- with a full year, and no change is computed for it.
with

fees as (
    select
        *,
        confidence_rank(source_confidence)
            as confidence_rank
    from core.water_fees
),

population as (
    select * from core.population_by_year
),

chosen as (
    select
        *,
        row_number() over (same_figure order by confidence_rank, file_landed_at(file_id), file_id, row_number) as preference,
        min(amount_lcu) over same_figure <> max(amount_lcu) over same_figure as conflicting_sources,
        count(distinct source_key(source_url, source_title, file_id)) over same_figure as n_sources,
        list(source_row_id) over (
            same_figure order by file_id, row_number
            rows between unbounded preceding and unbounded following
        ) as source_row_ids
    from fees
    window same_figure as (
        partition by territory_id, period_start, period_end, fee_type, payer_group, budget_level
    )
),

figures as (
    select * exclude (preference) from chosen where preference = 1
),

with_previous as (
    select
        f.*,
        p.amount_lcu as previous_amount_lcu,
        p.year as previous_year
    from figures as f
    left join figures as p
        on p.territory_id = f.territory_id
        and p.fee_type = f.fee_type
        and p.payer_group = f.payer_group
        and p.budget_level = f.budget_level
        and p.currency = f.currency
        and p.year = f.year - 1
        and p.period_kind = 'calendar_year'
        and f.period_kind = 'calendar_year'
),

final as (
    select
        f.territory_id,
        f.territory_name_en,
        f.territory_name_ru,
        f.level,
        f.country_code,
        f.year,
        f.period_start,
        f.period_end,
        f.period_kind <> 'calendar_year' as is_partial_period,
        f.fee_type,
        f.payer_group,
        f.budget_level,
        f.amount_lcu,
        f.currency,
        f.lcu_per_usd,
        f.fx_source,
        f.amount_usd,
        p.population,
        p.population_year,
        p.population_basis,
        p.population_is_nearest_year,
        per_inhabitants(f.amount_usd, p.population, 1) as usd_per_capita,
        f.previous_amount_lcu,
        100 * (f.amount_lcu / f.previous_amount_lcu - 1) as change_on_previous_year_pct,
        f.n_sources,
        f.conflicting_sources,
        f.source_row_ids,
        nullif(concat_ws('; ',
            case when f.period_kind = 'partial_year'
                then 'partial year ' || f.period_start || '/' || f.period_end || ': not comparable with full years' end,
            f.usd_note,
            case when f.amount_usd is not null or p.population is not null
                then population_note(p.population, p.population_year, f.year, p.population_note) end,
            case when f.period_kind = 'calendar_year' and f.previous_amount_lcu is null
                then 'no full previous year to compare with' end
        ), '') as note
    from with_previous as f
    left join population as p on p.territory_id = f.territory_id and p.year = f.year
),

-- one_population_basis: the CTEs comparison_basis, flagged and one_basis, generated from
-- per_capita_comparison in the YAML (warehouse/__init__.py: one_basis_ctes; #31.9)

select * from one_basis
order by country_code, territory_id, fee_type, payer_group, budget_level, period_start
