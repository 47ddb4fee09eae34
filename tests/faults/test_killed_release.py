"""kill -9 in the middle of a release (#27.8): the rows come back right, and so does the audit.
The resumed pass is recorded, with what it released, credited to the run that did it; the
killed run is credited nothing; every file balances."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import read_published
from tests.faults.invariants import check_invariants
from tests.faults.test_files_that_change import _csv, _run
from warehouse.home import REPO_ROOT

# Runs `ecostat run` and kills it (SIGKILL: no clean-up, no except, no finally) at one point of
# the staging of a file staged again.
_KILLED_RUN = """
import os, signal, sys
point = sys.argv[1]
import assets.staging.load as load
import assets.staging.release as release

def kill(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if point == "staging":  # after the pass began, before its rows are written
    load.stage = kill
elif point == "recording":  # rows written, the pass's audit not yet committed
    release.finish = kill
from pipelines.cli import main
sys.exit(main(["run"]))
"""


@pytest.mark.parametrize("point", ["staging", "recording"])
def test_a_release_killed_half_way_is_resumed_and_audited_right(
    tmp_path: Path, capsys, point: str
) -> None:
    home = tmp_path / "home"
    _csv(
        home / "landing" / "cleanup" / "a.csv",
        "Бишкек;2023-04-01;10",
        "Кузбас;2023-04-01;5",  # rejected: no such spelling, until the overlay below
        "Кузбас;2022-04-01;4",
    )
    code, out = _run(home, capsys)
    assert code == 0, out
    (home / "reference").mkdir()
    (home / "reference" / "territory_names.csv").write_text(
        "territory_id,name,language,source\nRU-KEM,Кузбас,ru,a test\n", encoding="utf-8"
    )
    import os

    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_RUN, point],
        cwd=REPO_ROOT,
        env={**os.environ, "ECOSTAT_HOME": str(home)},
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    code, out = _run(home, capsys)
    assert code == 0, out
    con = read_published(home)
    try:
        passes = con.execute(
            "select run_id, reason, rows_released, rows_rejected from audit.staging_passes "
            "where reason <> 'new file'"
        ).fetchall()
        released = con.execute(
            "select released_in_run, count(*) from audit.released_rows group by 1"
        ).fetchall()
        loaded = con.execute(
            "select status, rows_read, rows_loaded, rows_rejected from audit.source_files"
        ).fetchall()
        pending = con.execute(
            "select count(*) from audit.rejection_history where outcome is null"
        ).fetchone()[0]
    finally:
        con.close()
    assert loaded == [("loaded", 3, 3, 0)]
    ((run_id, reason, rows_released, rows_rejected),) = passes
    assert (reason, rows_released, rows_rejected) == ("interrupted pass resumed", 2, 0)
    assert released == [(run_id, 2)]  # the resumed run, not the killed one
    assert pending == 0
    check_invariants(home)
