"""The warehouse resource: one writer at a time, readers wait for it or say clearly why not."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from warehouse.resources import Warehouse, WarehouseBusy

HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists t as select 1 as a")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold_lock(db: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_reader_waits_for_a_writer_in_another_process(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    proc = _hold_lock(db, 1.5)
    started = time.monotonic()
    with Warehouse(database=str(db), lock_timeout_s=30).read_connection() as con:
        assert con.execute("select a from t").fetchall() == [(1,)]
    assert time.monotonic() - started >= 0.5  # it did wait for the writer
    proc.wait(timeout=10)


def test_a_reader_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    proc = _hold_lock(db, 5)
    try:
        with (
            pytest.raises(WarehouseBusy, match="locked by another process"),
            Warehouse(database=str(db), lock_timeout_s=0.5).read_connection(),
        ):
            pass
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_a_failed_block_still_closes_the_connection(tmp_path: Path) -> None:
    wh = Warehouse(database=str(tmp_path / "w.duckdb"))
    with pytest.raises(RuntimeError), wh.get_connection() as con:
        con.execute("create table t as select 1 as a")
        raise RuntimeError("asset failed")
    # A read-only connection in the same process is refused while a read-write one is open.
    with wh.read_connection() as con:
        assert con.execute("select a from t").fetchall() == [(1,)]


def test_a_run_opens_the_warehouse_once_and_closes_it_at_the_end(
    tmp_path: Path, monkeypatch
) -> None:
    """Steps work on cursors of one connection held for the run; after the run the file is free."""
    import dagster as dg
    import duckdb

    import warehouse.resources as resources

    opened = []
    connect = duckdb.connect
    monkeypatch.setattr(
        resources.duckdb, "connect", lambda *a, **k: opened.append(a) or connect(*a, **k)
    )

    @dg.asset
    def first(warehouse: Warehouse) -> None:
        with warehouse.get_connection() as con:
            con.execute("create table t as select 1 as x")

    @dg.asset(deps=[first])
    def second(warehouse: Warehouse) -> None:
        with warehouse.get_connection() as con:
            con.execute("insert into t values (2)")
            assert con.sql("select current_setting('enable_progress_bar')").fetchall() == [(False,)]

    database = str(tmp_path / "w.duckdb")
    result = dg.materialize([first, second], resources={"warehouse": Warehouse(database=database)})
    assert result.success and len(opened) == 1
    # Closed at the end: this process may now open it with another configuration.
    with duckdb.connect(database, read_only=True) as con:
        assert con.sql("select sum(x) from t").fetchall() == [(3,)]
