"""Great Expectations suites are built from each model's YAML, run in DuckDB and catch what
they should (warehouse/expectations.py)."""

from __future__ import annotations

import re

import duckdb
import pytest

from warehouse import SqlModel
from warehouse.expectations import run_suite, suite_spec


def _model() -> SqlModel:
    return SqlModel(
        layer="marts",
        name="example",
        description="",
        grain="One row per territory x year.",
        deps=[],
        key=["territory_id", "year"],
        non_negative=["value"],
        columns={"territory_id": {}, "year": {}, "value": {}, "share": {}},
        expectations=[
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "share", "min_value": 0, "max_value": 1},
                "severity": "warn",
            }
        ],
    )


def test_the_suite_comes_from_the_declaration() -> None:
    spec = suite_spec(_model())
    assert [(e["name"], e["type"], e["severity"]) for e in spec] == [
        ("columns", "expect_table_columns_to_match_ordered_list", "error"),
        ("not_null_territory_id", "expect_column_values_to_not_be_null", "error"),
        ("not_null_year", "expect_column_values_to_not_be_null", "error"),
        ("unique_key", "expect_compound_columns_to_be_unique", "error"),
        ("non_negative_value", "expect_column_values_to_be_between", "error"),
        ("column_values_to_be_between_share", "expect_column_values_to_be_between", "warning"),
    ]
    assert spec[-1]["description"].startswith("Great Expectations: expect column values")


def test_a_broken_table_fails_with_counts_and_samples_counted_in_duckdb() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """create table marts.example as select * from (values
               ('KG', 2023, 1.0, 0.2, [1, 2]), ('KG', 2023, 2.0, 0.3, [3]),
               ('KZ', 2023, -5.0, 1.7, []), (null, 2023, 3.0, 0.1, [4]))
           as t(territory_id, year, value, share, source_row_ids)"""
    )
    model = _model()
    model.columns["source_row_ids"] = {}
    results = {r.check_name: r for r in run_suite(con, model)}
    assert {r.engine for r in results.values()} == {"great_expectations"}
    assert results["columns"].passed  # a list column is read as its length, not copied
    nulls = results["not_null_territory_id"]
    assert (nulls.passed, nulls.rows_failed, nulls.rows_checked) == (False, 1, 4)
    duplicated = results["unique_key"]
    assert (duplicated.passed, duplicated.rows_failed) == (False, 2)
    negative = results["non_negative_value"]
    assert (negative.passed, negative.rows_failed) == (False, 1)
    assert negative.sample.get_column("unexpected").to_list() == ["-5.0"]
    share = results["column_values_to_be_between_share"]
    assert (share.passed, share.severity) == (False, "warning")
    # The run's connection is still usable: the suite worked on a cursor of it.
    assert con.execute("select count(*) from marts.example").fetchall() == [(4,)]


def test_a_renamed_column_fails_the_column_list() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.example as select 'KG' as territory_id, 2023 as year, 1.0 as value, "
        "0.5 as share_of_total"
    )
    results = {r.check_name: r for r in run_suite(con, _model())}
    assert not results["columns"].passed
    assert "share_of_total" in results["columns"].sample.get_column("unexpected")[0]
    # The range of a column that is gone cannot be checked: a failure that says why.
    share = results["column_values_to_be_between_share"]
    assert (share.passed, share.rows_failed) == (False, None)
    assert "share" in share.sample.get_column("could_not_run")[0]


def test_a_suite_that_cannot_start_leaves_the_shared_context_clean() -> None:
    """Suites share one Great Expectations context per process; one that fails half-way (its
    table is missing) removes what it added, so the next suite of the run still runs."""
    con = duckdb.connect()
    con.execute("create schema marts")
    with pytest.raises(duckdb.Error):
        run_suite(con, _model())
    con.execute(
        "create table marts.example as select 'KG' as territory_id, 2023 as year, 1.0 as value, "
        "0.5 as share"
    )
    assert all(r.passed for r in run_suite(con, _model()))
    assert all(r.passed for r in run_suite(con, _model()))  # and again, by the same names


def test_declared_value_sets_agree_with_what_they_repeat() -> None:
    """Value sets in mart YAML repeat facts held elsewhere; they must not drift apart."""
    import csv

    from contracts import datasets
    from warehouse import sql_models
    from warehouse.home import SEEDS_DIR

    declared = {
        (m.table, e["kwargs"]["column"]): set(e["kwargs"]["value_set"])
        for m in sql_models()
        for e in suite_spec(m)
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    with (SEEDS_DIR / "reference" / "fx_rates.csv").open(encoding="utf-8") as f:
        currencies = {row["currency"] for row in csv.DictReader(f)}
    assert declared[("marts.water_fee_revenue", "currency")] == currencies
    # The datasets the mart reads: those whose core table is among its dependencies, direct
    # or through another model (the monitoring network reaches no mart yet).
    models = {m.table: m for m in sql_models()}
    reads, todo = set(), ["marts.region_year_indicators"]
    while todo:
        for dep in models[todo.pop()].deps:
            if dep in models and dep not in reads:
                reads.add(dep)
                todo.append(dep)
    assert declared[("marts.region_year_indicators", "dataset")] == {
        d for d in datasets() if f"core.{d}" in reads
    }


def test_every_suite_has_distinct_check_names() -> None:
    """Results are keyed by check name: two expectations under one name would lose one."""
    from warehouse import sql_models

    for model in sql_models():
        names = [e["name"] for e in suite_spec(model)]
        assert len(names) == len(set(names)), model.table
        assert all(re.fullmatch(r"[A-Za-z0-9_]+", n) for n in names), names  # Dagster's rule


def test_an_unchanged_table_is_not_validated_again_and_its_results_stand(monkeypatch) -> None:
    """A run whose table and suite are those of an earlier run records that run's results
    (Great Expectations not run); a changed row, or a changed suite, is validated again."""
    import warehouse.expectations as expectations
    from warehouse import ensure_schemas
    from warehouse.results import record_results

    con = duckdb.connect()
    ensure_schemas(con)
    con.execute(
        """create table marts.example as select * from (values
               ('KG', 2023, 1.0, 0.2), ('KZ', 2023, -5.0, 0.3))
           as t(territory_id, year, value, share)"""
    )
    model = _model()
    first, carried = expectations.validate(con, model, "run-1")
    assert (
        carried is None
        and not next(r for r in first if r.check_name == "non_negative_value").passed
    )
    record_results(con, "run-1", first)

    def not_again(*args, **kwargs):
        raise AssertionError("the suite ran again on an unchanged table")

    monkeypatch.setattr(expectations, "run_suite", not_again)
    second, carried = expectations.validate(con, model, "run-2")
    record_results(con, "run-2", second)
    assert carried == "run-1"
    assert [
        (r.check_name, r.passed, r.rows_checked, r.rows_failed, r.sample_json()) for r in second
    ] == [(r.check_name, r.passed, r.rows_checked, r.rows_failed, r.sample_json()) for r in first]
    _, carried = expectations.validate(con, model, "run-3")
    assert carried == "run-1"  # the run that validated, not the one that carried it

    monkeypatch.undo()
    con.execute("update marts.example set value = 5.0 where territory_id = 'KZ'")
    fixed, carried = expectations.validate(con, model, "run-4")
    assert carried is None and all(r.passed for r in fixed)
    record_results(con, "run-4", fixed)
    model.non_negative.clear()  # a changed suite
    _, carried = expectations.validate(con, model, "run-5")
    assert carried is None
    assert con.execute(
        "select run_id, carried_from_run_id from audit.suite_runs order by run_id"
    ).fetchall() == [
        ("run-1", None),
        ("run-2", "run-1"),
        ("run-3", "run-1"),
        ("run-4", None),
        ("run-5", None),
    ]


def test_a_value_set_can_be_the_declared_vocabulary_and_every_level_is_allowed() -> None:
    """#31.12: the gazetteer's levels are declared once (seeds/reference/tables.yaml); the mart's
    check takes them from there. Copied by hand it lacked municipality (139 territories), and
    the first municipal figure would have failed an error check and stopped publishing."""
    from contracts import reference_vocabulary
    from warehouse import sql_models

    levels = reference_vocabulary("regions.level")
    assert "municipality" in levels
    mart = next(m for m in sql_models() if m.table == "marts.region_year_indicators")
    (check,) = [e for e in suite_spec(mart) if e["kwargs"].get("column") == "level"]
    assert check["kwargs"]["value_set"] == list(levels)
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.example as select * from (values ('KG-GB-1', 'municipality'), "
        "('KG', 'country')) as t(territory_id, level)"
    )
    model = SqlModel(
        layer="marts",
        name="example",
        description="",
        grain="",
        deps=[],
        expectations=[
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {"column": "level", "value_set": {"vocabulary": "regions.level"}},
            }
        ],
    )
    (result,) = run_suite(con, model)
    assert result.passed
