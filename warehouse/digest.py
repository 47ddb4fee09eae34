"""A digest of every table's content, to prove that a refactor changed no number.

Grain: one digest per table or view of the warehouse (schema.name), an MD5 over its rows as
text in a fixed order. What differs between two runs of the same code on the same input is left
out: timestamps, run ids, and the fingerprints of our own source files (they change with any
edit of a parser, which is what a refactor does; the rows they stage must not).
"""

from __future__ import annotations

import duckdb

# Columns that name a run, a staging pass (a partition's name, new each pass) or a version of
# the rules (whose parts include our parsers' source), never a figure: any *run_id or
# *fingerprint column, and these.
_VOLATILE_COLUMNS = frozenset(
    {"components", "rejected_under", "released_under", "partition_name", "partitions", "batch_id"}
)
_VOLATILE_TYPES = ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIME")


def table_digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{schema.table: 'rows:md5'} of every table and view, sorted by name."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema not in ('information_schema', 'pg_catalog') "
        "order by 1, 2"
    ).fetchall()
    digests = {}
    for schema, table in tables:
        columns = [
            name
            for name, data_type in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if not _volatile(name) and data_type not in _VOLATILE_TYPES
        ]
        ident = f'"{schema}"."{table}"'
        if not columns:  # every column volatile (audit.schema_version): its rows are counted
            (rows,) = con.execute(f"select count(*) from {ident}").fetchone()
            digests[f"{schema}.{table}"] = f"{rows}:"
            continue
        cells = [f"coalesce(cast(\"{c}\" as varchar), '∅')" for c in columns]
        row = " || '|' || ".join(cells)
        rows, md5 = con.execute(
            f"select count(*), md5(coalesce(string_agg({row}, chr(10) order by {row}), '')) "
            f"from {ident}"
        ).fetchone()
        digests[f"{schema}.{table}"] = f"{rows}:{md5}"
    return digests


def _volatile(column: str) -> bool:
    return column.endswith("run_id") or "fingerprint" in column or column in _VOLATILE_COLUMNS


def compare(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """One line per table that is new, gone or different ('rows:md5' before -> after)."""
    lines = []
    for table in sorted(before.keys() | after.keys()):
        was, now = before.get(table), after.get(table)
        if was == now:
            continue
        if was is None:
            lines.append(f"{table}: new ({now})")
        elif now is None:
            lines.append(f"{table}: gone (was {was})")
        else:
            lines.append(f"{table}: {was} -> {now}")
    return lines
