"""What a user is told when the warehouse cannot be had (#27.13): damaged, said at once with how
to restore it; held by another program, said and waited for; a UI run in progress, waited for
by `ecostat reload` as by `ecostat run`, visibly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.faults.invariants import check_invariants
from tests.faults.test_files_that_change import _csv, _run


@pytest.fixture(scope="module")
def ran_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small home after one good run (copied by each test)."""
    home = tmp_path_factory.mktemp("ran") / "home"
    _csv(home / "landing" / "cleanup" / "first.csv", "Бишкек;2023-04-01;10")
    import pipelines.definitions  # noqa: F401
    from pipelines.cli import main

    os.environ["ECOSTAT_HOME"] = str(home)
    try:
        assert main(["run"]) == 0
    finally:
        del os.environ["ECOSTAT_HOME"]
    return home


def _copy(ran_home: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(ran_home, home)
    return home


def _main(home: Path, capsys, *argv: str) -> tuple[int, str]:
    from pipelines.cli import main

    os.environ["ECOSTAT_HOME"] = str(home)
    try:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out + captured.err
    finally:
        del os.environ["ECOSTAT_HOME"]


def test_a_damaged_warehouse_is_said_at_once_with_how_to_restore_it(
    ran_home: Path, tmp_path: Path, capsys
) -> None:
    """A truncated warehouse: the run worked 365 s and ended in "locked by another process".
    Now the first line says it is damaged and gives the command that restores it."""
    home = _copy(ran_home, tmp_path)
    warehouse = home / "warehouse.duckdb"
    with warehouse.open("r+b") as f:
        f.truncate(100_000)
    started = time.perf_counter()
    code, out = _main(home, capsys, "run", "--force")
    assert code == 2
    assert time.perf_counter() - started < 30  # at once: no lock wait (a bound, not a benchmark)
    assert f"the warehouse {warehouse} is damaged" in out
    assert "`ecostat restore`" in out and "Traceback" not in out
    code, out = _main(home, capsys, "restore")  # as the message says
    assert code == 0, out
    assert "Restored" in out and "kept as" in out
    (kept,) = home.glob("warehouse.duckdb.damaged-*")
    assert kept.stat().st_size == 100_000  # the damaged file, kept as it was
    restored = duckdb.connect(str(warehouse), read_only=True)
    try:  # the last publication's record of every file, whole
        assert restored.execute(
            "select count(*) from audit.source_files where rows_read <> rows_loaded + rows_rejected"
        ).fetchone() == (0,)
        assert restored.execute("select count(*) from audit.publications").fetchone()[0] >= 1
    finally:
        restored.close()
    code, out = _run(home, capsys, "--force")
    assert code == 0, out
    check_invariants(home)


_HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(warehouse: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(warehouse), str(seconds)], stdout=subprocess.PIPE
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    return holder


def test_reload_says_whom_it_waits_for_and_then_runs(
    ran_home: Path, tmp_path: Path, capsys
) -> None:
    """`ecostat reload` beside a program holding the warehouse waited silently and printed a
    traceback after 120 s. It says who holds it, waits, and runs when it is free."""
    home = _copy(ran_home, tmp_path)
    holder = _hold(home / "warehouse.duckdb", 3)
    try:
        code, out = _main(home, capsys, "reload")
    finally:
        holder.wait()
    assert code == 0, out
    assert f"The warehouse is held by process {holder.pid}" in out
    assert out.index("waiting for it") < out.index("will be staged again")
    check_invariants(home)


def test_a_warehouse_held_too_long_is_said_in_one_line(
    ran_home: Path, tmp_path: Path, capsys
) -> None:
    home = _copy(ran_home, tmp_path)
    holder = _hold(home / "warehouse.duckdb", 60)
    try:
        code, out = _main(home, capsys, "reload", "--wait-for-runs", "1")
    finally:
        holder.kill()
        holder.wait()
    assert code == 2
    last = out.strip().splitlines()[-1]
    assert last.startswith("ecostat reload: the warehouse") and "still held by process" in last
    assert "Traceback" not in out


def test_reload_waits_for_a_ui_run_visibly(ran_home: Path, tmp_path: Path, capsys) -> None:
    """`ecostat reload` while a UI run was in progress waited silently for 73 s."""
    import threading

    from tests.pipelines.test_queue import _instance, _started_run

    home = _copy(ran_home, tmp_path)
    instance = _instance(home)
    ui_run = _started_run(instance, {})
    threading.Timer(2.0, lambda: instance.report_run_failed(ui_run, message="ended")).start()
    code, out = _main(home, capsys, "reload")
    assert code == 0, out
    assert out.startswith(f"Waiting for run {ui_run.run_id[:8]}")
