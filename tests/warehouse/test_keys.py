"""Keys without PRIMARY KEY (warehouse/keys.py): the warehouse's tables are ones DuckLake takes,
their keys kept by the statements that write them and checked before publishing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse import ensure_schemas
from warehouse.engine import connect, load_extension
from warehouse.keys import (
    TABLE_KEYS,
    duplicate_keys,
    insert_new_row,
    replace_frame,
    replace_row,
)
from warehouse.staged import ensure_partitions_table


def _lake(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect()
    load_extension(con, "ducklake")
    con.execute(
        f"attach 'ducklake:{tmp_path}/catalog.ducklake' as lake (data_path '{tmp_path}/data/')"
    )
    con.execute("use lake")
    return con


@pytest.fixture(params=["duckdb", "ducklake"])
def con(request: pytest.FixtureRequest, tmp_path: Path):
    c = connect(tmp_path / "w.duckdb") if request.param == "duckdb" else _lake(tmp_path)
    ensure_schemas(c)
    ensure_partitions_table(c)
    yield c
    c.close()


def _source_file(file_id: str, status: str) -> dict:
    return {
        "file_id": file_id,
        "dataset": "cleanup",
        "path": "a.csv",
        "sha256": "0" * 64,
        "status": status,
    }


def test_every_keyed_table_is_made_by_the_schemas_without_a_primary_key(con) -> None:
    """DuckLake refuses PRIMARY KEY and UNIQUE: the schemas declare none, so the warehouse's
    tables are made there as in a DuckDB file."""
    for table, key in TABLE_KEYS.items():
        schema, name = table.split(".")
        cols = {
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
                [schema, name],
            ).fetchall()
        }
        assert set(key) <= cols, table
    assert (
        con.execute(
            "select count(*) from duckdb_constraints() where constraint_type in "
            "('PRIMARY KEY', 'UNIQUE')"
        ).fetchone()[0]
        == 0
    )


def test_a_row_replaces_the_row_of_its_key_and_a_rollback_keeps_the_old(con) -> None:
    replace_row(con, "audit.source_files", _source_file("f1", "failed"))
    replace_row(con, "audit.source_files", _source_file("f1", "loaded"))
    replace_row(con, "audit.source_files", _source_file("f2", "loaded"))
    assert con.execute("select file_id, status from audit.source_files order by 1").fetchall() == [
        ("f1", "loaded"),
        ("f2", "loaded"),
    ]
    # Inside the caller's transaction: it commits or rolls back the delete and the insert.
    con.execute("begin transaction")
    replace_row(con, "audit.source_files", _source_file("f1", "failed"))
    con.execute("rollback")
    assert con.execute("select status from audit.source_files where file_id = 'f1'").fetchall() == [
        ("loaded",)
    ]
    assert duplicate_keys(con) == []


def test_a_new_row_is_not_put_over_one_of_its_key(con) -> None:
    row = {"fingerprint": "r1", "dataset": "cleanup", "components": "{}", "first_run_id": "run1"}
    assert insert_new_row(con, "audit.rule_versions", row)
    assert not insert_new_row(con, "audit.rule_versions", {**row, "first_run_id": "run2"})
    assert con.execute("select first_run_id from audit.rule_versions").fetchall() == [("run1",)]


def test_a_frame_replaces_the_rows_of_its_keys(con) -> None:
    con.execute(
        "insert into audit.suite_runs values ('run1', now()::timestamp, 'core.a', 't', 's', null),"
        " ('run1', now()::timestamp, 'core.b', 't', 's', null)"
    )
    con.execute(
        "create temp table new_runs as select 'run1' as run_id, now()::timestamp as checked_at, "
        "'core.a' as target, 't2' as table_fingerprint, 's' as suite_fingerprint, "
        "null::varchar as carried_from_run_id"
    )
    replace_frame(con, "audit.suite_runs", "new_runs")
    assert con.execute(
        "select target, table_fingerprint from audit.suite_runs order by 1"
    ).fetchall() == [("core.a", "t2"), ("core.b", "t")]


def test_a_key_held_twice_is_found_and_named(con) -> None:
    for _ in range(2):
        con.execute(
            "insert into audit.model_partitions values ('core.cleanup', 'f1', 'f1~p', 'x', 3, "
            "now()::timestamp)"
        )
    assert duplicate_keys(con) == [
        "audit.model_partitions holds 2 rows of key (target = 'core.cleanup', file_id = 'f1')"
    ]
