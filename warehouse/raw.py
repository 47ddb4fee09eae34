"""The raw layer: each landed file version kept as an immutable Parquet snapshot, seen in the
warehouse as the view raw.<dataset>.

Grain: one snapshot per landed file version, ``<warehouse folder>/raw/<dataset>/<file_id>.parquet``
(the file id is a hash of the dataset, the path in landing/ and the bytes' SHA-256: the name says
which version it holds); one row per non-blank source row, every value as text as it was read,
with its row number. A snapshot is written once, before the file's record in audit.source_files
commits, and never changed; the view reads the snapshots of recorded files only, so the rows of
a run killed before its commit are never seen (the next run writes the same snapshot again).

Why files and not a table: the rows are read once (the file) and written once (the snapshot), not
inserted into DuckDB as well: at ten million rows the insert took 10 s of the 15 s the raw layer
cost. Auditors query raw.<dataset> with SQL as before, in the warehouse and its publications;
the view names the snapshots by absolute path, and every run points it again (a home moved
elsewhere is found again by its next run).

A warehouse made when raw.<dataset> was a table has it turned into snapshots once, by
``ensure_raw``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import polars as pl

from contracts import Contract

SNAPSHOT_SUFFIX = ".parquet"
# A snapshot is never changed: read-only for everyone (a reader's connection may open the raw
# folder, see warehouse/query.py, and its statements are checked to read only, but the file
# mode also holds against other programs).
READ_ONLY = 0o444


def raw_folder(con: duckdb.DuckDBPyConnection) -> Path:
    """The snapshots' folder: ``raw/`` beside the warehouse file the connection has open."""
    ((path,),) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    if not path:
        raise ValueError("raw snapshots are kept beside a warehouse file; this one is in memory")
    return Path(path).resolve().parent / "raw"


def snapshot_path(con: duckdb.DuckDBPyConnection, dataset: str, file_id: str) -> Path:
    return raw_folder(con) / dataset / f"{file_id}{SNAPSHOT_SUFFIX}"


def write_snapshot(
    con: duckdb.DuckDBPyConnection, dataset: str, file_id: str, rows: pl.DataFrame | Path
) -> Path:
    """Keep a file version's raw rows (a frame, or a Parquet file the reader spilled, which is
    moved, not copied) as its snapshot. Written under a temporary name and renamed: a snapshot
    is whole or absent."""
    path = snapshot_path(con, dataset, file_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(rows, Path):
        # Moved (a rename: a run's spill folder is under the data home too), or copied then
        # renamed when it is on another file system.
        partial = path.with_suffix(".partial")
        shutil.move(rows, partial)
        os.replace(partial, path)
    else:
        partial = path.with_suffix(".partial")
        rows.write_parquet(partial, compression="lz4")
        os.replace(partial, path)
    path.chmod(READ_ONLY)
    return path


def _columns(contract: Contract) -> list[tuple[str, str]]:
    """The raw columns, in the order and with the types raw.<dataset> has always had."""
    return [
        ("file_id", "varchar"),
        ("row_number", "integer"),
        ("source_column", "varchar"),
        *[(c.name, "varchar") for c in contract.columns],
        ("extra", "json"),
        ("overflow", "json"),
        ("read_error", "varchar"),
    ]


def sql_literal(path: Path) -> str:
    # A view cannot take parameters: the snapshot paths are ours (data home + hex file id),
    # quoted as SQL strings.
    return "'" + str(path).replace("'", "''") + "'"


def rows_sql(contract: Contract, snapshots: list[Path]) -> str:
    """A SELECT of the raw columns over some snapshots. A column no snapshot has is null;
    ``file_id`` is the snapshot's name."""
    columns = _columns(contract)
    if not snapshots:
        return "select " + ", ".join(f"null::{t} as {c}" for c, t in columns) + " limit 0"
    present: set[str] = set()
    for p in snapshots:
        present |= set(pl.read_parquet_schema(p))
    picked = []
    for c, t in columns:
        if c == "file_id":
            picked.append(f"parse_filename(filename, true) as {c}")
        elif c == "source_column":
            picked.append(f"coalesce(source_column, '') as {c}" if c in present else f"'' as {c}")
        elif c in present:
            picked.append(f"{c}::{t} as {c}")
        else:
            picked.append(f"null::{t} as {c}")
    files = "[" + ", ".join(sql_literal(p) for p in snapshots) + "]"
    return (
        f"select {', '.join(picked)} "
        f"from read_parquet({files}, union_by_name = true, filename = true)"
    )


def snapshot_rows(
    contract: Contract, snapshot: Path, row_numbers: tuple[int, int] | None = None
) -> pl.LazyFrame:
    """One snapshot's rows as ``rows_sql`` gives them, without ``file_id``, read by Polars: a
    file version is staged from its own snapshot. ``row_numbers`` (first, last) keeps those
    rows only, filtered before any column is cast so that the reader skips the row groups
    outside them by their statistics (after a cast it read the whole file for each chunk)."""
    present = pl.read_parquet_schema(snapshot)
    picked = []
    for c, _ in _columns(contract):
        if c == "file_id":
            continue
        if c == "row_number":
            picked.append(pl.col(c).cast(pl.Int32))
        elif c == "source_column":
            picked.append(pl.col(c).fill_null("") if c in present else pl.lit("").alias(c))
        elif c in present:
            picked.append(pl.col(c).cast(pl.String))
        else:
            picked.append(pl.lit(None, dtype=pl.String).alias(c))
    scan = pl.scan_parquet(snapshot)
    if row_numbers is not None:
        scan = scan.filter(pl.col("row_number").is_between(*row_numbers))
    return scan.select(picked)


def refresh_view(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """(Re)create raw.<dataset> over the snapshots of the file versions audit.source_files
    records, in file id order."""
    ds = contract.dataset
    folder = raw_folder(con) / ds
    recorded = {
        f
        for (f,) in con.execute(
            "select file_id from audit.source_files where dataset = ?", [ds]
        ).fetchall()
    }
    snapshots = (
        sorted(p for p in folder.glob(f"*{SNAPSHOT_SUFFIX}") if p.stem in recorded)
        if folder.is_dir()
        else []
    )
    con.execute(f"create or replace view raw.{ds} as {rows_sql(contract, snapshots)}")


def set_aside_damaged(con: duckdb.DuckDBPyConnection, dataset: str) -> list[str]:
    """Snapshots of recorded file versions that cannot be read (cut short, overwritten by
    another program): each is moved to ``raw/<dataset>/damaged/`` (kept for whoever looks into
    it), its file version marked failed with what to do and its staged rows removed, so that
    the view, and the dataset's other files, go on. A file still in landing/ is read again by
    the same run (a failed version is always read again). Returns one message per snapshot."""
    from warehouse.staged import drop_partitions  # that module imports this one

    folder = raw_folder(con) / dataset
    if not folder.is_dir():
        return []
    recorded = dict(
        con.execute(
            "select file_id, path from audit.source_files where dataset = ?", [dataset]
        ).fetchall()
    )
    staged = con.execute(
        "select 1 from information_schema.tables "
        "where table_schema = 'staging' and table_name = 'partitions'"
    ).fetchall()
    messages = []
    for snapshot in sorted(folder.glob(f"*{SNAPSHOT_SUFFIX}")):
        if snapshot.stem not in recorded:
            continue
        try:
            pl.read_parquet_schema(snapshot)
            continue
        except Exception as e:  # a damaged file raises whatever the Parquet reader meets
            problem = str(e).splitlines()[0] if str(e) else type(e).__name__
        aside = folder / "damaged" / snapshot.name
        aside.parent.mkdir(exist_ok=True)
        os.replace(snapshot, aside)
        message = (
            f"its raw snapshot could not be read ({problem}) and was moved to {aside}: nothing "
            f"of this version is published. The run reads landing/{dataset}/"
            f"{recorded[snapshot.stem]} again if it is still there; otherwise land the file again"
        )
        con.execute(
            "update audit.source_files set error = ?, status = case when status in "
            "('landed', 'loaded') then 'failed' else status end where file_id = ?",
            [message, snapshot.stem],
        )
        if staged:
            drop_partitions(con, dataset, [snapshot.stem])
        messages.append(f"{dataset}/{recorded[snapshot.stem]}: {message}")
    return messages


def ensure_raw(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """raw.<dataset> as a view of its snapshots; a raw table of an older warehouse is written
    out as snapshots, one per file version, and dropped."""
    ds = contract.dataset
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'raw' and table_name = ?",
        [ds],
    ).fetchall()
    if kind and kind[0][0] == "BASE TABLE":
        for (file_id,) in con.execute(f"select distinct file_id from raw.{ds}").fetchall():
            path = snapshot_path(con, ds, file_id)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".partial")
            con.execute(
                f"copy (select * exclude (file_id) from raw.{ds} where file_id = ? "
                f"order by row_number) to {sql_literal(partial)} (format parquet, compression lz4)",
                [file_id],
            )
            os.replace(partial, path)
            path.chmod(READ_ONLY)
        con.execute(f"drop table raw.{ds}")
    refresh_view(con, contract)
