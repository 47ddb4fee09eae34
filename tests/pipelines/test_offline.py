"""No network at run time: the test suite's shared run of the embedded default (``seeded_home``,
tests/conftest.py) is `ecostat run` in a network namespace with no interface but loopback,
without the suite's own settings and with an empty user folder, so any download (a DuckDB
extension, a model, telemetry, a CDN) would fail it. The extensions alone:
tests/warehouse/test_engine.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import can_go_offline


def test_a_whole_run_of_the_embedded_default_needs_no_network(seeded_home: Path) -> None:
    if not can_go_offline():
        pytest.skip("this machine does not let a test cut its own network (unshare -rn)")
    # The shared run succeeded with no network: it published, reported and drew the dashboard.
    assert json.loads((seeded_home / "last_run.json").read_text(encoding="utf-8"))["run_id"]
    assert (seeded_home / "lake" / "catalog.sqlite").exists()
    assert not (seeded_home / "published").exists()  # no whole-file copy any more
    assert (seeded_home / "reports" / "dashboard.html").exists()
    assert (seeded_home / "reports" / "validation_report.html").exists()
