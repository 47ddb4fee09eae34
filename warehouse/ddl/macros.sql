-- Macros the SQL models share. Created with the schemas, so they are in every warehouse.

-- Preference between sources reporting the same figure: high > medium > low > unrated.
create or replace macro confidence_rank(confidence) as
    case confidence when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end;

-- What kind of period a record covers. A heating season runs from autumn (September to
-- November) to spring (March to May) of the next year.
create or replace macro period_kind(period_start, period_end) as
    case
        when period_start = make_date(year(period_start), 1, 1)
            and period_end = make_date(year(period_start), 12, 31) then 'calendar_year'
        when period_start = period_end then 'day'
        when month(period_start) in (9, 10, 11) and month(period_end) in (3, 4, 5)
            and year(period_end) = year(period_start) + 1 then 'heating_season'
        when year(period_start) = year(period_end) then 'partial_year'
        else 'multi_year'
    end;

-- Every core model starts here: its staging table joined with the gazetteer and the file log.
-- Only files whose staging finished (status loaded) count: a file is staged chunk by chunk, and
-- its rows are not a file's figures until the last chunk is in.
-- Where each record came from (file, row, column, path, checksum), its territory as written and
-- as harmonised, its period; then the dataset's own columns; then its sources.
create or replace macro staged_rows(staging_table) as table
    select
        s.file_id,
        s.row_number,
        s.source_column,
        s.file_id || ':' || s.row_number
            || case when s.source_column <> '' then ':' || s.source_column else '' end as source_row_id,
        f.path as source_path,
        f.sha256 as source_sha256,
        s.territory as territory_as_written,
        s.territory_id,
        r.name_en as territory_name_en,
        r.name_ru as territory_name_ru,
        r.level,
        r.country_code,
        s.period_start,
        s.period_end,
        period_kind(s.period_start, s.period_end) as period_kind,
        s.* exclude (
            file_id, row_number, source_column, territory, territory_id, period_start, period_end,
            source_title, source_url, source_confidence
        ),
        s.source_title,
        s.source_url,
        coalesce(s.source_confidence, 'unrated') as source_confidence
    from query_table(staging_table) as s
    inner join core.regions as r on r.territory_id = s.territory_id
    inner join audit.source_files as f on f.file_id = s.file_id and f.status = 'loaded';

-- What a per-capita figure rests on, for its note: nothing when it divides by the population
-- of its own year; "population of 2023 (nearest year)" when core.population_by_year took the
-- nearest year within population_reach_years() (the earlier on a tie); and why there is none,
-- when there is none (no figure that near, or only one from the other side of a border change).
create or replace macro population_note(population, population_year, year, population_note) as
    case
        when population is null
            then coalesce(population_note, 'no population of this territory within '
                || population_reach_years() || ' years of ' || year)
        when population_year <> year then 'population of ' || population_year || ' (nearest year)'
    end;

-- A note listing items (conflicting events, figures left out) for a person to read: the first
-- `shown`, then how many more. A year of a million reports must not make a note of a million
-- items; the items are all in the rows behind the figure.
create or replace macro bounded_note(items, shown, more_of) as
    nullif(
        array_to_string(list_slice(items, 1, shown), '; ')
            || case when len(items) > shown
                    then format('; and {} more {}', len(items) - shown, more_of)
                    else '' end,
        '');

-- The same note when only the first items were spelt out (a list of at most `shown` = its length)
-- and `total` says how many there are.
create or replace macro bounded_note_of(items, total, more_of) as
    nullif(
        array_to_string(items, '; ')
            || case when total > len(items)
                    then format('; and {} more {}', total - len(items), more_of)
                    else '' end,
        '');

-- A figure as a note writes it: 1414000, not 1414000.0.
create or replace macro figure_text(value) as regexp_replace(value::varchar, '\.0$', '');

-- What the reports of one event say of a measure, for a conflict note, when they disagree:
-- "participants 2022-10-08/2022-10-08: 133500 to 133508"; null when they agree.
create or replace macro range_note(measure, period_start, period_end, lo, hi) as
    case when lo <> hi then measure || ' ' || period_start || '/' || period_end || ': '
        || figure_text(lo) || ' to ' || figure_text(hi) end;

-- When a file version was landed: "the first loaded file" of a preference between sources of
-- equal confidence is the one landed first (then the lower file id, for files landed in the
-- same instant). File ids are hashes: ordered by them, the first was whichever hashed lower.
create or replace macro file_landed_at(id) as
    (select f.landed_at from audit.source_files as f where f.file_id = id);

-- A figure per inhabitant, per `per` inhabitants (1, or 1,000 for "per 1,000 inhabitants"): the
-- one division every mart's per-capita figure is made by. The population is the one
-- core.population_by_year gives for the territory and year (its note says which); none, or
-- none above zero, gives NULL, never an infinite or made-up figure.
create or replace macro per_inhabitants(value, population, per) as
    per * value / nullif(population, 0);

-- The basis of a population figure: the day it counts people on, as a comparison must match it
-- (#31.9): World Bank country figures are mid-year, national statistics offices' and
-- Wikidata's 1 January, a census its own day.
create or replace macro population_basis(reference_date) as
    case
        when reference_date is null then null
        when month(reference_date) = 7 and day(reference_date) = 1 then 'mid-year'
        when month(reference_date) = 1 and day(reference_date) = 1 then '1 January'
        else 'on ' || strftime(reference_date, '%Y-%m-%d')
    end;

-- One population basis per comparison (#31.9): of the bases the per-capita figures compared
-- side by side rest on (n figures on each), the one most of them have; mid-year on a tie, then
-- 1 January. Ranked by arg_max(population_basis, comparison_basis_rank(population_basis, n)).
create or replace macro comparison_basis_rank(basis, n) as
    (n, basis = 'mid-year', basis = '1 January');

-- Why a figure counted on another basis than the others it is compared with has no per-capita
-- value; `compared` names what it is compared within ('year and level').
create or replace macro other_basis_note(basis, comparison_basis, compared) as
    'population counted ' || basis || ', the others of this ' || compared || ' '
        || comparison_basis || ': no per-capita value';

-- One source, however many rows it gave (#31.10): a page (its address), else a document (its
-- title), else the file itself. Every n_sources counts these.
create or replace macro source_key(source_url, source_title, file_id) as
    coalesce(source_url, source_title, file_id);
