"""Air quality (#33): AirNow's hourly PM2.5 of the U.S. Embassy monitor in Bishkek
(../shared/data/airnow_bishkek_pm25_hourly/) loaded by its source spec alone, every row
accounted for, and the marts' daily means, exceedance days and heating-season means equal to a
recomputation written here from the raw files with the csv module (none of ecostat's code).
Beside them in the same run: a hydrometeorological bulletin (days in columns, multiples of the
ПДК) and an OpenAQ file of a gas in ppm, both written here, with stations of the data home's
own register overlay.

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
from tests.conftest import REFERENCE, air_reference, run_pipeline

AIRNOW = "airnow_bishkek_pm25_hourly"


def _raw_rows(folder: Path) -> dict[str, list[dict[str, str]]]:
    return {
        f.name: list(csv.DictReader(f.open(encoding="utf-8")))
        for f in sorted(folder.glob("AirBishkek*.csv"))
    }


# The data home's own stations (a register overlay): two posts named "ПНЗ № 1" in two cities.
OVERLAY = (
    "station_id,name,territory_id,timezone,operator,kind,source\n"
    "test-novokuznetsk-1,ПНЗ № 1,RU-KEM/novokuznetsk,Asia/Novokuznetsk,ЦГМС,manual_post,test\n"
    "test-novokuznetsk-2,ПНЗ № 2,RU-KEM/novokuznetsk,Asia/Novokuznetsk,ЦГМС,manual_post,test\n"
    "test-kemerovo-1,ПНЗ № 1,RU-KEM/kemerovo,Asia/Novokuznetsk,ЦГМС,manual_post,test\n"
)
BULLETIN = "бюллетень_кузбасс_2023_01.csv"
# (city, post as written, pollutant, the 31 days' cells): a dash is a day without a value.
BULLETIN_ROWS = [
    ("Новокузнецк", "ПНЗ № 1", "PM10", ["0,4"] * 29 + ["-", "1,2"]),
    ("Новокузнецк", "ПНЗ №2", "PM2.5", ["0,8"] * 31),
    ("Кемерово", "ПНЗ № 1", "PM2.5", ["0,5"] * 31),
    ("Кемерово", "ПНЗ № 9", "PM2.5", ["0,5"] * 31),  # not in the register
]
OPENAQ = "openaq_location_8645_no2.csv"
OPENAQ_HEAD = (
    "location_id,location_name,parameter,value,unit,datetimeUtc,datetimeLocal,timezone,"
    "latitude,longitude,country_iso,isMobile,isMonitor,owner_name,provider\n"
)
OPENAQ_ROW = (
    "8645,US Diplomatic Post: Bishkek,no2,{v},ppm,2023-01-01T20:00:00Z,"
    "2023-01-02T02:00:00+06:00,Asia/Bishkek,42.8,74.6,KG,false,true,Unknown,AirNow\n"
)


def _write_bulletin(path: Path) -> None:
    """A Roshydromet-style bulletin of daily means in multiples of ПДК с.с., in Windows-1251:
    a title naming the month, then posts in rows and days in columns."""
    days = ";".join(str(d) for d in range(1, 32))
    lines = [
        "Среднесуточные концентрации взвешенных частиц, в долях ПДК с.с.",
        "Кемеровская область - Кузбасс, январь 2023 г.",
        f"Город;Пост;Примесь;{days}",
        *(f"{c};{p};{x};" + ";".join(v) for c, p, x, v in BULLETIN_ROWS),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="cp1251")


@pytest.fixture(scope="module")
def airnow(shared_data: Path, tmp_path_factory) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    """A data home whose landing folder holds the five AirNow files, a bulletin and an OpenAQ
    file, after one run."""
    folder = shared_data / AIRNOW
    home = tmp_path_factory.mktemp("air")
    landing = home / "landing" / "air_quality"
    landing.mkdir(parents=True)
    for f in folder.glob("AirBishkek*.csv"):
        shutil.copy(f, landing / f.name)
    (home / "reference").mkdir()
    (home / "reference" / "air_quality_stations.csv").write_text(OVERLAY, encoding="utf-8")
    _write_bulletin(landing / BULLETIN)
    (landing / OPENAQ).write_text(
        OPENAQ_HEAD + OPENAQ_ROW.format(v="0.021") + OPENAQ_ROW.format(v="0.5"), encoding="utf-8"
    )
    assert run_pipeline(home), "the run of the air-quality files failed"
    return home, _raw_rows(folder)


def _landed(con) -> list[str]:
    """The AirNow files in the order they were landed (the order a preference between equal
    sources follows)."""
    return [
        Path(path).name
        for (path,) in con.execute(
            "select path from audit.source_files where dataset = 'air_quality' "
            "and status = 'loaded' and path like 'AirBishkek%' order by landed_at, file_id"
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
            "where dataset = 'air_quality' and path like 'AirBishkek%' group by rule"
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
    assert sum(not _loaded(r) for r in rows) == sum(counted[name][2] for name in raw)
    suspect = sum(_loaded(r) and r["QC Name"] == "Suspect" for r in rows)
    assert con.execute(
        "select count(*) from core.air_quality where qc_flag = 'suspect'"
    ).fetchone() == (suspect,)
    assert con.execute(
        "select count(*) from core.air_quality where source_path like 'AirBishkek%' "
        "and station_id = 'kg-bishkek-us-embassy'"
    ).fetchone() == (sum(_loaded(r) for r in rows),)


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
            "where station_id = 'kg-bishkek-us-embassy' and pollutant = 'pm25'"
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
        landed = {f.name for f in (home / "landing" / "air_quality").iterdir()}
        assert {r["path"] for r in trace["source_rows"]} <= landed


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
            "where station_id = 'kg-bishkek-us-embassy' and pollutant = 'pm25'"
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
    # marts.region_year_indicators puts the complete years beside the other figures of Bishkek.
    indicators = {
        (year, indicator.removeprefix("air_quality_pm25_")): value
        for year, indicator, value in con.execute(
            "select year, indicator, value from marts.region_year_indicators "
            "where territory_id = 'KG-GB' and dataset = 'air_quality'"
        ).fetchall()
    }
    assert {y for y, _ in indicators} == {2019, 2020, 2021, 2022}  # 2023 is a part year
    for year in (2019, 2020, 2021, 2022):
        _, above, heating_mean, other_mean, annual = got[year]
        assert indicators[(year, "days_above_who")] == above
        assert indicators[(year, "annual_mean_ugm3")] == pytest.approx(annual, abs=1e-9)
        assert indicators[(year, "heating_season_mean_ugm3")] == pytest.approx(heating_mean)
        assert indicators[(year, "non_heating_season_mean_ugm3")] == pytest.approx(other_mean)


def test_monthly_means_equal_a_recomputation(airnow, con) -> None:
    _, raw = airnow
    days = _recomputed_days(raw, _landed(con))
    got = {
        (year, month): (complete, mean)
        for year, month, complete, mean in con.execute(
            "select year, month, days_complete, monthly_mean from marts.air_quality_monthly "
            "where station_id = 'kg-bishkek-us-embassy' and pollutant = 'pm25'"
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


# Stations of a register written for the staging tests below (no zone of its own in the
# rows: "Test station" keeps Bishkek's; "ПНЗ № 1" is a post in two cities).
TEST_STATIONS = [
    {"station_id": "test", "name": "Test station", "territory_id": "KG-GB", "timezone": "Asia/Bishkek"},
    {"station_id": "nk-1", "name": "ПНЗ № 1", "territory_id": "RU-KEM/novokuznetsk", "timezone": "Asia/Novokuznetsk"},
    {"station_id": "nk-1b", "name": "ПНЗ N1", "territory_id": "RU-KEM/novokuznetsk", "timezone": "Asia/Novokuznetsk"},
    {"station_id": "km-1", "name": "ПНЗ № 1", "territory_id": "RU-KEM/kemerovo", "timezone": "Asia/Novokuznetsk"},
]  # fmt: skip


def _stage(rows: list[dict[str, str]], territories, units, **constants):
    raw = pl.DataFrame(
        [{"row_number": str(i), **r} for i, r in enumerate(rows, 2)],
    ).cast(pl.String)  # as ingest gives them: text, a column of empty cells too
    return stage(
        raw,
        load_contract("air_quality"),
        units,
        territories,
        StagingOptions(decimal_separator=".", constants=constants),
        air_reference(*TEST_STATIONS),
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
        dict(GOOD),
        {**GOOD, "value": "12", "unit_as_written": "ppb"},  # particles: no molar mass
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
        (3, "unit_convertible"),
        (4, "local_time_exists"),
        (5, "local_time_exists"),
        (6, "time_zone"),
        (8, "timestamp_format"),
        (9, "above_noise_floor"),
    ]
    assert (
        "pm25 is a mass of particles: a value in ppb cannot become µg/m³"
        in rules[(3, "unit_convertible")]
    )
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


def test_a_station_is_found_in_the_register_within_its_territory(territories, units) -> None:
    """A station unknown to the register, one registered in another city and one whose name
    names two stations there each get a clear rejection; a post named in either spelling and a
    local time without a zone (the station's is taken) load."""
    post = {**GOOD, "territory": "Новокузнецк", "pollutant": "PM10", "time": "2023-01-05 00:00"}
    post |= {"averaging": "24h", "value": "0.5", "unit_as_written": "ПДК с.с."}
    rows = [
        {**GOOD, "station": "Nowhere"},  # not in the register
        {**GOOD, "station": "ПНЗ № 1"},  # in Novokuznetsk and Kemerovo, not in Bishkek
        {**post, "station": "ПНЗ №1"},  # two posts of Novokuznetsk: "ПНЗ № 1" and "ПНЗ N1"
        {**post, "station": "ПНЗ № 1", "territory": "Кемерово"},  # one post: loads
        {**GOOD, "station": "test station"},  # another spelling of case: loads
        {**post, "station": "ПНЗ № 1", "territory": "Кемерово", "pollutant": "NO2"},  # no ПДК
        {**GOOD, "station": "Test station", "pollutant": "NO2", "unit_as_written": "ppb"},
        {**GOOD, "station": "Test station", "pollutant": "NO2", "unit_as_written": "ppb", "temperature_basis": "30C"},
    ]  # fmt: skip
    result = _stage(rows, territories, units)
    rules = {
        (r["row_number"], r["rule"]): r["message"] for r in result.rejections.iter_rows(named=True)
    }
    assert sorted(rules) == [
        (2, "known_station"),
        (3, "known_station"),
        (4, "known_station"),
        (7, "unit_convertible"),
        (9, "allowed_value"),
    ]
    assert "station Nowhere is not in the station register: add it" in rules[(2, "known_station")]
    assert "air_quality_stations.csv" in rules[(2, "known_station")]
    assert (
        "is in RU-KEM/kemerovo, RU-KEM/novokuznetsk in the register, not in KG-GB"
        in rules[(3, "known_station")]
    )
    assert "names 2 stations in RU-KEM/novokuznetsk (nk-1, nk-1b)" in rules[(4, "known_station")]
    assert "no limit of RU for no2 is declared" in rules[(7, "unit_convertible")]
    loaded = {r["row_number"]: r for r in result.rows.iter_rows(named=True)}
    assert sorted(loaded) == [5, 6, 8]
    assert (loaded[5]["station_id"], loaded[6]["station_id"]) == ("km-1", "test")
    # No zone in the row: the station's. Midnight in Novokuznetsk (UTC+7) is 17:00 UTC before.
    assert (loaded[5]["timezone"], str(loaded[5]["time"])) == (
        "Asia/Novokuznetsk",
        "2023-01-04 17:00:00+00:00",
    )
    assert (loaded[5]["value"], loaded[5]["value_unit"]) == (0.5, "pdk_ss")
    assert (loaded[8]["value_unit"], loaded[8]["temperature_basis"]) == ("ppb", "25C")


def test_a_day_of_the_month_gives_the_time_and_a_day_the_month_has_not_is_refused(
    territories, units
) -> None:
    day = {**GOOD, "time": None, "averaging": "24h", "month": "февраль 2024"}
    rows = [
        {**day, "day": "29"},  # a leap year
        {**day, "day": "30"},
        {**day, "day": "32"},
        {**day, "day": "3", "month": "2024"},  # a year, not a month
        {**day, "day": "3", "month": None},
    ]
    result = _stage(rows, territories, units)
    rules = {
        (r["row_number"], r["rule"]): r["message"] for r in result.rejections.iter_rows(named=True)
    }
    assert rules == {
        (3, "day_of_month"): "февраль 2024 has no day 30",
        (4, "day_of_month"): "32 is not a day of the month (1-31)",
        (5, "day_of_month"): "2024 is not one month (январь 2023, 2023-01)",
        (6, "day_of_month"): (
            "a day of the month needs its month: give month (a column, a source spec's "
            "constant or the file's title)"
        ),
    }
    (row,) = result.rows.iter_rows(named=True)
    assert (str(row["period_start"]), str(row["time"])) == (
        "2024-02-29",
        "2024-02-28 18:00:00+00:00",
    )


def _who_levels(pollutant: str) -> list[float]:
    return sorted(
        float(r["value_ugm3"])
        for r in _reference_rows("air_quality_standards")
        if r["standard"].startswith("who_2021")
        and r["averaging"] == "24h"
        and r["pollutant"] == pollutant
    )


def test_the_dashboard_draws_the_air_view_of_every_complete_day(airnow, con) -> None:
    """The air view holds every complete day with its WHO 2021 category (the levels
    recomputed here from the seeds' CSV) and draws the calendar and the years in Chromium,
    with no error and no request leaving the page."""
    from tests.browser import open_page, screenshot

    home, raw = airnow
    page = home / "reports" / "dashboard.html"
    text = page.read_text(encoding="utf-8")
    data = json.loads(
        text.split('id="dashboard-data">', 1)[1].split("</script>", 1)[0].replace("<\\/", "</")
    )["air"]
    embassy = [s["station_id"] for s in data["stations"]].index("kg-bishkek-us-embassy")
    days = {d[2]: (d[3], d[4]) for d in data["days"] if d[0] == embassy and d[1] == "pm25"}
    want = {d: m for d, (_, m) in _recomputed_days(raw, _landed(con)).items() if m is not None}
    assert set(days) == {d.isoformat() for d in want}
    levels = _who_levels("pm25")
    assert levels == [15, 25, 37.5, 50, 75]
    for day, mean in want.items():
        shown, category = days[day.isoformat()]
        assert abs(shown - mean) <= 0.05 + 1e-9, day  # to one decimal
        assert category == sum(mean > level for level in levels), day
    with open_page(page) as visit:
        visit.page.wait_for_selector("#air-chart[data-ready]", timeout=30_000)
        assert visit.page.get_attribute("#air-chart", "data-ready") == str(len(days))
        assert visit.page.locator("#air-chart svg").count() == 1
        screenshot(visit, "dashboard_air")
        # NO2 of the embassy (two hours from OpenAQ: no complete day, no WHO level declared).
        visit.page.select_option("#air-pollutant", "no2")
        visit.page.wait_for_selector('#air-chart[data-ready="0"]', state="attached", timeout=30_000)
        assert visit.page.is_visible("#air-empty")
        assert not visit.console_errors and not visit.external_requests


def _reference_rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_bulletin_and_a_gas_in_ppm_load_by_their_specs_and_become_ugm3(airnow, con) -> None:
    """The bulletin's records (a day column with a value; a dash gives none) and the OpenAQ
    rows are accounted for; each value becomes µg/m³ by the declared facts, recomputed here
    from the seeds' CSV: a multiple of Russia's ПДК с.с., a mixing ratio by NO2's molar mass
    at 25 °C."""
    counted = dict(
        ((Path(p).name), (read, loaded, rejected))
        for p, read, loaded, rejected in con.execute(
            "select path, rows_read, rows_loaded, rows_rejected from audit.source_files "
            "where dataset = 'air_quality' and status = 'loaded'"
        ).fetchall()
    )
    records = sum(sum(v not in ("", "-") for v in days) for *_, days in BULLETIN_ROWS)
    assert counted[BULLETIN] == (records, records - 31, 31)
    assert counted[OPENAQ] == (2, 2, 0)
    assert con.execute(
        "select distinct rule, value from audit.current_rejections where path = ?", [BULLETIN]
    ).fetchall() == [("known_station", "ПНЗ № 9")]
    limits = {
        r["pollutant"]: float(r["value_ugm3"])
        for r in _reference_rows("air_quality_standards")
        if r["country_code"] == "RU" and r["averaging"] == "24h"
    }
    got = {
        (station, pollutant, day.day): (value, ugm3, basis)
        for station, pollutant, day, value, ugm3, basis in con.execute(
            "select c.station_id, c.pollutant, c.period_start, c.value, c.value_ugm3, d.basis "
            "from core.air_quality as c join marts.air_quality_daily as d "
            "on d.station_id = c.station_id and d.pollutant = c.pollutant "
            "and d.day = c.period_start where c.source_path = ?",
            [BULLETIN],
        ).fetchall()
    }
    stations = {
        ("Новокузнецк", "ПНЗ № 1"): "test-novokuznetsk-1",
        ("Новокузнецк", "ПНЗ №2"): "test-novokuznetsk-2",
        ("Кемерово", "ПНЗ № 1"): "test-kemerovo-1",
    }
    want = {
        (stations[(city, post)], pollutant.replace(".", "").lower(), d): float(v.replace(",", "."))
        for city, post, pollutant, days in BULLETIN_ROWS
        if (city, post) in stations
        for d, v in enumerate(days, 1)
        if v not in ("", "-")
    }
    assert set(got) == set(want)
    for key, multiple in want.items():
        value, ugm3, basis = got[key]
        assert value == multiple and basis == "published_24h", key
        assert ugm3 == pytest.approx(multiple * limits[key[1]], abs=1e-9), key
    mass = {
        r["pollutant"]: r["molar_mass_g_mol"] for r in _reference_rows("air_quality_pollutants")
    }
    volume = {
        r["basis"]: r["molar_volume_l_mol"] for r in _reference_rows("air_quality_conversion_bases")
    }
    ppb = sorted(
        con.execute(
            "select value, value_unit, value_ugm3, station_id from core.air_quality "
            "where source_path = ? order by value",
            [OPENAQ],
        ).fetchall()
    )
    factor = float(mass["no2"]) / float(volume["25C"])
    assert [(v, u, s) for v, u, _, s in ppb] == [
        (21.0, "ppb", "kg-bishkek-us-embassy"),
        (500.0, "ppb", "kg-bishkek-us-embassy"),
    ]
    assert [r[2] for r in ppb] == pytest.approx([21 * factor, 500 * factor], abs=1e-9)


def test_an_openaq_long_file_loads_by_its_source_spec_alone(tmp_path: Path) -> None:
    """OpenAQ's layout (written here, a few readings of our own): local times with their UTC
    offset, the country as territory, a gas in ppm (converted), particles in ppm and a unit
    nobody declared refused."""
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
        + row.format(p="no2", v="0.021", u="ppm", utc="2023-01-01T20:00:00Z", local="2023-01-02T02:00:00+06:00")
        + row.format(p="pm10", v="0.021", u="ppm", utc="2023-01-01T20:00:00Z", local="2023-01-02T02:00:00+06:00")
        + row.format(p="pm10", v="80", u="particles/cm³", utc="2023-01-01T20:00:00Z", local="2023-01-02T02:00:00+06:00"),
        encoding="utf-8",
    )  # fmt: skip
    checked = check_file(path, load_contract("air_quality"), spec)
    assert (checked.rows_read, checked.rows_loaded, checked.rows_rejected) == (5, 3, 2)
    assert sorted(checked.by_rule.select("rule", "rows").rows()) == [
        ("unit_convertible", 1),
        ("unknown_unit", 1),
    ]
    # What the offsets give is tested on staging itself above (row 7 of the bad-rows test).
