"""marts.waste_capacity on the fewest records that show #31.4 (and #30.9): a status stands for
the years its contract declares, no year after the run's date is a row, and a plan dated later
counts as planned in the run's year."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from contracts import load_contract
from warehouse import ensure_schemas, sql_models

MODELS = {m.table: m for m in sql_models()}


def _capacity(*records: tuple, country: bool = False) -> duckdb.DuckDBPyConnection:
    """marts.waste_capacity over whole-facility records (facility, as of, status, t/year[,
    territory]), by default in Kemerovo oblast; ``country`` adds a country of ten regions."""
    con = duckdb.connect()
    ensure_schemas(con)  # the warehouse's schemas, audit tables and macros (run_as_of() too)
    con.execute(
        "create table core.regions as select * from (values ('RU-KEM', 'Kemerovo', "
        "'Кемеровская', 'region', 'RU', null::varchar, null::date, null::date)) as t(territory_id, "
        "name_en, name_ru, level, country_code, parent_id, valid_from, valid_to)"
    )
    con.execute(
        "create table core.region_ancestors as select 'RU-KEM' as territory_id, "
        "'RU-KEM' as ancestor_id, 0 as depth"
    )
    con.execute(
        "create table core.population_by_year (territory_id varchar, year integer, population "
        "bigint, population_year integer, population_basis varchar, "
        "population_is_nearest_year boolean, population_note varchar)"
    )
    con.execute(
        """create table core.waste_facilities (
            territory_id varchar, facility_key varchar, facility_type varchar, status varchar,
            as_of date, as_of_year integer, capacity_t_per_year double,
            capacity_is_derived boolean, is_whole_facility boolean, source_confidence varchar,
            file_id varchar, row_number integer, source_row_id varchar)"""
    )
    if country:  # XX and its regions XX-1 .. XX-10, a million inhabitants each
        con.execute(
            "insert into core.regions select 'XX', 'X', 'X', 'country', 'XX', null, null, null "
            "union all select 'XX-' || i, 'X' || i, 'X' || i, 'region', 'XX', 'XX', null, null "
            "from range(1, 11) as t(i)"
        )
        con.execute(
            "insert into core.region_ancestors select 'XX', 'XX', 0 union all "
            "select 'XX-' || i, 'XX-' || i, 0 from range(1, 11) as t(i) union all "
            "select 'XX-' || i, 'XX', 1 from range(1, 11) as t(i)"
        )
        con.execute(
            "insert into core.population_by_year select t, y, 10000000, y, 'mid-year', false, "
            "null from "
            "(values ('XX')) as a(t), range(2020, 2027) as b(y)"
        )
    for i, (facility, as_of, status, capacity, *where) in enumerate(records, start=2):
        con.execute(
            "insert into core.waste_facilities values (?, ?, 'landfill', ?, ?, ?, ?, "
            "false, true, 'high', 'f', ?, 'f:' || ?)",
            [where[0] if where else "RU-KEM", facility, status, as_of, as_of.year, capacity, i, i],
        )
    con.execute(f"create table marts.waste_capacity as {MODELS['marts.waste_capacity'].sql}")
    return con


def _years(con, status: str) -> list[int]:
    return [
        y
        for (y,) in con.execute(
            "select year from marts.waste_capacity where status = ? order by year", [status]
        ).fetchall()
    ]


def test_a_status_stands_for_its_declared_horizon_and_never_after_the_runs_date(
    monkeypatch,
) -> None:
    """A landfill counted 230,000 t/yr as operating for 2008-2027 on one 2008 record, and the
    scorecard had 2027 rows on a run of 2026-12-06."""
    monkeypatch.setenv("ECOSTAT_AS_OF", "2026-12-06")
    horizons = load_contract("waste_facilities").status_horizon_years
    con = _capacity(
        ("landfill a", date(2008, 12, 5), "operating", 230000.0),
        ("plant b", date(2027, 1, 1), "planned", 600000.0),  # a plan for 2027, known in 2026
        ("plant c", date(2019, 6, 1), "planned", 100.0),
    )
    assert _years(con, "operating") == list(range(2008, 2008 + horizons["operating"] + 1))
    planned = _years(con, "planned")
    assert max(planned) == 2026 and 2027 not in planned
    assert planned == [*range(2019, 2019 + horizons["planned"] + 1), 2026]
    # Plant b counts in 2026, as a plan, with its capacity; nothing is said of 2027.
    assert con.execute(
        "select capacity_t_per_year from marts.waste_capacity where year = 2026"
    ).fetchall() == [(600000.0,)]
    assert con.execute("select max(year) from marts.waste_capacity").fetchall() == [(2026,)]


def test_a_later_record_renews_the_status(monkeypatch) -> None:
    monkeypatch.setenv("ECOSTAT_AS_OF", "2024-06-30")
    con = _capacity(
        ("plant", date(2008, 12, 5), "operating", 200000.0),
        ("plant", date(2022, 12, 1), "operating", 400000.0),
    )
    assert _years(con, "operating") == [*range(2008, 2014), 2022, 2023, 2024]


def test_a_horizon_for_a_status_the_contract_does_not_know_is_refused() -> None:
    from contracts import Contract

    declared = load_contract("waste_facilities").model_dump()
    declared["status_horizon_years"] = {"operational": 5}
    with pytest.raises(ValueError, match="does not allow: \\['operational'\\]"):
        Contract.model_validate(declared)


def test_the_runs_date_is_today_unless_given(monkeypatch) -> None:
    from warehouse.home import as_of_date

    monkeypatch.delenv("ECOSTAT_AS_OF", raising=False)
    assert as_of_date() == date.today() or (date.today() - as_of_date()).days <= 1
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        as_of_date({"ECOSTAT_AS_OF": "07.12.2026"})


def test_a_countrys_roll_up_has_a_per_capita_value_only_at_the_declared_coverage(
    monkeypatch,
) -> None:
    """#31.5: Russia's operating sorting capacity per inhabitant was one plant's in Kuzbass."""
    monkeypatch.setenv("ECOSTAT_AS_OF", "2025-06-30")
    needed = load_contract("waste_facilities").rollup_min_coverage
    one = _capacity(("plant", date(2025, 1, 1), "operating", 200000.0, "XX-1"), country=True)
    row = one.execute(
        "select subdivisions_covered, subdivisions, kg_per_inhabitant_per_year, note "
        "from marts.waste_capacity where territory_id = 'XX' and year = 2025"
    ).fetchall()[0]
    assert row[:3] == (1, 10, None)
    assert f"in 1 of 10 subdivisions, below the {round(100 * needed)}%" in row[3]
    every = _capacity(
        *[(f"plant {i}", date(2025, 1, 1), "operating", 1000.0, f"XX-{i}") for i in range(1, 11)],
        country=True,
    )
    covered, per_capita = every.execute(
        "select subdivisions_covered, kg_per_inhabitant_per_year from marts.waste_capacity "
        "where territory_id = 'XX' and year = 2025"
    ).fetchall()[0]
    assert covered == 10 and per_capita == pytest.approx(10 * 1000.0 * 1000 / 10_000_000)
