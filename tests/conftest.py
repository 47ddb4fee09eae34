"""Shared fixtures. Real public data is read from ../shared/data (never copied into the repo)."""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import duckdb
import pytest

from contracts.air import AirReference
from contracts.territories import TerritoryIndex
from contracts.vocabulary import Units
from warehouse.home import REPO_ROOT, SEEDS_DIR

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
REFERENCE = SEEDS_DIR / "reference"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Tests write a file and run at once: no settle time, except in the tests of it, which set it.
os.environ.setdefault("ECOSTAT_SETTLE_SECONDS", "0")


def pytest_configure(config: pytest.Config) -> None:
    """After the summary, the interpreter's shutdown noise goes where `ecostat`'s does."""
    from pipelines.cli import quiet_exit

    atexit.register(quiet_exit)


@pytest.fixture(scope="session")
def units() -> Units:
    return Units.from_csv(REFERENCE / "units.csv", REFERENCE / "scales.csv")


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def territories() -> TerritoryIndex:
    """The gazetteer as seeds/reference holds it."""
    return TerritoryIndex.from_rows(
        _rows("regions"), _rows("territory_names"), _rows("territory_codes")
    )


def air_reference(*stations: dict[str, str]) -> AirReference:
    """The air-quality reference as seeds/reference holds it, with ``stations`` added to the
    register (rows of air_quality_stations.csv)."""
    regions = _rows("regions")
    return AirReference.from_rows(
        _rows("air_quality_stations") + list(stations),
        _rows("air_quality_station_names"),
        {r["territory_id"]: r["parent_id"] or None for r in regions},
        {r["territory_id"]: r["country_code"] for r in regions},
        _rows("air_quality_pollutants"),
        _rows("air_quality_conversion_bases"),
        _rows("air_quality_standards"),
    )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(
            f"shared data not found at {SHARED_DATA}: tests expect ../shared/data beside the repo"
        )
    return SHARED_DATA


def read_published(home: Path) -> duckdb.DuckDBPyConnection:
    """The last publication of ``home``'s lake, read as analysts read it (warehouse/query.py:
    read-only, no other file reachable). The caller closes it."""
    from warehouse.home import Home
    from warehouse.query import connect_lake

    con, _ = connect_lake(Home(home))
    return con


def run_pipeline(home: Path, force: bool = True) -> bool:
    """Materialise every asset into ``home`` with a Dagster instance kept inside it. A real run
    even when nothing changed since the last (``--force``): tests that run twice mean it, and
    a test may change the code by monkeypatching, which the check for changes cannot see."""
    # Imported before ECOSTAT_HOME points at ``home``: the definitions built at import are for
    # the default home, so a test's home always gets definitions built for its run, from the
    # contracts in force then (a test may have patched them).
    import pipelines.definitions  # noqa: F401
    from pipelines.cli import main

    os.environ["ECOSTAT_HOME"] = str(home)
    try:
        return main(["run", "--force"] if force else ["run"]) == 0
    finally:
        del os.environ["ECOSTAT_HOME"]


@cache
def can_go_offline() -> bool:
    """Whether a command can be run in a network namespace of its own (``unshare -rn``: Linux,
    as root, which CI is, or where unprivileged user namespaces are allowed)."""
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


def offline(command: list[str]) -> list[str]:
    """``command`` with no network: in a namespace of its own, whose only interface, loopback,
    is down. Where that cannot be made (see :func:`can_go_offline`), ``command`` as it is."""
    return ["unshare", "-rn", *command] if can_go_offline() else command


def offline_env(home: Path, user_home: Path) -> dict[str, str]:
    """The environment of an offline ``ecostat`` in ``home``: without the settings the test
    suite makes for itself, and with a user folder of its own, so that no extension DuckDB may
    have cached in ~/.duckdb/ is found (every one must come from the environment's packages);
    the machine's cache kept for the dashboard's Vega bundle."""
    # ecostat's own settings, not the test suite's, must keep the libraries off the network.
    suite_only = ("GX_ANALYTICS_ENABLED", "DAGSTER_HOME", "ECOSTAT_HOME")
    return {
        **{k: v for k, v in os.environ.items() if k not in suite_only},
        "ECOSTAT_HOME": str(home),
        "HOME": str(user_home),
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache"),
    }


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home seeded with the embedded default data, after one full run.

    The run is `ecostat run` with no network (:func:`offline`), so every test of its outputs is
    also a test that a run needs none: no extension, model or file is fetched."""
    home = tmp_path_factory.mktemp("home")
    env = offline_env(home, tmp_path_factory.mktemp("user"))
    # As of the date its digest was written (tests/digests/as_of; `make digest` uses it too):
    # the marts show no year after a run's date, so a run of another year would differ.
    env["ECOSTAT_AS_OF"] = (REPO_ROOT / "tests" / "digests" / "as_of").read_text().strip()
    ecostat = str(Path(sys.executable).with_name("ecostat"))
    done = subprocess.run(
        offline([ecostat, "run", "--force"]), env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, (
        f"the pipeline run on the embedded default data failed:\n{done.stdout[-4000:]}"
        f"\n{done.stderr[-4000:]}"
    )
    return home


@pytest.fixture
def warehouse(seeded_home: Path):
    con = duckdb.connect(str(seeded_home / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture
def seeded_copy(seeded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of :func:`seeded_home` (sizes and modification times kept), for a test whose
    first run would be the embedded default's: its next run is that home's next run, on the
    same day (ECOSTAT_AS_OF as the seeded run's), without paying for a first run of its own."""
    home = tmp_path / "home"
    shutil.copytree(seeded_home, home, ignore=shutil.ignore_patterns("last_run.json"))
    monkeypatch.setenv(
        "ECOSTAT_AS_OF", (REPO_ROOT / "tests" / "digests" / "as_of").read_text().strip()
    )
    return home


@pytest.fixture
def fresh_home(tmp_path: Path) -> Path:
    """An empty data home whose landing folder holds a copy of the default submissions."""
    home = tmp_path / "home"
    shutil.copytree(SEEDS_DIR / "landing", home / "landing")
    return home


def mark_review(workbook: Path, marks) -> None:
    """Review a workbook written by `ecostat extract` as a person would: ``marks(row)`` gives,
    for each row (column -> cell), the cells to write (decision, an edited value)."""
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    sheet = book["candidates"]
    header = [c.value for c in sheet[1]]
    for r in range(2, sheet.max_row + 1):
        row = {h: sheet.cell(r, j + 1).value for j, h in enumerate(header)}
        for name, value in marks(row).items():
            sheet.cell(r, header.index(name) + 1).value = value
    book.save(workbook)
