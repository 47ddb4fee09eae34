"""The benchmark's correctness at a small size (`make bench` measures; tests never time)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.generate import write
from bench.run import _megabytes, check, step


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    a = write("cleanup", 3_000, "ru", tmp_path / "a.csv")
    b = write("cleanup", 3_000, "ru", tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert sum(a["bad_rows"].values()) == 30 == sum(b["bad_rows"].values())
    text = (tmp_path / "a.csv").read_bytes().decode("cp1251")
    header, first = text.splitlines()[:2]
    assert header.startswith("Территория;Дата;Мероприятие;Участники, чел.;Собрано всего, т")
    assert re.search(r";\d{2}\.\d{2}\.\d{4};", first)  # dd.mm.yyyy
    assert re.search(r";\d{1,3} \d{3},\d{3};", text)  # space thousands, decimal comma


def test_every_generated_row_is_loaded_or_rejected_for_its_injected_reason(tmp_path: Path) -> None:
    for dataset, variant in (("cleanup", "ru"), ("cleanup", "utf8"), ("emissions", "ru")):
        generated = write(dataset, 2_000, variant, tmp_path / f"{dataset}_{variant}.csv")
        result = step("ecostat", path=generated["path"], dataset=dataset)
        assert result["success"], result
        assert check(result, generated) == [], (dataset, variant, result)
        # Each layer's steps are found in Dagster's event log (measured, never asserted on).
        expected = ["raw", "staging", "core"] + (["marts"] if dataset == "cleanup" else [])
        assert list(result["layers"]) == expected and all(result["layers"].values())


def test_the_alternative_rejects_the_same_rows(tmp_path: Path) -> None:
    from bench.generate import territories

    generated = write("cleanup", 2_000, "utf8", tmp_path / "c.csv")
    result = step("alternative", path=generated["path"], territories=territories())
    assert check(result, generated) == []


def test_both_limits_read_every_row_into_typed_columns(tmp_path: Path) -> None:
    """The two limits read the same file: every row, the bad cells as nulls (not dropped)."""
    generated = write("cleanup", 2_000, "utf8", tmp_path / "c.csv")
    polars, duckdb = (
        step("limit", path=generated["path"]),
        step("limit_duckdb", path=generated["path"]),
    )
    assert polars["rows"] == duckdb["rows"] == generated["rows"]


def test_the_whole_job_is_measured_and_accounts_for_every_row(tmp_path: Path) -> None:
    """The benchmark's whole-job step (defect #14.2): `ecostat run` on the embedded default plus
        a generated file succeeds, publishes, and the publication accounts for every row; so does
    the next day's run with a small file more."""
    generated = write("cleanup", 2_000, "ru", tmp_path / "c.csv")
    result = step("full_run", path=generated["path"])
    assert result["success"], result
    assert check(result, generated) == [], result
    assert result["findings"] and result["finding_cases"] >= result["findings"]
    assert result["peak_rss_mb"] > 0
    # The next day's two-row file is loaded by a second run of the same home.
    assert result["next_day_success"] and result["next_day_rows_loaded"] == 2, result


@pytest.mark.parametrize(
    ("size", "mb"), [("2GB", 2048), ("1500MB", 1500), ("2GiB", 2048), (" 3 gb ", 3072)]
)
def test_the_memory_bound_reads_duckdb_sizes(size: str, mb: float) -> None:
    assert _megabytes(size) == mb


def test_the_hourly_network_is_loaded_or_rejected_for_its_injected_reasons(tmp_path: Path) -> None:
    """The hourly case's generator (#33): six stations' year of three pollutants, read by the
    contract's aliases alone with its register as a home's overlay, as `ecostat check` reads a
    file: every hour loaded or refused for the reason injected (`make bench` runs the whole
    job on 100 stations x 5 years)."""
    from assets.staging.check import check_file
    from bench.generate import write_air_quality
    from contracts import SourceSpec, load_contract

    # A station in each city of the network, each in its own time zone.
    generated = write_air_quality(6, 1, tmp_path / "air.csv")
    assert generated["rows"] == 6 * 3 * 8_760
    overlay = tmp_path / "reference"
    overlay.mkdir()
    Path(generated["register"]).rename(overlay / "air_quality_stations.csv")
    checked = check_file(
        Path(generated["path"]),
        load_contract("air_quality"),
        SourceSpec(name="auto", dataset="air_quality"),
        overlay_dir=overlay,
    )
    assert checked.rows_read == generated["rows"]
    assert checked.rows_loaded + checked.rows_rejected == generated["rows"]
    assert dict(checked.by_rule.select("rule", "rows").rows()) == generated["bad_rows"]
