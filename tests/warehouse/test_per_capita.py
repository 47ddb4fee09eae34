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
