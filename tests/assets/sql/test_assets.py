"""The SQL model assets (assets/sql/assets.py): one asset per model, reading what its SQL reads,
and one step of checks (its Great Expectations suite and its SQL rules) whose failures are
counted in DuckDB and recorded."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from assets.sql.assets import _sql_checks, sql_asset
from warehouse import SqlModel, ensure_schemas, sql_models
from warehouse.expectations import suite_spec
from warehouse.resources import Warehouse

ANCESTORS = next(m for m in sql_models() if m.table == "core.region_ancestors")


def test_an_asset_depends_on_what_its_sql_reads_except_the_audit_logs() -> None:
    """Tables other assets write without being SQL models (the audit logs) are not asset deps."""
    for model in sql_models():
        asset = sql_asset(model)
        deps = {key.to_user_string() for key in asset.asset_deps[asset.key]}
        assert deps == {
            d.replace(".", "/")
            for d in model.deps
            if d not in {"audit.source_files", "audit.rejected_rows", "audit.validation_results"}
        }, model.table


def test_declared_checks_take_their_severity_and_generated_ones_the_tables() -> None:
    model = SqlModel(
        layer="audit",
        name="probe",
        description="",
        grain="",
        deps=[],
        key=["a", "b"],
        key_severity="warn",
        non_negative=["x"],
        checks=[{"name": "small", "description": "x < 10", "sql": "select 1", "severity": "warn"}],
    )
    assert [(e["name"], e["severity"]) for e in suite_spec(model)] == [
        ("not_null_a", "warning"),
        ("not_null_b", "warning"),
        ("unique_key", "warning"),
        ("non_negative_x", "warning"),  # a reviewed table's generated checks never stop it
    ]
    assert [(n, s) for n, s, _, _ in _sql_checks(model)] == [("small", "warning")]


def test_the_checks_count_broken_rows_and_record_them(tmp_path: Path) -> None:
    """core.region_ancestors built from a gazetteer of two territories, one written twice: the
    key check counts every row of a duplicated key, records it, and stops the run (an error)."""
    database = tmp_path / "w.duckdb"
    con = duckdb.connect(str(database))
    ensure_schemas(con)
    con.execute(
        """create table core.regions as
           select * from (values ('KG', null), ('KG-GB', 'KG'), ('KG-GB', 'KG'))
               as r(territory_id, parent_id)"""
    )
    con.close()
    result = dg.materialize(
        [sql_asset(ANCESTORS)],
        resources={"warehouse": Warehouse(database=str(database))},
        raise_on_error=False,
    )
    assert not result.success  # a failed error check stops the run
    (suite,) = result.get_asset_check_evaluations()  # the suite is one Dagster check
    assert (suite.check_name, suite.passed, suite.severity) == (
        "expectations",
        False,
        dg.AssetCheckSeverity.ERROR,
    )
    assert suite.metadata["failed"].value == "unique_key (error)"
    con = duckdb.connect(str(database), read_only=True)
    try:
        recorded = con.execute(
            """select check_name, engine, passed, rows_checked, rows_failed
               from audit.validation_results
               where target = 'core.region_ancestors' and check_name in ('unique_key', 'non_negative_depth')"""
        ).fetchall()
    finally:
        con.close()
    # Rows: (KG, KG), (KG-GB, KG-GB) twice, (KG-GB, KG) four times (each copy's chain meets both
    # copies of its parent row): 7, of which 6 share a key with another.
    assert sorted(recorded) == [
        ("non_negative_depth", "great_expectations", True, 7, 0),
        ("unique_key", "great_expectations", False, 7, 6),
    ]
