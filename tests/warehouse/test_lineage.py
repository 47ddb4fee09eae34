"""Lineage read from the SQL (warehouse/lineage.py): what a model reads is what its SQL names."""

from __future__ import annotations

import pytest

from warehouse import sql_models
from warehouse.lineage import macro_tables, tables_read


@pytest.mark.parametrize(
    ("sql", "tables"),
    [
        # A CTE that shares a table's name is not a table; schema-qualified names are.
        (
            "with cleanup as (select * from core.cleanup) "
            "select * from cleanup join core.regions using (territory_id)",
            ["core.cleanup", "core.regions"],
        ),
        # A subquery, a union and a lateral unnest.
        (
            "select * from (select territory_id from marts.cleanup_comparison) as m "
            "union all by name select territory_id from core.emissions, unnest([1, 2]) as u(i)",
            ["core.emissions", "marts.cleanup_comparison"],
        ),
        # A table macro reads what its body reads, and the table it is given by name.
        (
            "select * from staged_rows('staging.water_fees')",
            ["audit.source_files", "core.regions", "staging.water_fees"],
        ),
        # A string that is not a table name is only a string.
        ("select 'core.cleanup is a table' as note", []),
    ],
)
def test_a_model_reads_the_tables_its_sql_names(sql: str, tables: list[str]) -> None:
    assert tables_read(sql) == tables


def test_the_macros_are_read_too() -> None:
    assert macro_tables()["staged_rows"] == ("audit.source_files", "core.regions")
    assert macro_tables()["population_note"] == ()


def test_every_model_reads_tables_the_warehouse_has() -> None:
    """What the parser finds is a model, a reference table, a dataset's staging table or an audit
    log: never a CTE taken for a table, nor a table nothing writes."""
    import re

    import yaml

    from contracts import datasets
    from warehouse import SQL_DIR
    from warehouse.home import SEEDS_DIR

    reference = yaml.safe_load((SEEDS_DIR / "reference" / "tables.yaml").read_text("utf-8"))
    audit_ddl = (SQL_DIR / "ddl" / "audit.sql").read_text(encoding="utf-8")
    known = (
        {m.table for m in sql_models()}
        | {f"core.{t}" for t in reference}
        | {f"staging.{d}" for d in datasets()}
        | set(
            re.findall(
                r"create (?:or replace )?(?:table|view)(?: if not exists)? (audit\.\w+)", audit_ddl
            )
        )
    )
    for model in sql_models():
        assert model.deps, model.table
        assert set(model.deps) <= known, (model.table, sorted(set(model.deps) - known))
