"""Air quality (#33): AirNow's hourly PM2.5 of the U.S. Embassy monitor in Bishkek
(../shared/data/airnow_bishkek_pm25_hourly/) loaded by its source spec alone, every row
accounted for, and the marts' daily means, exceedance days and heating-season means equal to a
recomputation written here from the raw files with the csv module (none of ecostat's code).

The recomputation states the rules it applies, the marts' rules as declared in
seeds/reference/: an hour counts when its QC name is Valid and its value is no missing mark;
a day has a mean with at least 18 valid hours; a complete day above 15 µg/m³ (WHO 2021, PM2.5,
24 h) is an exceedance day; the heating season runs from 15 October to 15 April (KG)."""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.staging.validate import StagingOptions, stage
from contracts import load_contract
from pipelines.cli import main
from tests.conftest import run_pipeline

AIRNOW = "airnow_bishkek_pm25_hourly"


def _raw_rows(folder: Path) -> dict[str, list[dict[str, str]]]:
    return {
        f.name: list(csv.DictReader(f.open(encoding="utf-8")))
        for f in sorted(folder.glob("AirBishkek*.csv"))
    }


@pytest.fixture(scope="module")
def airnow(shared_data: Path, tmp_path_factory) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    """A data home whose landing folder holds the five AirNow files, after one run."""
    folder = shared_data / AIRNOW
    home = tmp_path_factory.mktemp("air")
    (home / "landing" / "air_quality").mkdir(parents=True)
    for f in folder.glob("AirBishkek*.csv"):
        shutil.copy(f, home / "landing" / "air_quality" / f.name)
    assert run_pipeline(home), "the run of the AirNow files failed"
    return home, _raw_rows(folder)


def _landed(con) -> list[str]:
    """The AirNow files in the order they were landed (the order a preference between equal
    sources follows)."""
    return [
        Path(path).name
        for (path,) in con.execute(
            "select path from audit.source_files where dataset = 'air_quality' "
            "and status = 'loaded' order by landed_at, file_id"
        ).fetchall()
    ]


@pytest.fixture
def con(airnow):
    home, _ = airnow
    connection = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


def _loaded(row: dict[str, str]) -> bool:
    """A row loads unless its value is the missing mark or its QC name refuses it."""
    return row["QC Name"] not in ("Invalid", "Missing") and float(row["Raw Conc."]) != -999


def _counts(row: dict[str, str]) -> bool:
    """An hour counts in a mean when it loads and its QC name is Valid (not Suspect)."""
    return _loaded(row) and row["QC Name"] == "Valid"


def test_every_row_of_every_file_is_accounted_for(airnow, con) -> None:
    _, raw = airnow
    counted = {
        Path(path).name: (read, loaded, rejected)
        for path, read, loaded, rejected in con.execute(
            "select path, rows_read, rows_loaded, rows_rejected from audit.source_files "
            "where dataset = 'air_quality' and status = 'loaded'"
        ).fetchall()
    }
    by_rule = dict(
        con.execute(
            "select rule, count(distinct (path, row_number)) from audit.current_rejections "
            "where dataset = 'air_quality' group by rule"
        ).fetchall()
    )
    rows = [r for rs in raw.values() for r in rs]
    for name, file_rows in raw.items():
        loaded = sum(_loaded(r) for r in file_rows)
        assert counted[name] == (len(file_rows), loaded, len(file_rows) - loaded), name
    assert by_rule == {
        "missing_value": sum(float(r["Raw Conc."]) == -999 for r in rows),
        "refused_value": sum(r["QC Name"] in ("Invalid", "Missing") for r in rows),
    }
    assert sum(not _loaded(r) for r in rows) == sum(c[2] for c in counted.values())
    suspect = sum(_loaded(r) and r["QC Name"] == "Suspect" for r in rows)
    assert con.execute(
        "select count(*) from core.air_quality where qc_flag = 'suspect'"
    ).fetchone() == (suspect,)


def _recomputed_days(
    raw: dict[str, list[dict[str, str]]], landed: list[str]
) -> dict[date, tuple[int, float | None]]:
    """Each day's valid hours and, with 18 or more, their mean. An hour the files give twice
    (2019-03-10 03:00 twice in one file, 2022-01-01 01:00 in two) counts once: the row of the
    file landed first (``landed``: names in landing order), then the row first in it."""
    hours: dict[date, list[float]] = defaultdict(list)
    seen: set[date] = set()
    taken: set[str] = set()
    for name in landed:
        for r in raw[name]:
            if not _loaded(r) or r["Date (LT)"] in taken:
                continue
            taken.add(r["Date (LT)"])
            day = date.fromisoformat(r["Date (LT)"][:10])
            seen.add(day)  # a day with only suspect hours is measured, without a mean
            if _counts(r):
                hours[day].append(float(r["Raw Conc."]))
    return {
        d: (len(hours[d]), sum(hours[d]) / len(hours[d]) if len(hours[d]) >= 18 else None)
        for d in seen
    }


def test_daily_means_equal_a_recomputation_from_the_raw_files(airnow, con) -> None:
    _, raw = airnow
    want = _recomputed_days(raw, _landed(con))
    got = {
        day: (hours, mean)
        for day, hours, mean in con.execute(
            "select day, valid_hours, daily_mean from marts.air_quality_daily "
            "where station = 'U.S. Embassy Bishkek' and pollutant = 'pm25'"
        ).fetchall()
    }
    assert got.keys() == want.keys()
    assert got[date(2022, 1, 1)][0] == 24  # its 01:00 is in two files: one hour, counted once
    for day, (hours, mean) in want.items():
        assert got[day][0] == hours, day
        assert (got[day][1] is None) == (mean is None), day
        if mean is not None:
            assert got[day][1] == pytest.approx(mean, abs=1e-9), day


def test_a_days_mean_traces_to_its_hours_in_the_files(airnow, monkeypatch, capsys) -> None:
    home, _ = airnow
    monkeypatch.setenv("ECOSTAT_HOME", str(home))
    for mart in ("marts.air_quality_daily", "marts.air_quality_annual"):
        assert main(["trace", mart, "--limit", "1", "--json"]) == 0, mart
        (trace,) = json.loads(capsys.readouterr().out)
        assert trace["source_rows"], mart
        assert all(r["path"].startswith("AirBishkek") for r in trace["source_rows"])


def _in_heating_season(day: date) -> bool:
    return (day.month, day.day) >= (10, 15) or (day.month, day.day) <= (4, 15)


def test_exceedance_days_and_heating_season_means_equal_a_recomputation(airnow, con) -> None:
    _, raw = airnow
    days = _recomputed_days(raw, _landed(con))
    got = {
        year: row
        for year, *row in con.execute(
            "select year, days_complete, days_above_who, heating_season_mean, "
            "non_heating_season_mean, annual_mean from marts.air_quality_annual "
            "where pollutant = 'pm25'"
        ).fetchall()
    }
    assert sorted(got) == [2019, 2020, 2021, 2022, 2023]
    for year in got:
        complete = {d: m for d, (_, m) in days.items() if d.year == year and m is not None}
        heating = [m for d, m in complete.items() if _in_heating_season(d)]
        other = [m for d, m in complete.items() if not _in_heating_season(d)]
        days_complete, above, heating_mean, other_mean, annual = got[year]
        assert days_complete == len(complete), year
        assert above == sum(m > 15 for m in complete.values()), year
        assert heating_mean == pytest.approx(sum(heating) / len(heating), abs=1e-9), year
        if other:
            assert other_mean == pytest.approx(sum(other) / len(other), abs=1e-9), year
        else:
            assert other_mean is None
        days_in_year = 366 if year % 4 == 0 else 365
        if len(complete) >= 0.75 * days_in_year:
            assert annual == pytest.approx(sum(complete.values()) / len(complete), abs=1e-9)
        else:
            assert annual is None  # 2023: January to March only
    assert got[2023][4] is None and got[2020][4] is not None


def test_monthly_means_equal_a_recomputation(airnow, con) -> None:
    _, raw = airnow
    days = _recomputed_days(raw, _landed(con))
    got = {
        (year, month): (complete, mean)
        for year, month, complete, mean in con.execute(
            "select year, month, days_complete, monthly_mean from marts.air_quality_monthly "
            "where pollutant = 'pm25'"
        ).fetchall()
    }
    by_month: dict[tuple[int, int], list[float]] = defaultdict(list)
    for d, (_, m) in days.items():
        if m is not None:
            by_month[(d.year, d.month)].append(m)
    assert {k for k, (n, _) in got.items() if n} == set(by_month)
    for key, means in by_month.items():
        days_in_month = (date(key[0] + key[1] // 12, key[1] % 12 + 1, 1) - date(*key, 1)).days
        complete, mean = got[key]
        assert complete == len(means), key
        if len(means) >= 0.75 * days_in_month:
            assert mean == pytest.approx(sum(means) / len(means), abs=1e-9), key
        else:
            assert mean is None, key
    assert got[(2019, 2)][1] is not None  # from 6 February: 23 of 28 days, 82%


def _stage(rows: list[dict[str, str]], territories, units, **constants):
    raw = pl.DataFrame(
        [{"row_number": str(i), **r} for i, r in enumerate(rows, 2)],
    )
    return stage(
        raw,
        load_contract("air_quality"),
        units,
        territories,
        StagingOptions(decimal_separator=".", constants=constants),
    )


GOOD = {
    "territory": "Bishkek",
    "station": "Test station",
    "pollutant": "PM2.5",
    "time": "2023-01-01 01:00 AM",
    "value": "41.0",
    "unit_as_written": "UG/M3",
    "qc_flag": "Valid",
}


def test_a_bad_unit_a_time_that_never_was_and_a_missing_zone_each_get_a_clear_rejection(
    territories, units
) -> None:
    rows = [
        GOOD,
        {**GOOD, "value": "12", "unit_as_written": "ppb"},  # no declared conversion for PM2.5
        {**GOOD, "time": "2023-03-26 02:30", "timezone": "Europe/Chisinau"},  # clocks skip it
        {**GOOD, "time": "2023-10-29 02:30", "timezone": "Europe/Chisinau"},  # shown twice
        {**GOOD, "time": "2023-01-01 13:00", "timezone": "Asia/Bishek"},  # a typo
        {**GOOD, "time": "2023-01-01T13:00:00+06:00", "timezone": None},  # offset: no zone needed
        {**GOOD, "time": "yesterday"},
        {**GOOD, "value": "-15", "qc_flag": "Valid"},  # below a monitor's noise floor
        {**GOOD, "value": "-3", "qc_flag": "Valid"},  # within it: kept as measured
    ]
    for r in rows:
        r.setdefault("timezone", "Asia/Bishkek")
    result = _stage(rows, territories, units)
    rules = {
        (r["row_number"], r["rule"]): r["message"] for r in result.rejections.iter_rows(named=True)
    }
    assert sorted(k for k in rules) == [
        (3, "unknown_unit"),
        (4, "local_time_exists"),
        (5, "local_time_exists"),
        (6, "time_zone"),
        (8, "timestamp_format"),
        (9, "above_noise_floor"),
    ]
    assert "never happened in Europe/Chisinau" in rules[(4, "local_time_exists")]
    assert "happened twice in Europe/Chisinau" in rules[(5, "local_time_exists")]
    assert "Asia/Bishek is no IANA time zone" in rules[(6, "time_zone")]
    assert "below a monitor's noise floor of -10 µg/m³" in rules[(9, "above_noise_floor")]
    loaded = result.rows.sort("row_number")
    assert loaded.get_column("row_number").to_list() == [2, 7, 10]
    # 01:00 in Bishkek (UTC+6) is 19:00 UTC the day before; its local day stays 1 January.
    first = loaded.row(0, named=True)
    assert str(first["time"]) == "2022-12-31 19:00:00+00:00"
    assert str(first["period_start"]) == "2023-01-01"
    assert str(loaded.row(1, named=True)["time"]) == "2023-01-01 07:00:00+00:00"


def test_an_openaq_long_file_loads_by_its_source_spec_alone(tmp_path: Path) -> None:
    """OpenAQ's layout (written here, a few readings of our own): local times with their UTC
    offset, the country as territory, a gas in ppm refused until its conversion is declared."""
    from assets.staging.check import check_file
    from contracts import load_source_specs

    spec = next(s for s in load_source_specs() if s.name == "openaq_long")
    path = tmp_path / "openaq_location_8645.csv"
    head = (
        "location_id,location_name,parameter,value,unit,datetimeUtc,datetimeLocal,timezone,"
        "latitude,longitude,country_iso,isMobile,isMonitor,owner_name,provider\n"
    )
    row = "8645,US Diplomatic Post: Bishkek,{p},{v},{u},{utc},{local},Asia/Bishkek,42.8,74.6,KG,false,true,Unknown Governmental Organization,AirNow\n"
    path.write_text(
        head
        + row.format(p="pm25", v="48.0", u="µg/m³", utc="2023-01-01T19:00:00Z", local="2023-01-02T01:00:00+06:00")
        + row.format(p="pm25", v="51.5", u="µg/m³", utc="2023-01-01T20:00:00Z", local="2023-01-02T02:00:00+06:00")
        + row.format(p="no2", v="0.021", u="ppm", utc="2023-01-01T20:00:00Z", local="2023-01-02T02:00:00+06:00"),
        encoding="utf-8",
    )  # fmt: skip
    checked = check_file(path, load_contract("air_quality"), spec)
    assert (checked.rows_read, checked.rows_loaded, checked.rows_rejected) == (3, 2, 1)
    assert checked.by_rule.select("rule", "rows").rows() == [("unknown_unit", 1)]
    # What the offsets give is tested on staging itself above (row 7 of the bad-rows test).
