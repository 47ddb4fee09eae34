"""Great Expectations suites are built from the mart YAML and catch what they should."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from assets.audit.expectations import check_name, make_offline, run_suites, suite_spec
from warehouse import SqlModel


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
    names = [check_name(e) for e in suite_spec(_model())]
    assert names == [
        "gx:expect_table_columns_to_match_ordered_list(table)",
        "gx:expect_column_values_to_not_be_null(territory_id)",
        "gx:expect_column_values_to_not_be_null(year)",
        "gx:expect_compound_columns_to_be_unique(territory_id,year)",
        "gx:expect_column_values_to_be_between(value, 0..)",
        "gx:expect_column_values_to_be_between(share, 0..1)",
    ]
    assert suite_spec(_model())[-1]["severity"] == "warning"


def test_a_broken_mart_fails_with_counts_and_samples(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "territory_id": ["KG", "KG", "KZ", None],
            "year": [2023, 2023, 2023, 2023],
            "value": [1.0, 2.0, -5.0, 3.0],
            "share": [0.2, 0.3, 1.7, 0.1],
        }
    )
    results = {
        r.check_name: r
        for r in run_suites(
            {"marts.example": frame}, {"marts.example": _model()}, tmp_path / "docs"
        )
    }
    assert results["gx:expect_table_columns_to_match_ordered_list(table)"].passed
    nulls = results["gx:expect_column_values_to_not_be_null(territory_id)"]
    assert (nulls.passed, nulls.rows_failed, nulls.rows_checked) == (False, 1, 4)
    assert not results["gx:expect_compound_columns_to_be_unique(territory_id,year)"].passed
    negative = results["gx:expect_column_values_to_be_between(value, 0..)"]
    assert (negative.passed, negative.rows_failed) == (False, 1)
    assert negative.sample.get_column("unexpected").to_list() == ["-5.0"]
    share = results["gx:expect_column_values_to_be_between(share, 0..1)"]
    assert (share.passed, share.severity) == (False, "warning")
    assert (tmp_path / "docs" / "index.html").exists()


def test_data_docs_pages_lose_every_external_resource(tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text(
        '<html><head><link href="https://static.example.org/x.css" rel="stylesheet">'
        '<script src="https://scripts.example.org/jquery.js"></script></head><body>'
        '<img src="//s3.example/logo.png"><script>$(function(){})</script>'
        '<a href="https://greatexpectations.io/newsletter">news</a><table><tr><td>ok</td></tr></table>'
        "</body></html>",
        encoding="utf-8",
    )
    assert make_offline(tmp_path) == 1
    text = page.read_text(encoding="utf-8")
    assert "http" not in text and "//s3" not in text and "<script" not in text
    assert "<td>ok</td>" in text and "<style>" in text


def test_declared_value_sets_agree_with_what_they_repeat() -> None:
    """Value sets in mart YAML repeat facts held elsewhere; they must not drift apart."""
    import csv

    from contracts import datasets
    from warehouse import sql_models
    from warehouse.home import SEEDS_DIR

    declared = {
        (m.table, e["kwargs"]["column"]): set(e["kwargs"]["value_set"])
        for m in sql_models()
        for e in m.expectations
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


def test_every_mart_suite_has_distinct_check_names() -> None:
    """Results are keyed by check name: two expectations under one name would lose one."""
    from warehouse import sql_models

    for model in sql_models():
        if model.layer == "marts":
            names = [check_name(e) for e in suite_spec(model)]
            assert len(names) == len(set(names)), model.table
