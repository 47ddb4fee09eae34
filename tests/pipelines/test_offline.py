"""No network at run time: the whole pipeline runs in a network namespace with no interface but
loopback, so any download (a DuckDB extension, a model, telemetry, a CDN) would fail the run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse.home import REPO_ROOT


def test_a_whole_run_of_the_embedded_default_needs_no_network(tmp_path: Path) -> None:
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], check=False).returncode != 0:
        pytest.skip("this machine does not let a test cut its own network (unshare -n)")
    # ecostat's own settings, not the test suite's, must keep the libraries off the network.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GX_ANALYTICS_ENABLED", "DAGSTER_HOME", "ECOSTAT_HOME")
    }
    env["ECOSTAT_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [unshare, "-n", str(Path(sys.executable).parent / "ecostat"), "run"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert ": SUCCESS in " in done.stdout
    assert (tmp_path / "home" / "reports" / "dashboard.html").exists()
