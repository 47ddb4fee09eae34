"""Keys without PRIMARY KEY: the tables that have one, how their rows are written, and the
check that the keys hold.

DuckLake, the warehouse many writers share (#29), has neither PRIMARY KEY nor INSERT OR
REPLACE. So a table's key is declared here once (:data:`TABLE_KEYS`), kept by the statements
that write the table (:func:`replace_row`, :func:`replace_frame`, :func:`insert_new_row`: one
MERGE INTO each, which needs no key in the database), and checked before every publication
(:func:`duplicate_keys`). A warehouse made before 2026-12-07 still holds these keys as
primary keys in DuckDB; that changes nothing.

Imports DuckDB only: warehouse.staged uses it, and warehouse/__init__ imports warehouse.staged.
"""

from __future__ import annotations

import duckdb


class KeysBroken(RuntimeError):
    """A table holds a key twice: a fault in ecostat; the message names the table and key."""


# The key of each table that has one (the grain its DDL states).
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "audit.source_files": ("file_id",),
    "audit.rule_versions": ("fingerprint",),
    "audit.validation_results": ("run_id", "target", "check_name"),
    "audit.suite_runs": ("run_id", "target"),
    "audit.reference_builds": ("table_name",),
    "audit.model_partitions": ("target", "file_id"),
    "audit.suite_batches": ("target", "batch_id", "check_name"),
    "staging.partitions": ("file_id",),
}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """The table's columns and their types, in the table's order (pragma_table_info reads the
    one table: 0.7 ms, against 5 ms for duckdb_columns(), which reads every table's)."""
    return con.execute("select name, type from pragma_table_info(?)", [table]).fetchall()


def _merge(con: duckdb.DuckDBPyConnection, table: str, row: dict, replace: bool) -> int:
    columns = _columns(con, table)
    unknown = set(row) - {c for c, _ in columns}
    if unknown:
        raise KeyError(f"{table} has no column {', '.join(sorted(unknown))}")
    # One MERGE: atomic by itself, and part of the caller's transaction when one is open. The
    # row is given whole, columns it leaves out as null, as INSERT OR REPLACE did.
    source = ", ".join(f"?::{typ} as {col}" for col, typ in columns)
    on = " and ".join(f"t.{c} = n.{c}" for c in TABLE_KEYS[table])
    matched = "when matched then update " if replace else ""
    return con.execute(
        f"merge into {table} as t using (select {source}) as n on {on} "
        f"{matched}when not matched then insert",
        [row.get(col) for col, _ in columns],
    ).fetchone()[0]


def replace_row(con: duckdb.DuckDBPyConnection, table: str, row: dict) -> None:
    """Write ``row`` (column -> value; a column left out is null) into ``table``, in place of
    the row with its key if there is one."""
    _merge(con, table, row, replace=True)


def insert_new_row(con: duckdb.DuckDBPyConnection, table: str, row: dict) -> bool:
    """Insert ``row`` into ``table`` unless a row with its key is there; whether it was."""
    return _merge(con, table, row, replace=False) == 1


def replace_frame(con: duckdb.DuckDBPyConnection, table: str, relation: str) -> None:
    """Write the rows of ``relation`` (a registered frame or view with every column of
    ``table``, by name) into ``table``, in place of the rows with their keys."""
    cols = ", ".join(c for c, _ in _columns(con, table))
    on = " and ".join(f"t.{c} = n.{c}" for c in TABLE_KEYS[table])
    con.execute(
        f"merge into {table} as t using (select {cols} from {relation}) as n on {on} "
        "when matched then update when not matched then insert"
    )


def duplicate_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables of :data:`TABLE_KEYS` that hold a key twice, each said with one such key."""
    present = {
        f"{s}.{n}"
        for s, n in con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
    }
    found = []
    for table, key in TABLE_KEYS.items():
        if table not in present:  # a warehouse without it (a test's) holds no key twice
            continue
        cols = ", ".join(key)
        row = con.execute(
            f"select {cols}, count(*) from {table} group by all having count(*) > 1 limit 1"
        ).fetchone()
        if row:
            shown = ", ".join(f"{c} = {v!r}" for c, v in zip(key, row, strict=False))
            found.append(f"{table} holds {row[-1]} rows of key ({shown})")
    return found
