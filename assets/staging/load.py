"""raw snapshots (raw.<dataset>) -> staging.<dataset> and audit.rejected_rows, one landed file at a time.

A file is staged all or nothing: its valid rows go chunk by chunk into a new Parquet partition
(warehouse/staged.py) and its rejections into audit.rejected_rows, and the file counts as staged
only when its status in audit.source_files turns ``loaded``, with its counts and its partition,
in the last commit. Core reads the rows of loaded files only. A file whose staging fails has its
partition and rejections removed and is marked ``failed`` with the error; the other files go on.
What an interrupted run (a killed process) left is never read, and replaced when the file is
staged again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import duckdb
import polars as pl

from assets.staging.validate import StagingOptions, stage
from contracts import Contract
from contracts.air import AirReference
from contracts.column_map import ColumnMap
from contracts.territories import TerritoryIndex
from contracts.vocabulary import Units
from warehouse import first_row, insert_frame, transaction
from warehouse.raw import snapshot_path, snapshot_rows
from warehouse.staged import PartitionWriter, drop_partitions, record_partition

# Source rows staged at a time (see stage_file).
CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class StageOutcome:
    path: str
    file_id: str
    status: str  # loaded | failed
    rows_read: int | None = None
    rows_loaded: int | None = None
    rows_rejected: int | None = None
    error: str | None = None


def options_from_column_map(column_map: ColumnMap) -> StagingOptions:
    """What staging takes from a file's column map: units of its headers, the source spec's
    constants, territory names, country and decimal separator."""
    return StagingOptions(
        decimal_separator=column_map.decimal_separator,
        units=column_map.units,
        constants=column_map.constants,
        territories=column_map.territories,
        country=column_map.country,
    )


def file_options(
    column_map: ColumnMap | None,
    contract: Contract,
    territories: TerritoryIndex,
    names: Callable[[str], Iterable[str]],
    reported_by: date | None,
) -> StagingOptions:
    """How one file is staged: the options of its column map, the country its territory names
    point to when neither its source spec nor its map names one (from all its rows at once: a
    chunk's rows alone might point elsewhere; ``names(column)`` gives them, asked only then),
    and the day it was reported."""
    options = options_from_column_map(column_map or ColumnMap())
    territory = next((c.name for c in contract.columns if c.type == "territory"), None)
    if territory is not None and options.country is None:
        options = replace(options, country=territories.file_country(names(territory)))
    if reported_by is not None:
        options = replace(options, reported_by=reported_by)
    return options


def stage_file(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    file_id: str,
    path: str,
    sheet: str | None,
    column_map: ColumnMap | None,
    units: Units,
    territories: TerritoryIndex,
    run_id: str,
    fingerprint: str | None = None,
    on_loaded: Callable[[StageOutcome], None] | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
    air: AirReference | None = None,
) -> StageOutcome:
    """Stage one landed file from raw, chunk by chunk; its status turns ``loaded``, with its
    counts and the fingerprint of the rules it was staged under, in the last commit.
    ``on_chunk(rows done, rows in all)`` is told after each chunk of a file of several."""
    ds = contract.dataset
    # The file version's own snapshot, not the view of all of them: a chunk reads one file.
    snapshot = snapshot_path(con, ds, file_id)
    if not snapshot.exists():
        raise FileNotFoundError(
            f"the raw snapshot of this file version is missing ({snapshot}): copy the file into "
            "landing/ again under a new name to land it again"
        )
    rows = snapshot_rows(contract, snapshot)
    landed = first_row(con, "select landed_at from audit.source_files where file_id = ?", [file_id])
    options = file_options(
        column_map,
        contract,
        territories,
        lambda column: rows.select(pl.col(column).drop_nulls().unique()).collect().to_series(),
        landed[0].date() if landed and landed[0] is not None else None,
    )
    first, last = (
        rows.select(
            pl.col("row_number").min().alias("first"), pl.col("row_number").max().alias("last")
        )
        .collect()
        .row(0)
    )
    # Rows are staged in chunks of source rows: no rule looks across rows, and a large file then
    # needs memory for a few chunks at a time. A chunk's rows are appended to the file's new
    # partition, its rejections committed on their own (DuckDB holds a transaction's new rows in
    # memory until it commits). While one chunk is validated, the next is read (Polars) and the
    # last written (Parquet, DuckDB) on threads of their own: the engines release the GIL, so
    # the work overlaps on two cores.
    starts = list(range(first, last + 1, CHUNK_ROWS)) if first is not None else [0]
    rows_read = rows_loaded = rows_rejected = 0
    html_removed: dict[str, int] = {}
    digits_read: dict[str, int] = {}
    clear_staged(con, ds, file_id)
    writer = con.cursor()
    partition = PartitionWriter(con, ds, file_id)

    def read(start: int) -> pl.DataFrame:
        chunk = snapshot_rows(contract, snapshot, (start, start + CHUNK_ROWS - 1))
        return chunk.sort("row_number").collect()

    def write(rows: pl.DataFrame, rejected: pl.DataFrame) -> None:
        partition.write(rows)
        with transaction(writer):
            insert_frame(writer, "audit.rejected_rows", rejected)

    try:
        with ThreadPoolExecutor(1) as reads, ThreadPoolExecutor(1) as writes:
            next_raw = reads.submit(read, starts[0])
            written: Future | None = None
            for i in range(len(starts)):
                raw = next_raw.result()
                if i + 1 < len(starts):
                    next_raw = reads.submit(read, starts[i + 1])
                result = stage(raw, contract, units, territories, options, air)
                rejected = result.rejections.with_columns(
                    file_id=pl.lit(file_id),
                    dataset=pl.lit(ds),
                    path=pl.lit(path),
                    sheet=pl.lit(sheet, dtype=pl.String),
                    run_id=pl.lit(run_id),
                )
                if written is not None:
                    written.result()  # one write in flight at most: memory stays bounded
                written = writes.submit(write, result.rows, rejected)
                rows_read += result.rows_read
                for column, n in result.html_removed.items():
                    html_removed[column] = html_removed.get(column, 0) + n
                for column, n in result.digits_read.items():
                    digits_read[column] = digits_read.get(column, 0) + n
                rows_loaded += result.rows_loaded
                rows_rejected += result.rows_rejected
                del raw, result, rejected
                if on_chunk is not None and len(starts) > 1:
                    on_chunk(rows_read, last - first + 1)
            if written is not None:
                written.result()
        name = partition.finish()
        outcome = StageOutcome(path, file_id, "loaded", rows_read, rows_loaded, rows_rejected)
        notes = "; ".join(
            [
                f"HTML taken out of {n} cell{'s' if n > 1 else ''} of {column}"
                for column, n in sorted(html_removed.items())
            ]
            + [
                f"digits of another script read as 0-9 in {n} cell{'s' if n > 1 else ''} "
                f"of {column}"
                for column, n in sorted(digits_read.items())
            ]
        )
        # The file's status, its counts and (on_loaded) the audit of the pass commit together:
        # a run killed in between leaves the file ``landed``, staged again by the next run,
        # never a loaded file whose pass went unrecorded.
        with transaction(con):
            con.execute(
                "update audit.source_files set status = 'loaded', rows_read = ?, "
                "rows_loaded = ?, rows_rejected = ?, loaded_at = ?, run_id = ?, "
                "rules_fingerprint = ?, notes = ? where file_id = ?",
                [
                    rows_read,
                    rows_loaded,
                    rows_rejected,
                    datetime.now(UTC).replace(tzinfo=None),
                    run_id,
                    fingerprint,
                    notes or None,
                    file_id,
                ],
            )
            record_partition(con, contract, file_id, name)
            if on_loaded is not None:
                on_loaded(outcome)
    except BaseException:
        partition.abandon()
        clear_staged(con, ds, file_id)
        raise
    finally:
        writer.close()
    return outcome


def clear_staged(con: duckdb.DuckDBPyConnection, dataset: str, file_id: str) -> None:
    """A file's staged rows and rejections no longer count: an earlier or a failed attempt's."""
    with transaction(con):
        drop_partitions(con, dataset, [file_id])
        con.execute("delete from audit.rejected_rows where file_id = ?", [file_id])


def record_stage_failure(
    con: duckdb.DuckDBPyConnection, file_id: str, path: str, error: str
) -> StageOutcome:
    con.execute(
        "update audit.source_files set status = 'failed', error = ? where file_id = ?",
        [error, file_id],
    )
    return StageOutcome(path, file_id, "failed", error=error)
