"""The local profile's event log (warehouse/sqlite_storage.py): Dagster's SQLite event log with
its connections kept open. What it writes is what Dagster's own reads, from this process or
another, and it keeps no more than it says."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.errors import DagsterInvariantViolationError
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from warehouse.home import ensure_home
from warehouse.sqlite_storage import KEPT_DATABASES, KeptSqliteEventLogStorage


def _entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level="INFO",
        user_message=message,
        run_id=run_id,
        timestamp=0.0,
        step_key=None,
        job_name="j",
        dagster_event=None,
    )


def test_events_kept_are_read_by_dagsters_own_storage_and_engines_are_bounded(
    tmp_path: Path,
) -> None:
    kept = KeptSqliteEventLogStorage(str(tmp_path / "runs"))
    runs = [f"run-{i}" for i in range(KEPT_DATABASES + 3)]
    for run_id in runs:
        for n in range(3):
            kept.store_event(_entry(run_id, f"{run_id} {n}"))
    assert len(kept._engines) <= KEPT_DATABASES
    # Dagster's own storage, as another process would open it, reads every event.
    plain = SqliteEventLogStorage(str(tmp_path / "runs"))
    for run_id in runs:
        assert [e.user_message for e in plain.get_logs_for_run(run_id)] == [
            f"{run_id} {n}" for n in range(3)
        ]
    # ... and what the other writes, the kept connections read.
    plain.store_event(_entry(runs[-1], "from elsewhere"))
    assert kept.get_logs_for_run(runs[-1])[-1].user_message == "from elsewhere"
    kept.wipe()
    # The runs' databases closed, then deleted; the index (emptied, not deleted) in use again.
    assert set(kept._engines) <= {"index"} and not list((tmp_path / "runs").glob("run-*.db"))
    kept.store_event(_entry("after", "written after the wipe"))
    assert [e.user_message for e in kept.get_logs_for_run("after")] == ["written after the wipe"]
    kept.dispose()
    assert not kept._engines


def test_a_local_home_keeps_its_events_where_dagster_kept_them(tmp_path: Path, monkeypatch) -> None:
    """A home's instance uses the kept storage on Dagster's default folder, so the runs and
    events of a home written before are read as they were."""
    home, _ = ensure_home(tmp_path / "home")
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster))
    before = SqliteEventLogStorage(str(home.dagster / "history" / "runs"))
    before.store_event(_entry("earlier", "written by Dagster's own storage"))
    instance = dg.DagsterInstance.from_config(str(home.dagster))
    try:
        assert isinstance(instance.event_log_storage, KeptSqliteEventLogStorage)
        assert [e.user_message for e in instance.all_logs("earlier")] == [
            "written by Dagster's own storage"
        ]
    finally:
        instance.dispose()


def test_a_copied_home_opened_before_ecostat_rewrote_it_says_so(
    tmp_path: Path, monkeypatch
) -> None:
    """Its dagster.yaml names the first home's event folder: opening it says what to run, and
    writes nothing into the other home."""
    home, _ = ensure_home(tmp_path / "first")
    shutil.copytree(home.root, tmp_path / "copy")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "copy" / "dagster"))
    with pytest.raises(
        DagsterInvariantViolationError, match=r"copied or moved\. Run `ecostat init`"
    ):
        dg.DagsterInstance.get()
    ensure_home(tmp_path / "copy")  # what every ecostat command does first
    instance = dg.DagsterInstance.get()
    try:
        assert instance.event_log_storage._base_dir == str(
            (tmp_path / "copy" / "dagster" / "history" / "runs").resolve()
        )
    finally:
        instance.dispose()
