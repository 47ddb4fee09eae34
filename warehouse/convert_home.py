"""Convert a data home's DuckDB files to the storage format of the DuckDB ecostat pins.

Until 2026-12-07 ecostat ran on DuckDB 2.0, which writes its files in a storage format (version
number 999) that DuckDB 1.5 cannot open; ecostat now pins 1.5.5, the newest DuckDB whose
DuckLake and PostgreSQL extensions install from the package registry (pyproject.toml). Only a
DuckDB that reads the newer format can carry such a file over, so this script runs under a
DuckDB 2.x of its own: ``make convert-home ECOSTAT_HOME=<home>`` builds one in ``.venv-duckdb2``
(set-up, with the package registry, like ``make run``) and runs::

    .venv-duckdb2/bin/python warehouse/convert_home.py <home>

It imports DuckDB and the standard library only. For each ``*.duckdb`` file of the home (the
warehouse and its published copy) whose format the pinned DuckDB does not read, every schema,
table, view, macro and sequence is copied into a new file in format v1.5.0 (``COPY FROM
DATABASE``), the row count of every table is compared, and only then is the new file put in
place; the old one is kept beside it as ``<name>.duckdb-v2``, so nothing is lost. Raw snapshots
and staged partitions are Parquet and need nothing. Run it again and it converts nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

TARGET = "v1.5.0"
V15 = range(64, 69)  # the storage version numbers DuckDB 1.5 reads
READABLE = V15  # files left as they are


def storage_version(path: str | Path) -> int | None:
    """The storage version number in a DuckDB file's header, or None if it is not one (or
    cannot be read). Also what warehouse/engine.py asks of a file DuckDB refused."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return None
    if len(head) < 20 or head[8:12] != b"DUCK":
        return None
    return int.from_bytes(head[12:20], "little")


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _counts(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [catalog]
    ).fetchall()
    return {
        f"{s}.{t}": con.execute(f'select count(*) from "{catalog}"."{s}"."{t}"').fetchone()[0]
        for s, t in tables
    }


def convert_file(path: Path) -> bool:
    """Convert one file in place (the old one kept as ``<name>.duckdb-v2``); False when it
    already is in a format DuckDB 1.5 reads."""
    version = storage_version(path)
    if version is None or version in READABLE:
        return False
    new = path.with_name(path.name + ".converting")
    new.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        # ATTACH takes no bound parameters in DuckDB 1.5: the paths as quoted literals.
        con.execute(f"attach {_literal(path)} as old (read_only)")
        con.execute(f"attach {_literal(new)} as new (storage_version '{TARGET}')")
        con.execute("copy from database old to new")
        before, after = _counts(con, "old"), _counts(con, "new")
        if before != after:
            raise RuntimeError(f"{path}: the copy's tables or row counts differ from the file's")
        con.execute("detach new")
    finally:
        con.close()
    if storage_version(new) not in V15:
        raise RuntimeError(f"{new} is not in a format DuckDB 1.5 reads")
    # The old file's write-ahead log, if any, is in the old format and goes with it: left
    # beside the new file, DuckDB would replay it into that.
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        os.replace(wal, path.with_name(path.name + "-v2.wal"))
    os.replace(path, path.with_name(path.name + "-v2"))
    os.replace(new, path)
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: convert_home.py <data home>", file=sys.stderr)
        return 2
    home = Path(argv[0])
    files = sorted(p for p in home.rglob("*.duckdb") if p.is_file())
    if not files:
        print(f"no DuckDB files under {home}")
        return 0
    for path in files:
        if convert_file(path):
            print(f"converted {path} (the old file is {path.name}-v2 beside it)")
        else:
            print(f"{path}: already readable by DuckDB 1.5, left as it is")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
