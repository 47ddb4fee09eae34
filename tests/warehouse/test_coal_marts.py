"""marts.coal_and_emissions and marts.coal_by_period on the fewest records that show #31.8 and
#31.10: a total gives way to firmer parts by a declared rule, and a figure for part of a year
is compared only with the same months of another year."""

from __future__ import annotations

from datetime import date

import duckdb

from warehouse import ensure_schemas, sql_models

MODELS = {m.table: m for m in sql_models()}


def _coal(*rows: tuple) -> duckdb.DuckDBPyConnection:
    """Both coal marts over coal rows (start, end, flow, mining method, tonnes, confidence), all
    of Kemerovo oblast, with no emissions and no population."""
    con = duckdb.connect()
    ensure_schemas(con)
    con.execute(
        "insert into audit.source_files (file_id, dataset, path, sha256, status, landed_at) "
        "values ('f', 'coal_usage', 'f.csv', 'f', 'loaded', '2026-01-01')"
    )
    con.execute(
        "create table core.regions as select 'RU-KEM' as territory_id, 'Kemerovo' as name_en, "
        "'Кемеровская' as name_ru, 'region' as level, 'RU' as country_code"
    )
    con.execute(
        "create table core.population_by_year (territory_id varchar, year integer, population "
        "bigint, population_year integer, population_basis varchar, population_is_nearest_year "
        "boolean, population_note varchar)"
    )
    con.execute(
        """create table core.emissions (territory_id varchar, year integer, period_kind varchar,
            pollutant varchar, basis varchar, scope varchar, emissions_t double,
            source_confidence varchar, file_id varchar, row_number integer,
            source_row_id varchar)"""
    )
    con.execute(
        """create table core.coal_usage (territory_id varchar, year integer, period_start date,
            period_end date, period_kind varchar, flow varchar, consumer_type varchar,
            mining_method varchar, site varchar, coal_t double, estimated_co2_t double,
            co2_estimate_note varchar, source_confidence varchar, source_url varchar,
            source_title varchar, file_id varchar, row_number integer, source_row_id varchar)"""
    )
    for i, (start, end, flow, method, tonnes, confidence) in enumerate(rows, start=2):
        kind = (
            "calendar_year"
            if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
            else "partial_year"
        )
        con.execute(
            "insert into core.coal_usage values ('RU-KEM', ?, ?, ?, ?, ?, 'all', ?, null, ?, "
            "null, null, ?, null, 'a report', 'f', ?, 'f:' || ?)",
            [end.year, start, end, kind, flow, method, tonnes, confidence, i, i],
        )
    for table in ("marts.coal_and_emissions", "marts.coal_by_period"):
        con.execute(f"create table {table} as {MODELS[table].sql}")
    return con


def test_a_less_firm_total_gives_way_to_the_sum_of_firmer_parts() -> None:
    """Kuzbass 2017: a low-confidence total (227.4 Mt) against medium-confidence parts of
    156.6 + 84.9 = 241.5 Mt; 2018: a total as firm as its parts, which agree."""
    year = (date(2017, 1, 1), date(2017, 12, 31))
    later = (date(2018, 1, 1), date(2018, 12, 31))
    con = _coal(
        (*year, "production", "all", 227.4e6, "low"),
        (*year, "production", "opencast", 156.6e6, "medium"),
        (*year, "production", "underground", 84.9e6, "medium"),
        (*later, "production", "all", 255.3e6, "high"),
        (*later, "production", "opencast", 165.8e6, "high"),
        (*later, "production", "underground", 89.5e6, "high"),
    )
    got = con.execute(
        "select year, coal_production_t, coal_production_basis, coal_production_reported_t, "
        "production_parts_disagree from marts.coal_and_emissions order by year"
    ).fetchall()
    assert got == [
        (2017, 241.5e6, "sum_of_parts", 227.4e6, True),
        (2018, 255.3e6, "reported_total", 255.3e6, False),
    ]
    # The same disagreement with a firmer total: the total stands, flagged.
    con = _coal(
        (*year, "production", "all", 227.4e6, "high"),
        (*year, "production", "opencast", 156.6e6, "medium"),
        (*year, "production", "underground", 84.9e6, "medium"),
    )
    assert con.execute(
        "select coal_production_t, coal_production_basis, production_parts_disagree "
        "from marts.coal_and_emissions"
    ).fetchall() == [(227.4e6, "reported_total", True)]


def test_part_of_a_year_is_compared_with_the_same_months_only() -> None:
    con = _coal(
        (date(2021, 1, 1), date(2021, 8, 31), "production", "all", 158.1e6, "medium"),
        (date(2022, 1, 1), date(2022, 8, 31), "production", "all", 143.9e6, "medium"),
        (date(2022, 1, 1), date(2022, 3, 31), "production", "all", 57.0e6, "medium"),
        (date(2022, 1, 1), date(2022, 12, 31), "production", "all", 220.0e6, "high"),
    )
    got = con.execute(
        "select period_start, period_end, months, previous_period_start, previous_coal_t "
        "from marts.coal_by_period order by period_start, period_end"
    ).fetchall()
    assert got == [
        (date(2021, 1, 1), date(2021, 8, 31), "01-08", None, None),
        (date(2022, 1, 1), date(2022, 3, 31), "01-03", None, None),
        (date(2022, 1, 1), date(2022, 8, 31), "01-08", date(2021, 1, 1), 158.1e6),
    ]  # the calendar year 2022 is coal_and_emissions', never a comparison here
    assert con.execute(
        "select year, coal_production_t from marts.coal_and_emissions"
    ).fetchall() == [(2022, 220.0e6)]
