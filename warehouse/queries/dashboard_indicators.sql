-- Every figure of marts.region_year_indicators the dashboard charts and tabulates, grouped by
-- dataset and indicator, territories in country order; with how many source rows stand behind
-- each and the ids of the first few, which its Sources view shows ($shown of them).
select dataset, indicator, territory_id, territory_name_en, territory_name_ru, level,
       country_code, year, value, unit, per_capita_value, per_capita_unit, population,
       population_year, population_is_nearest_year, is_derived, is_estimated,
       n_sources, conflicting_sources, note, source_rows,
       list_slice(source_row_ids, 1, $shown) as shown_source_row_ids
from marts.region_year_indicators
order by dataset, indicator, country_code, territory_id, year
