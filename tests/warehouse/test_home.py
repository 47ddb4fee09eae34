"""The data home: seeded once from seeds/, Dagster configured to stay offline and single-writer."""

from __future__ import annotations

from pathlib import Path

import yaml

from warehouse.home import REPO_ROOT, SEEDS_DIR, ensure_home, home_path


def test_an_empty_home_is_seeded_once(tmp_path: Path) -> None:
    home, seeded = ensure_home(tmp_path / "h")
    expected = sorted(
        p.relative_to(SEEDS_DIR / "landing").as_posix()
        for p in (SEEDS_DIR / "landing").rglob("*")
        if p.is_file()
    )
    assert sorted(seeded) == expected and any(s.startswith("emissions/") for s in seeded)
    assert home.warehouse == tmp_path / "h" / "warehouse.duckdb"
    (home.landing / expected[0]).unlink()
    _, again = ensure_home(tmp_path / "h")
    assert again == []  # a home with files is never re-seeded


def test_dagster_config_turns_telemetry_off_and_runs_one_at_a_time(tmp_path: Path) -> None:
    home, _ = ensure_home(tmp_path)
    config = yaml.safe_load((home.dagster / "dagster.yaml").read_text(encoding="utf-8"))
    assert config["telemetry"]["enabled"] is False
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1


def test_home_path_defaults_to_the_repositorys_data_whatever_the_current_directory(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert home_path({}) == REPO_ROOT / "data"
    assert home_path({"ECOSTAT_HOME": "here"}) == tmp_path / "here"  # as the user wrote it
    assert home_path({"ECOSTAT_HOME": "/x/y"}) == Path("/x/y")
