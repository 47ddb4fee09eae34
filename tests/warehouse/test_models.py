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
    assert layers == sorted(layers, key=["core", "marts"].index)
