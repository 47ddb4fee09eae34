"""Landing folder -> raw snapshots (raw.<dataset>, see warehouse/raw.py) and audit.source_files.

A file is identified by its path inside ``landing/<dataset>/`` and the SHA-256 of its bytes:
- a (path, sha256) already recorded is skipped, whatever its status: re-runs change nothing;
- the same bytes under another path of the same dataset are recorded as a ``duplicate``;
- new bytes under a recorded path are a corrected version: the earlier version is marked
  ``superseded`` (its rows leave staging; raw and the audit log keep both versions);
- a file that cannot be read at all is recorded as ``failed`` with the error, and the other
  files go on.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from assets.ingest.read import (
    SubmissionError,
    column_map_of,
    read_submission,
)
from assets.ingest.take import NotReady, take
from contracts import Contract, SourceSpec, SpecProblem, spec_for
from contracts.vocabulary import Units
from warehouse import first_row, transaction
from warehouse.home import process_alive
from warehouse.keys import replace_row
from warehouse.raw import write_snapshot
from warehouse.staged import drop_partitions


@dataclass(frozen=True)
class LandedFile:
    """A file of landing/<dataset>/: as listed (``sha256`` empty, ``absolute`` in landing/), or
    as read (its SHA-256 and size, ``absolute`` the copy of the bytes read)."""

    dataset: str
    path: str  # relative to landing/<dataset>/
    absolute: Path
    sha256: str
    size_bytes: int

    @property
    def file_id(self) -> str:
        return hashlib.sha256(f"{self.dataset}/{self.path}\0{self.sha256}".encode()).hexdigest()[
            :16
        ]


@dataclass(frozen=True)
class FileRead:
    """What a run read of one landed file (a row of audit.file_reads, without run and path)."""

    outcome: str  # read | skipped | settling | changing | vanished
    size_bytes: int | None
    mtime_ns: int | None
    sha256: str | None
    message: str | None = None


@dataclass(frozen=True)
class IngestOutcome:
    path: str
    file_id: str
    status: str  # landed | failed | duplicate | skipped | waiting (not read: see read)
    rows_read: int | None = None
    error: str | None = None
    unmapped: tuple[str, ...] = ()  # headers the contract does not know (kept in raw.extra)
    read: FileRead | None = None  # how the file was read this run (None: not reached)


@dataclass(frozen=True)
class SkippedFile:
    """Something in ``landing/<dataset>/`` that is not read, and why."""

    dataset: str
    path: str
    reason: str

    @property
    def file_id(self) -> str:
        return hashlib.sha256(f"{self.dataset}/{self.path}\0skipped".encode()).hexdigest()[:16]


def _shown(rel: Path) -> str:
    """A path as the audit can store it: a name that is not valid UTF-8 (bytes a non-UTF-8
    system wrote) with those bytes escaped ("bad\\xff.csv"), so that it is recorded and read
    like any other file instead of stopping the dataset's ingest."""
    return os.fsencode(rel.as_posix()).decode("utf-8", errors="backslashreplace")


def landed_files(landing_dir: Path, dataset: str) -> tuple[list[LandedFile], list[SkippedFile]]:
    """Files waiting in ``landing/<dataset>/`` (sub-folders included), in path order, not read
    yet (``sha256`` empty: ingest_file reads each once), and what is there but not read: hidden
    files, spreadsheet lock files (~$book.xlsx), and links (to a file or a folder, the dataset's
    own folder included) that lead outside the landing folder, each with the reason."""
    root = landing_dir / dataset
    if not root.is_dir():
        return [], []
    inside = landing_dir.resolve()
    out, skipped = [], []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        shown = _shown(rel)
        if any(part.startswith(".") for part in rel.parts):
            if p.is_file():
                skipped.append(SkippedFile(dataset, shown, "a hidden file: not a submission"))
            continue
        if any(part.startswith("~$") for part in rel.parts):
            skipped.append(
                SkippedFile(dataset, shown, "a spreadsheet's lock file (the workbook is open)")
            )
            continue
        # A file reached through a link (itself, a folder above it, or the dataset's folder)
        # that leads out of the landing folder is not read: copy the file in instead. A link to
        # a folder below the dataset's is not walked into, so it is named here itself.
        target = p.resolve()
        if (p.is_symlink() or p.is_file()) and not target.is_relative_to(inside):
            skipped.append(
                SkippedFile(
                    dataset,
                    shown,
                    f"a link to {target}, outside the landing folder: copy the file in instead",
                )
            )
            continue
        if not p.is_file():
            continue
        out.append(LandedFile(dataset, shown, p, "", 0))
    return out, skipped


# The dataset of a file that is in no dataset's folder (in landing/ itself, or in a folder whose
# name is no dataset's): its path is then relative to landing/.
NO_DATASET = ""


def misplaced_files(landing_dir: Path, datasets: list[str]) -> list[SkippedFile]:
    """Files under ``landing/`` that no dataset reads: in landing/ itself, or in a folder that
    is no dataset's ("emission/", "Cleanup/"), each with where it belongs and, for a folder
    named nearly like a dataset's, which one was probably meant. Recorded as skipped, so that
    every file under landing/ is accounted for."""
    import difflib

    if not landing_dir.is_dir():
        return []
    where = ", ".join(f"{d}/" for d in datasets)
    out = []
    for top in sorted(landing_dir.iterdir()):
        if top.name in datasets and top.is_dir():
            continue
        if top.is_dir():
            near = difflib.get_close_matches(top.name.lower(), datasets, n=1, cutoff=0.6)
            hint = f"did you mean {near[0]}/? " if near else ""
            reason = (
                f"in landing/{top.name}/, which is no dataset's folder: {hint}move it into the "
                f"folder of its dataset ({where})"
            )
            found = [p for p in sorted(top.rglob("*")) if p.is_file()]
        else:
            reason = (
                "in landing/ itself, not in a dataset's folder: move it into the folder of its "
                f"dataset ({where})"
            )
            found = [top] if top.is_file() else []
        for p in found:
            rel = p.relative_to(landing_dir)
            why = (
                "a hidden file: not a submission"
                if any(part.startswith(".") for part in rel.parts)
                else reason
            )
            out.append(SkippedFile(NO_DATASET, _shown(rel), why))
    return out


def retire_skipped(con: duckdb.DuckDBPyConnection, dataset: str, still_there: list[str]) -> int:
    """Files recorded as skipped that are no longer there (moved into their folder, deleted)
    become ``removed``: the summary and the report then stop telling the user to move them.
    Returns how many."""
    params: list = [dataset, *still_there]
    keep = f"and path not in ({', '.join('?' * len(still_there))})" if still_there else ""
    (n,) = first_row(
        con,
        f"select count(*) from audit.source_files where dataset = ? and status = 'skipped' {keep}",
        params,
    )
    if n:
        con.execute(
            "update audit.source_files set status = 'removed' "
            f"where dataset = ? and status = 'skipped' {keep}",
            params,
        )
    return n


class ReadLog:
    """audit.file_reads for one run and dataset: what the run read of each file, as it read it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str, dataset: str) -> None:
        self.con, self.run_id, self.dataset = con, run_id, dataset

    def add(self, outcome: IngestOutcome) -> None:
        read = outcome.read
        if read is None:  # an error before the file was read: its record in source_files says so
            return
        self.con.execute(
            "insert into audit.file_reads (run_id, dataset, path, outcome, size_bytes, "
            "modified_at, sha256, message, read_at) "
            "values (?, ?, ?, ?, ?, make_timestamp_ns(?), ?, ?, ?)",
            [
                self.run_id,
                self.dataset,
                outcome.path,
                read.outcome,
                read.size_bytes,
                read.mtime_ns,
                read.sha256,
                read.message,
                _now(),
            ],
        )

    def skipped(self, absolute: Path, path: str, reason: str) -> None:
        """A file that is not a submission, with its state as listed (so that the check for
        changes knows it was seen)."""
        try:
            st = absolute.stat()
            size, mtime_ns = st.st_size, st.st_mtime_ns
        except OSError:
            size = mtime_ns = None
        self.add(
            IngestOutcome(
                path, "", "skipped", read=FileRead("skipped", size, mtime_ns, None, reason)
            )
        )


def record_skipped(con: duckdb.DuckDBPyConnection, skipped: SkippedFile, run_id: str) -> bool:
    """Record a file that is not read, once (re-runs change nothing; one that was gone and is
    back is recorded again). Returns whether it is new."""
    seen = first_row(
        con, "select status from audit.source_files where file_id = ?", [skipped.file_id]
    )
    if seen and seen[0] != "removed":
        return False
    _insert_record(
        con,
        {
            "file_id": skipped.file_id,
            "dataset": skipped.dataset,
            "path": skipped.path,
            "sha256": "",  # not read
            "status": "skipped",
            "error": skipped.reason,
            "landed_at": _now(),
            "run_id": run_id,
        },
    )
    return True


# A large file's rows pass through a spill folder <spill root>/ecostat-ingest-<pid>-*/ on their
# way into raw (see assets/ingest/stream.py); a run that is killed leaves it behind.
SPILL_PREFIX = "ecostat-ingest-"


def clear_stale_spills(spill_root: Path) -> list[Path]:
    """Remove the spill folders of processes that no longer run (a killed run's). Returns them."""
    removed = []
    for folder in spill_root.glob(f"{SPILL_PREFIX}*") if spill_root.is_dir() else []:
        pid = folder.name.removeprefix(SPILL_PREFIX).split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _record(f: LandedFile, run_id: str) -> dict:
    """The audit.source_files fields every landed file version has."""
    return {
        "file_id": f.file_id,
        "dataset": f.dataset,
        "path": f.path,
        "sha256": f.sha256,
        "size_bytes": f.size_bytes,
        "landed_at": _now(),
        "run_id": run_id,
    }


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    listed: LandedFile,
    contract: Contract,
    specs: list[SourceSpec],
    units: Units,
    run_id: str,
    spill_root: Path | None = None,
    settle_s: float = 0.0,
    problems: Sequence[SpecProblem] = (),
) -> IngestOutcome:
    """Read one listed file once (assets/ingest/take.py), record it and keep its raw rows as
    the file version's snapshot. What is staged is exactly the bytes that were hashed."""
    # A large CSV file is read in a stream into a Parquet file in the spill folder, which DuckDB
    # then loads in a stream too: memory stays flat however large the file.
    spill_root = spill_root or Path(tempfile.gettempdir())
    spill_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(
        prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=spill_root
    ) as spill:
        try:
            taken = take(
                listed.absolute,
                Path(spill),
                settle_s,
                wanted=lambda sha: _wanted(con, listed, sha),
            )
        except NotReady as e:
            return IngestOutcome(
                listed.path,
                listed.file_id,
                "waiting",
                error=str(e),
                read=FileRead(e.outcome, e.size, e.mtime_ns, None, str(e)),
            )
        read = FileRead("read", taken.size_bytes, taken.mtime_ns, taken.sha256)
        f = replace(
            listed,
            sha256=taken.sha256,
            size_bytes=taken.size_bytes,
            absolute=taken.copy or listed.absolute,
        )
        return replace(
            _ingest_taken(con, f, contract, specs, units, run_id, Path(spill), problems),
            read=read,
        )


def _wanted(con: duckdb.DuckDBPyConnection, f: LandedFile, sha256: str) -> bool:
    """Whether a file version's rows must be read: not when it is recorded already (a failed
    one is read again), nor when the same bytes are loaded under another path."""
    seen = first_row(
        con,
        "select status from audit.source_files where dataset = ? and path = ? and sha256 = ?",
        [f.dataset, f.path, sha256],
    )
    if seen:
        return seen[0] == "failed"
    return not first_row(
        con,
        "select 1 from audit.source_files where dataset = ? and sha256 = ? and status in ('landed', 'loaded')",
        [f.dataset, sha256],
    )


def _ingest_taken(
    con: duckdb.DuckDBPyConnection,
    f: LandedFile,
    contract: Contract,
    specs: list[SourceSpec],
    units: Units,
    run_id: str,
    spill: Path,
    problems: Sequence[SpecProblem] = (),
) -> IngestOutcome:
    """Record a file version that has been read (``f.absolute`` is the copy of what was read)."""
    seen = first_row(
        con,
        "select status from audit.source_files where dataset = ? and path = ? and sha256 = ?",
        [f.dataset, f.path, f.sha256],
    )
    if seen and seen[0] != "failed":
        return IngestOutcome(f.path, f.file_id, "skipped")
    # A file that failed is read again on every run: a source spec added since may fit it now.
    # If it still fails, its record is left as it is (re-runs change nothing).
    retry_of_failed = seen is not None

    record = _record(f, run_id)
    twin = first_row(
        con,
        "select path from audit.source_files where dataset = ? and sha256 = ? and status in ('landed', 'loaded')",
        [f.dataset, f.sha256],
    )
    if twin:
        record |= {
            "status": "duplicate",
            "error": f"same content as {twin[0]}, which is loaded",
            "rows_read": 0,
        }
        _insert_record(con, record)
        return IngestOutcome(f.path, f.file_id, "duplicate", 0, record["error"])

    held = next((p for p in problems if p.matches(f.dataset, Path(f.path).name)), None)
    if held is not None:
        # Read with another spec, or with none, the file would load with a layout nobody meant.
        message = (
            f"waits for its source spec {held.path.name} (match: {held.match}), which cannot "
            f"be used: fix the spec, and the next run reads this file. {held.message}"
        )
        if retry_of_failed:
            return IngestOutcome(f.path, f.file_id, "skipped", error=message)
        return record_failure(con, f, message, run_id, held.path.stem)
    spec = spec_for(f.dataset, Path(f.path).name, specs)
    record["source_spec"] = spec.name
    try:
        sub = read_submission(f.absolute, contract, spec, units, spill_dir=spill)
    except SubmissionError as e:
        if retry_of_failed:
            return IngestOutcome(f.path, f.file_id, "skipped", error=str(e))
        return record_failure(con, f, str(e), run_id, spec.name)
    rows_read = sub.rows_read
    record |= {
        "status": "landed",
        "encoding": sub.encoding,
        "delimiter": sub.delimiter,
        "sheet": sub.sheet,
        "header_row": sub.header_row,
        "column_map": column_map_of(sub, spec).to_json(),
        "rows_read": rows_read,
    }
    # The snapshot first, then the record that makes it seen (warehouse/raw.py: the view is
    # pointed at the recorded snapshots once per step, by the caller): a run killed in between
    # leaves a snapshot no view reads, written again by the next run.
    write_snapshot(
        con, contract.dataset, f.file_id, sub.rows_file if sub.rows is None else sub.rows
    )
    with transaction(con):
        _supersede(con, f, f.file_id)
        _insert_record(con, record)
    return IngestOutcome(f.path, f.file_id, "landed", rows_read, unmapped=tuple(sub.unmapped))


def record_failure(
    con: duckdb.DuckDBPyConnection,
    f: LandedFile,
    error: str,
    run_id: str,
    source_spec: str | None = None,
) -> IngestOutcome:
    """Record a file that could not be landed. It replaces earlier versions of the same path, so
    that a broken correction is visible rather than silently ignored."""
    record = _record(f, run_id) | {
        "source_spec": source_spec,
        "status": "failed",
        "error": error,
    }
    with transaction(con):
        _supersede(con, f, f.file_id)
        _insert_record(con, record)
    return IngestOutcome(f.path, f.file_id, "failed", None, error)


def _supersede(con: duckdb.DuckDBPyConnection, f: LandedFile, new_file_id: str) -> None:
    """Retire the earlier versions of the same path: out of staging, kept in raw and audit."""
    older = con.execute(
        "select file_id from audit.source_files where dataset = ? and path = ? and file_id <> ? "
        "and status in ('landed', 'loaded', 'failed')",
        [f.dataset, f.path, new_file_id],
    ).fetchall()
    drop_partitions(con, f.dataset, [old_id for (old_id,) in older])
    for (old_id,) in older:
        con.execute(
            "update audit.source_files set status = 'superseded', superseded_by = ? where file_id = ?",
            [new_file_id, old_id],
        )


def _insert_record(con: duckdb.DuckDBPyConnection, record: dict) -> None:
    # In place of its record: a file that failed before and is read again keeps one.
    replace_row(con, "audit.source_files", record)
