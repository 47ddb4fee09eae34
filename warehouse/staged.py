"""The staged layer's storage: each file version's typed rows as one Parquet partition, seen in the
warehouse as the views staging.<dataset>_rows and staging.<dataset>.

Grain: one partition per staging pass of a file version,
``<warehouse folder>/staged/<dataset>/<file_id>~<pass>/`` (a Parquet file per chunk staged), one
row per valid source row: row number, source column, the contract's staged columns, typed.
``staging.partitions`` names the partition of each file version that counts (at most one); the
views read those only.

Why files and not a table (#28): staging writes a file's rows once, as Parquet, at the speed of
the Parquet writer, where inserting them into DuckDB cost a second per million rows and its
undo held them in memory; core reads them as it read the table. A partition is written under a
temporary name and renamed when whole, and it counts from the commit that records the file as
loaded: a run killed half way leaves files nobody reads, removed by the next publish.

Why a new name for each pass: a partition is never changed. The last publication of the
warehouse (what analysts and auditors read, warehouse/lake.py) names the partitions of its own
time; a later run that stages a file again, or retires it, writes or drops its own entry and
leaves the last publication's files in place until the next publication
(``remove_unused``). Earlier publications kept for --as-of may name partitions removed since.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path

import duckdb
import polars as pl

from contracts import Contract, load_contract
from warehouse.keys import replace_row
from warehouse.raw import READ_ONLY, raw_folder, sql_literal

SUFFIX = ".parquet"
# Between a file version's id and its pass in a partition's name; neither contains it.
PASS_SEPARATOR = "~"


def staged_folder(con: duckdb.DuckDBPyConnection, dataset: str) -> Path:
    """``staged/<dataset>/`` beside the warehouse file the connection has open."""
    return raw_folder(con).parent / "staged" / dataset


def ensure_partitions_table(con: duckdb.DuckDBPyConnection) -> None:
    """staging.partitions: the partition that counts for each staged file version."""
    con.execute(
        """create table if not exists staging.partitions (
    dataset varchar not null,
    file_id varchar not null,  -- key (warehouse/keys.py)
    partition_name varchar not null
)"""
    )


class PartitionWriter:
    """Writes one staging pass of a file version, a Parquet file per chunk, into a temporary
    folder; ``finish()`` renames the folder to its partition name and returns that name. Every
    chunk is cast to the first chunk's types, so that a column null in one chunk keeps its
    type. (Polars writes a chunk three times faster than an appending pyarrow writer.)"""

    def __init__(self, con: duckdb.DuckDBPyConnection, dataset: str, file_id: str) -> None:
        self.folder = staged_folder(con, dataset)
        self.name = f"{file_id}{PASS_SEPARATOR}{uuid.uuid4().hex[:12]}"
        self.partial = self.folder / f"{self.name}.partial"
        self._schema: pl.Schema | None = None
        self._parts = 0

    def write(self, rows: pl.DataFrame) -> None:
        if self._schema is None:
            self._schema = rows.schema
            self.partial.mkdir(parents=True)
        else:
            rows = rows.cast(dict(self._schema))
        rows.write_parquet(self.partial / f"{self._parts:05d}{SUFFIX}", compression="lz4")
        self._parts += 1

    def finish(self) -> str:
        if self._schema is None:
            raise ValueError("a partition needs at least one chunk, empty or not")
        path = self.folder / self.name
        for part in self.partial.iterdir():
            part.chmod(READ_ONLY)
        os.replace(self.partial, path)
        return self.name

    def abandon(self) -> None:
        """Remove what this pass wrote (a failed or interrupted attempt)."""
        for path in (self.partial, self.folder / self.name):
            shutil.rmtree(path, ignore_errors=True)


_COLUMNS: dict[Path, frozenset[str]] = {}


def _columns_of(partition: Path) -> frozenset[str]:
    """A partition's columns, from its first part. Remembered: a partition never changes and
    its name is never used again, and the views are made again at every supersession (a
    footer read per partition each time otherwise). A partition gone missing has none and is
    not remembered (the next run's set_aside_damaged sets it aside)."""
    if partition not in _COLUMNS:
        for part in partition.glob(f"*{SUFFIX}"):
            _COLUMNS[partition] = frozenset(pl.read_parquet_schema(part))
            break
        else:
            return frozenset()
    return _COLUMNS[partition]


def _select(contract: Contract, partitions: list[Path]) -> str:
    """The staged rows of some partitions, in the columns and types staging.<dataset>_rows has
    always had; a column no partition has (an older contract's) is null."""
    columns = [
        ("row_number", "integer"),
        ("source_column", "varchar"),
        *contract.staged_columns(),
    ]
    if not partitions:
        return (
            "select "
            + ", ".join(f"null::{t} as {c}" for c, t in [("file_id", "varchar"), *columns])
            + " limit 0"
        )
    present: set[str] = set()
    for p in partitions:
        present |= _columns_of(p)
    # <folder>/<file_id>~<pass>/<part>.parquet
    picked = [f"regexp_extract(filename, '([^/]+){PASS_SEPARATOR}[^/]+/[^/]+$', 1) as file_id"]
    for c, t in columns:
        if c == "source_column":
            picked.append(f"coalesce(source_column, '') as {c}" if c in present else f"'' as {c}")
        else:
            picked.append(f"{c}::{t} as {c}" if c in present else f"null::{t} as {c}")
    files = "[" + ", ".join(sql_literal(p / f"*{SUFFIX}") for p in partitions) + "]"
    return (
        f"select {', '.join(picked)} "
        f"from read_parquet({files}, union_by_name = true, filename = true)"
    )


def partition_rows_sql(con: duckdb.DuckDBPyConnection, contract: Contract, names: list[str]) -> str:
    """A SELECT of some partitions' rows (by partition name), as staging.<dataset>_rows has them:
    what a table built by file version reads of the partitions it builds (warehouse/by_file.py)."""
    folder = staged_folder(con, contract.dataset)
    return _select(contract, [folder / n for n in names])


def refresh_views(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """(Re)create staging.<dataset>_rows over the partitions that count, and staging.<dataset>,
    its rows of loaded file versions (what everything else reads)."""
    ds = contract.dataset
    folder = staged_folder(con, ds)
    names = [
        n
        for (n,) in con.execute(
            "select partition_name from staging.partitions where dataset = ? order by file_id",
            [ds],
        ).fetchall()
    ]
    con.execute(
        f"create or replace view staging.{ds}_rows as {_select(contract, [folder / n for n in names])}"
    )
    con.execute(
        f"""create or replace view staging.{ds} as
select s.* from staging.{ds}_rows as s
where exists (
    select 1 from audit.source_files as f where f.file_id = s.file_id and f.status = 'loaded'
)"""
    )


def record_partition(
    con: duckdb.DuckDBPyConnection, contract: Contract, file_id: str, name: str
) -> None:
    """Make ``name`` the partition of the file version (inside the caller's transaction)."""
    replace_row(
        con,
        "staging.partitions",
        {"dataset": contract.dataset, "file_id": file_id, "partition_name": name},
    )
    refresh_views(con, contract)


def drop_partitions(con: duckdb.DuckDBPyConnection, dataset: str, file_ids: Iterable[str]) -> None:
    """The file versions' staged rows no longer count (retired, failed, staged again). Their
    files stay until the next publish (``remove_unused``): the last publication may read them."""
    file_ids = list(file_ids)
    if not file_ids:
        return
    con.execute("delete from staging.partitions where file_id in ?", [file_ids])
    refresh_views(con, load_contract(dataset))


def remove_unused(con: duckdb.DuckDBPyConnection, datasets: Iterable[str]) -> int:
    """Delete the partition files that neither the warehouse nor (so) its new publication
    names: earlier passes, retired versions, and the leftovers of killed runs. Called when the
    warehouse has just been published. Returns how many were removed."""
    if not con.execute(
        "select 1 from information_schema.tables "
        "where table_schema = 'staging' and table_name = 'partitions'"
    ).fetchall():
        return 0  # a warehouse where nothing was ever staged
    named = {n for (n,) in con.execute("select partition_name from staging.partitions").fetchall()}
    removed = 0
    for ds in datasets:
        folder = staged_folder(con, ds)
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.name not in named:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    return removed


def set_aside_damaged(con: duckdb.DuckDBPyConnection, contract: Contract) -> list[str]:
    """Partitions that cannot be read (cut short, overwritten by another program): each is
    dropped and its file version set back to ``landed``, so that the run stages it again from
    its raw snapshot. Returns one message per partition."""
    ds = contract.dataset
    ensure_partitions_table(con)
    folder = staged_folder(con, ds)
    messages = []
    for file_id, name in con.execute(
        "select file_id, partition_name from staging.partitions where dataset = ?", [ds]
    ).fetchall():
        parts = sorted((folder / name).glob(f"*{SUFFIX}"))
        problem = None if parts else f"{folder / name} is missing or empty"
        for part in parts:
            try:
                pl.read_parquet_schema(part)
            except Exception as e:  # a damaged file raises whatever the Parquet reader meets
                problem = f"{part.name}: " + (
                    str(e).splitlines()[0] if str(e) else type(e).__name__
                )
                break
        if problem is None:
            continue
        con.execute("delete from staging.partitions where file_id = ?", [file_id])
        con.execute(
            "update audit.source_files set status = 'landed' "
            "where file_id = ? and status = 'loaded'",
            [file_id],
        )
        messages.append(
            f"{ds}: the staged rows of file version {file_id} could not be read ({problem}); "
            "it is staged again from its raw snapshot"
        )
    if messages:
        refresh_views(con, contract)
    return messages


def migrate_table(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """A warehouse made when staging.<dataset>_rows was a table (before #28's partitions): the
    rows of each loaded file version become its partition, and the table goes."""
    ds = contract.dataset
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'staging' and table_name = ?",
        [f"{ds}_rows"],
    ).fetchall()
    if not kind or kind[0][0] != "BASE TABLE":
        return
    loaded = con.execute(
        f"select distinct s.file_id from staging.{ds}_rows as s join audit.source_files as f "
        "on f.file_id = s.file_id and f.status = 'loaded' order by 1"
    ).fetchall()
    for (file_id,) in loaded:
        writer = PartitionWriter(con, ds, file_id)
        # A result's reader, not a relation's: far faster in DuckDB 1.5.5 (assets/staging).
        rows = con.execute(
            f"select * exclude (file_id) from staging.{ds}_rows where file_id = ? "
            "order by row_number, source_column",
            [file_id],
        )
        # A part per 200,000 rows, as staging writes them: memory stays bounded.
        for batch in rows.to_arrow_reader(200_000):
            writer.write(pl.from_arrow(batch))
        replace_row(
            con,
            "staging.partitions",
            {"dataset": ds, "file_id": file_id, "partition_name": writer.finish()},
        )
    con.execute(f"drop view if exists staging.{ds}")
    con.execute(f"drop table staging.{ds}_rows")
