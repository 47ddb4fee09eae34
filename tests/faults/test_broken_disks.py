"""A full disk (#27.4): the run that meets it says so in its last line, without a stack trace,
leaves no temporary file, and the next run, with space again, publishes everything."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.conftest import read_published
from tests.faults.invariants import check_invariants
from tests.faults.test_files_that_change import _csv, _run


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 96 MB tmpfs of its own (root only: mounting needs it): room for two runs' warehouse
    and their publications (DuckDB 1.5.5 files are about 15% larger than 2.0's were)."""
    if os.geteuid() != 0:
        pytest.skip("the full-disk test mounts a small tmpfs, which needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=96m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path, leave_bytes: int) -> Path:
    filler = disk / "filler"
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    with filler.open("wb") as f:
        f.truncate(0)
        block = b"\0" * 2**20
        remaining = max(0, free - leave_bytes)
        while remaining > 0:
            n = f.write(block[: min(len(block), remaining)])
            remaining -= n
    return filler


def test_a_run_on_a_full_disk_says_so_and_the_next_publishes(small_disk: Path, capsys) -> None:
    home = small_disk / "home"
    _csv(home / "landing" / "cleanup" / "first.csv", "Бишкек;2023-04-01;10")
    code, out = _run(home, capsys)
    assert code == 0, out
    _csv(home / "landing" / "cleanup" / "second.csv", "Ош;2023-04-01;7")
    filler = _fill(small_disk, leave_bytes=256 * 1024)
    code, out = _run(home, capsys)
    last = out.strip().splitlines()[-1]
    assert code == 1
    assert last.startswith(f"ecostat: the disk holding {home} is full (") and "MB free" in last
    assert "Traceback" not in out
    filler.unlink()
    code, out = _run(home, capsys)
    assert code == 0, out
    check_invariants(home)


def test_a_publication_the_disk_cannot_hold_leaves_the_last_one(
    small_disk: Path, tmp_path: Path
) -> None:
    """The lake on a full disk: the publication fails whole, readers keep reading the last one,
    and the next publication, with space again, is whole."""
    from warehouse import lake
    from warehouse.engine import connect
    from warehouse.home import Home
    from warehouse.query import connect_lake

    home = small_disk / "home"
    target = lake.Lake(Home(home).lake)

    def last_publication() -> tuple[tuple, str]:
        """The rows of marts.figures as readers see them, and the run that published them."""
        reader, which = connect_lake(Home(home))
        try:
            return reader.execute("select count(*) from marts.figures").fetchone(), which
        finally:
            reader.close()

    con = connect(tmp_path / "warehouse.duckdb")  # the warehouse on a disk with room
    con.execute("create schema marts")
    con.execute("create table marts.figures as select range as i from range(10)")
    lake.publish(con, target, "11111111-first")
    # Rows no compression makes small: more than the space left.
    con.execute(
        "create or replace table marts.figures as "
        "select range as i, md5(range::varchar) || md5((range + 1)::varchar) as filler "
        "from range(2000000)"
    )
    filler = _fill(small_disk, leave_bytes=1024 * 1024)
    with pytest.raises(duckdb.Error):
        lake.publish(con, target, "22222222-second")
    rows, which = last_publication()
    assert rows == (10,) and "run 11111111-first" in which
    filler.unlink()
    lake.publish(con, target, "33333333-third")
    rows, which = last_publication()
    assert rows == (2_000_000,) and "run 33333333-third" in which


@pytest.mark.parametrize("still_landed", [True, False], ids=["file in landing", "file gone"])
def test_a_damaged_raw_snapshot_is_set_aside_and_the_dataset_goes_on(
    tmp_path: Path, capsys, still_landed: bool
) -> None:
    """A snapshot cut short blocked its dataset for good ("Parquet" and no file named). Now it is
    moved aside, its file read again from landing/ when it is there (else marked failed, with
    what to do), and a new file of the dataset loads in the same run."""

    home = tmp_path / "home"
    first = _csv(home / "landing" / "cleanup" / "first.csv", "Бишкек;2023-04-01;10")
    assert _run(home, capsys)[0] == 0
    (snapshot,) = (home / "raw" / "cleanup").glob("*.parquet")
    snapshot.chmod(0o644)
    snapshot.write_bytes(snapshot.read_bytes()[:100])
    if not still_landed:
        first.unlink()
    _csv(home / "landing" / "cleanup" / "second.csv", "Ош;2023-04-01;7")
    code, out = _run(home, capsys)
    assert code == 0, out
    assert (home / "raw" / "cleanup" / "damaged" / snapshot.name).exists()
    con = read_published(home)
    try:
        files = dict(con.execute("select path, status from audit.source_files").fetchall())
        error = con.execute("select error from audit.source_files where path = 'first.csv'")
        error = error.fetchone()[0]
    finally:
        con.close()
    if still_landed:
        assert files == {"first.csv": "loaded", "second.csv": "loaded"}
    else:
        assert files == {"first.csv": "failed", "second.csv": "loaded"}
        assert "raw snapshot could not be read" in error and "land the file again" in error
    check_invariants(home)


def test_a_damaged_staged_partition_is_staged_again_from_its_snapshot(
    tmp_path: Path, capsys
) -> None:
    """A staged partition cut short (#28: staged rows are Parquet files now) would stop every
    reader of staging.<dataset>. Its file version is staged again from its raw snapshot by the
    next run, without its landing file, and the dataset's new file loads beside it."""

    home = tmp_path / "home"
    first = _csv(home / "landing" / "cleanup" / "first.csv", "Бишкек;2023-04-01;10")
    assert _run(home, capsys)[0] == 0
    (part,) = (home / "staged" / "cleanup").glob("*/*.parquet")
    part.chmod(0o644)
    part.write_bytes(part.read_bytes()[:100])
    first.unlink()  # the raw snapshot is enough
    _csv(home / "landing" / "cleanup" / "second.csv", "Ош;2023-04-01;7")
    code, out = _run(home, capsys)
    assert code == 0, out
    con = read_published(home)
    try:
        files = dict(con.execute("select path, status from audit.source_files").fetchall())
        staged = con.execute(
            "select territory_id, waste_collected_t from staging.cleanup order by 1"
        ).fetchall()
    finally:
        con.close()
    assert files == {"first.csv": "loaded", "second.csv": "loaded"}
    assert staged == [("KG-GB", 10.0), ("KG-GO", 7.0)]
    assert not part.parent.exists()  # the damaged pass is removed once the next is published
    check_invariants(home)


def test_a_disk_io_error_is_a_full_disk_only_when_the_disk_is_all_but_full(
    tmp_path: Path, monkeypatch
) -> None:
    """SQLite (Dagster's run storage) says "disk I/O error" when it cannot write its journal on
    a full disk; on a disk with room the same words mean something else and are not called a
    full disk."""
    import shutil

    from pipelines.commands import run as run_commands
    from warehouse.home import Home

    home = Home(tmp_path)
    error = ["OperationalError: (sqlite3.OperationalError) disk I/O error"]
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=200 * 2**20))
    assert run_commands.disk_full_line(home, error) is None
    assert run_commands.disk_full_line(home, ["OSError: [Errno 28] No space left on device"])
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=256 * 1024))
    line = run_commands.disk_full_line(home, error)
    assert line is not None and line.startswith(f"the disk holding {tmp_path} is full")
