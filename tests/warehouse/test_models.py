"""SQL models: each YAML describes exactly the columns its SQL produces."""

from __future__ import annotations

import pytest

from warehouse import sql_models


@pytest.mark.parametrize("model", sql_models(), ids=lambda m: m.table)
def test_declared_columns_are_the_table_columns(warehouse, model) -> None:
    actual = [r[0] for r in warehouse.execute(f"describe {model.table}").fetchall()]
    assert list(model.columns) == actual
    assert all(meta.get("description") for meta in model.columns.values())


def test_models_are_ordered_core_before_marts() -> None:
    layers = [m.layer for m in sql_models()]
    assert layers == sorted(layers, key=["core", "marts", "audit"].index)


@pytest.mark.parametrize("model", [m for m in sql_models() if m.checks], ids=lambda m: m.table)
def test_declared_checks_pass_on_the_default_data(warehouse, model) -> None:
    # Error rules must hold; warning rules (findings) are meant to report what they find.
    for check in model.checks:
        rows = warehouse.execute(check["sql"]).fetchall()
        if check.get("severity") == "warn":
            continue
        assert rows == [], (model.table, check["name"])


@pytest.mark.parametrize(
    ("table", "check", "breakage"),
    [
        (
            "marts.water_fee_revenue",
            "partial_periods_never_compared",
            "update marts.water_fee_revenue set change_on_previous_year_pct = 5 where is_partial_period",
        ),
        (
            "marts.water_fee_revenue",
            "usd_only_at_the_same_years_rate",
            "update marts.water_fee_revenue set lcu_per_usd = lcu_per_usd * 2 where territory_id = 'KG' and year = 2023",
        ),
        (
            "marts.region_year_indicators",
            "per_capita_only_with_population",
            "update marts.region_year_indicators set population = null where per_capita_value is not null",
        ),
        (
            "marts.coal_and_emissions",
            "estimates_say_how",
            "update marts.coal_and_emissions set co2_estimate_note = null",
        ),
        (
            "marts.waste_capacity",
            "derived_capacity_is_flagged",
            "update marts.waste_capacity set note = null where capacity_includes_derived",
        ),
    ],
)
def test_declared_checks_catch_a_broken_mart(seeded_home, tmp_path, table, check, breakage) -> None:
    import shutil

    import duckdb

    copy = tmp_path / "w.duckdb"
    shutil.copy(seeded_home / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    con.execute(breakage)
    model = next(m for m in sql_models() if m.table == table)
    sql = next(c["sql"] for c in model.checks if c["name"] == check)
    assert con.execute(sql).fetchall(), f"{check} did not notice: {breakage}"
    con.close()
