"""Dagster shows each table's columns with their real types: every materialisation of a run
reports the column schema of its table as DuckDB's catalogue has it (no column typed "string"
because nobody said otherwise)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
from dagster._core.instance.ref import InstanceRef

TABLE_LAYERS = ("raw", "staging", "core", "marts", "audit")


def test_every_table_asset_reports_its_catalogue_types(seeded_home: Path) -> None:
    instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(seeded_home / "dagster")))
    con = duckdb.connect(str(seeded_home / "warehouse.duckdb"), read_only=True)
    try:
        catalogue: dict[str, list[tuple[str, str]]] = {}
        for schema, table, column, data_type in con.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() "
            "where schema_name in ('raw', 'staging', 'core', 'marts', 'audit') "
            "order by schema_name, table_name, column_index"
        ).fetchall():
            catalogue.setdefault(f"{schema}/{table}", []).append((column, data_type))
        checked = 0
        for key in instance.get_asset_keys():
            if key.path[0] not in TABLE_LAYERS or key.to_user_string() not in catalogue:
                continue
            event = instance.get_latest_materialization_event(key)
            assert event is not None, key
            schema = event.asset_materialization.metadata["dagster/column_schema"].value
            shown = [(c.name, c.type) for c in schema.columns]
            assert shown == catalogue[key.to_user_string()], key
            checked += 1
    finally:
        con.close()
        instance.dispose()
    # Every table asset: 8 raw, 8 staging, 18 reference, 10 core and 11 mart models, 2 audit.
    assert checked == 57
    assert {"BIGINT", "DATE", "VARCHAR"} <= {t for cols in catalogue.values() for _, t in cols}
