"""#31.13: every per-capita figure is made by one macro, per_inhabitants(value, population, per)."""

from __future__ import annotations

import re

import duckdb

from warehouse import ensure_schemas, sql_models


def test_no_mart_divides_by_a_population_by_hand() -> None:
    by_hand = re.compile(r"/\s*(?:nullif\()?\s*\w*\.?population\b", re.IGNORECASE)
    for model in sql_models():
        assert not by_hand.search(model.sql), f"{model.table}: use per_inhabitants()"
    assert any("per_inhabitants(" in m.sql for m in sql_models())


def test_no_population_gives_no_figure_never_an_infinite_one() -> None:
    con = duckdb.connect()
    ensure_schemas(con)
    got = con.execute(
        "select per_inhabitants(12000.0, 20000000.0, 1000), per_inhabitants(5.0, 0.0, 1), "
        "per_inhabitants(5.0, null, 1), per_inhabitants(345000, 7100000.0, 1000)"
    ).fetchall()[0]
    assert got == (12000.0 * 1000 / 20000000.0, None, None, 345000 * 1000 / 7100000.0)


def test_the_nearest_years_reach_is_declared_once_and_every_text_says_it() -> None:
    """#31.13: "within 5 years" was written in twelve files. The rule reads one declaration
    (seeds/reference/tables.yaml, population: nearest_year_within); the texts that state it
    (model descriptions, the export's README) must say the declared number."""
    from pathlib import Path

    from contracts import population_reach_years

    repo = Path(__file__).resolve().parents[2]
    reach = population_reach_years()
    texts = [*(repo / "warehouse").rglob("*.yaml"), *(repo / "warehouse").rglob("*.sql")]
    texts.append(repo / "warehouse" / "export.py")
    said = {
        (path.name, int(n))
        for path in texts
        for n in re.findall(
            r"(?:nearest|population)[^.;]{0,40}?within (\d+) years?", path.read_text("utf-8")
        )
    }
    assert said, "no text states the rule: the test reads nothing"
    assert {n for _, n in said} == {reach}, sorted(said)
    code = [m.sql for m in sql_models()] + [(repo / "warehouse/ddl/macros.sql").read_text()]
    assert not [c for c in code if re.search(r"abs\([^)]*year[^)]*\)\s*<=\s*\d", c)]


def test_every_mart_that_divides_by_a_population_declares_its_basis() -> None:
    """#31.13: one macro for the division, and a declared basis per mart."""
    dividing = [m for m in sql_models() if "per_inhabitants(" in m.sql]
    assert len(dividing) >= 5
    assert not [m.table for m in dividing if not m.per_capita_basis]
    # #31.9: what its figures are compared within is declared, and checked.
    for m in dividing:
        comparison = m.per_capita_comparison
        assert set(comparison["by"]) | set(comparison["columns"]) <= set(m.columns), m.table
        assert "one_population_basis_per_comparison" in [c["name"] for c in m.checks]
    # #31.9: each per-capita figure names its basis, in every mart that has one.
    assert not [m.table for m in dividing if "population_basis" not in m.columns]


def test_a_declared_comparison_needs_its_place_in_the_sql() -> None:
    """The one-basis SQL is generated from per_capita_comparison and written in at the mart's
    mark; a mart that declares it without the mark is refused, never built without the rule."""
    import pytest

    from warehouse import ONE_BASIS_MARK, expand_sql

    comparison = {"by": ["year", "level"], "columns": ["v"]}
    with pytest.raises(ValueError, match="one_population_basis"):
        expand_sql("with final as (select 1) select * from final", comparison, "marts.x")
    sql = expand_sql(
        f"with final as (select 1),\n{ONE_BASIS_MARK} x\nselect * from one_basis",
        comparison,
        "marts.x",
    )
    assert "one_basis as (" in sql and "using (year, level)" in sql
