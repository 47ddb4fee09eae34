"""End to end: the whole pipeline on the embedded default data, in temporary homes, checked
against hand computation and against the published figures in ../shared/data."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.cli import main
from tests.conftest import read_published, run_pipeline

# DOMAIN.md: Kyrgyz Republic 2023 clean-up results.
KG_2023_TOTAL = 3346.259
KG_2023_RECYCLABLE = 425.885 + 197 + 304.274  # plastic + glass + paper (no metal reported)
KG_POPULATION_2023 = 7_099_750  # World Bank SP.POP.TOTL, seeds/reference/population.csv


def _mart(con: duckdb.DuckDBPyConnection, territory: str, year: int) -> dict:
    rows = con.sql(
        "select * from marts.cleanup_comparison where territory_id = ? and year = ?",
        params=[territory, year],
    ).pl()
    assert rows.height == 1, f"no single mart row for {territory} {year}"
    return rows.row(0, named=True)


def test_kyrgyz_2023_row_matches_hand_computation(warehouse) -> None:
    row = _mart(warehouse, "KG", 2023)
    assert row["waste_collected_t"] == pytest.approx(KG_2023_TOTAL)
    assert row["participants"] == 345_000
    assert row["recyclable_share"] == pytest.approx(KG_2023_RECYCLABLE / KG_2023_TOTAL)
    assert row["unallocated_t"] == pytest.approx(0, abs=1e-9)  # the four parts add up exactly
    assert row["kg_per_participant"] == pytest.approx(KG_2023_TOTAL * 1000 / 345_000)
    assert row["population"] == KG_POPULATION_2023 and not row["population_is_nearest_year"]
    assert row["waste_t_per_1000_inhabitants"] == pytest.approx(
        KG_2023_TOTAL * 1000 / KG_POPULATION_2023
    )
    assert row["participants_per_1000_inhabitants"] == pytest.approx(
        345_000 * 1000 / KG_POPULATION_2023
    )


def test_kazakhstan_2022_keeps_the_unallocated_remainder(warehouse) -> None:
    row = _mart(warehouse, "KZ", 2022)
    assert row["waste_collected_t"] == pytest.approx(30_000)
    assert row["unallocated_t"] == pytest.approx(5_100)  # fractions add up to 24,900 t
    assert row["recyclable_share"] == pytest.approx((5_500 + 9_200 + 4_400 + 2_700) / 30_000)


def test_conflicting_sources_are_not_added_up_but_flagged(warehouse) -> None:
    row = _mart(warehouse, "KG", 2022)
    assert row["source_rows"] == 3
    assert row["waste_collected_t"] == pytest.approx(620.922)  # high confidence beats medium
    assert row["participants"] == 133_500  # equal confidence: the first loaded report
    assert row["conflicting_sources"]
    assert (
        "620.902 to 620.922" in row["conflict_note"] and "133500 to 133508" in row["conflict_note"]
    )


def test_a_campaign_report_crossing_a_year_is_in_no_yearly_figure(warehouse) -> None:
    # #31.1: Taza Qazaqstan's reports (1.414 Mt for Jan 2024 - Jun 2025, 1.1 Mt and 6.2 million
    # people for Apr 2024 - Apr 2025) cross a calendar year: Kazakhstan's 2025 is World Cleanup
    # Day's (12,000 t, 422,000 people), and the row names the two reports it leaves out.
    row = _mart(warehouse, "KZ", 2025)
    assert row["waste_collected_t"] == pytest.approx(12_000)
    assert row["participants"] == 422_000 and row["events_reported"] == 1
    assert row["multi_year_reports_left_out"] == 2
    assert row["kg_per_participant"] == pytest.approx(12_000 * 1000 / 422_000)
    assert "2024-01-01/2025-06-30 crosses a calendar year" in row["left_out_note"]


def test_volume_stays_volume_and_missing_inputs_are_null(warehouse) -> None:
    row = _mart(warehouse, "RU-SPE", 2025)
    assert row["volume_m3"] == pytest.approx(5_700) and row["waste_collected_t"] is None
    assert row["waste_t_per_1000_inhabitants"] is None
    assert row["population_year"] == 2024 and row["population_is_nearest_year"]
    district = _mart(warehouse, "KG-GB/leninsky", 2024)
    assert district["population"] is None and "no population" in district["per_capita_note"]


def test_mart_covers_at_least_five_territories_and_several_years(warehouse) -> None:
    territories, years = warehouse.execute(
        "select count(distinct territory_id), count(distinct year) from marts.cleanup_comparison"
    ).fetchall()[0]
    assert territories >= 5 and years >= 5
    countries = {
        r[0]
        for r in warehouse.execute(
            "select distinct country_code from marts.cleanup_comparison"
        ).fetchall()
    }
    assert countries == {"KG", "KZ", "RU"}


def test_every_file_balances(warehouse) -> None:
    files = warehouse.sql(
        "select file_id, dataset, path, status, rows_read, rows_loaded, rows_rejected from audit.source_files"
    ).pl()
    assert set(files.get_column("dataset")) == {
        "air_monitoring",
        "cleanup",
        "coal_usage",
        "eco_events",
        "emissions",
        "waste_facilities",
        "water_fees",
    }
    assert set(files.get_column("status")) == {"loaded"}
    for f in files.iter_rows(named=True):
        ds, fid = f["dataset"], f["file_id"]
        raw_rows = warehouse.execute(
            f"select count(*) from raw.{ds} where file_id = ?", [fid]
        ).fetchall()[0][0]
        staged = warehouse.execute(
            f"select count(*) from staging.{ds} where file_id = ?", [fid]
        ).fetchall()[0][0]
        rejected = warehouse.execute(
            "select count(distinct (row_number, source_column)) from audit.rejected_rows where file_id = ?",
            [fid],
        ).fetchall()[0][0]
        assert f["rows_read"] == f["rows_loaded"] + f["rows_rejected"] == raw_rows, f
        assert (staged, rejected) == (f["rows_loaded"], f["rows_rejected"]), f


def test_water_fee_revenue_in_usd_at_the_same_years_rate(warehouse, shared_data) -> None:
    rate = {
        (r["currency"], int(r["year"])): float(r["lcu_per_usd_period_avg"])
        for r in csv.DictReader(
            (shared_data / "wdi_fx_lcu_per_usd_kgs_kzt_rub.csv").open(encoding="utf-8")
        )
    }
    row = (
        warehouse.sql(
            "select * from marts.water_fee_revenue where territory_id = 'KG' and year = 2023"
        )
        .pl()
        .row(0, named=True)
    )
    assert (row["amount_lcu"], row["currency"]) == (392_900_000.0, "KGS")
    assert row["amount_usd"] == pytest.approx(392.9e6 / rate[("KGS", 2023)], rel=1e-6)
    assert row["usd_per_capita"] == pytest.approx(
        392.9e6 / rate[("KGS", 2023)] / KG_POPULATION_2023, rel=1e-6
    )
    partial = (
        warehouse.sql(
            "select * from marts.water_fee_revenue where territory_id = 'KG' and year = 2022"
        )
        .pl()
        .row(0, named=True)
    )
    assert partial["is_partial_period"] and partial["change_on_previous_year_pct"] is None
    assert "not comparable with full years" in partial["note"]
    ru = (
        warehouse.sql(
            "select * from marts.water_fee_revenue where territory_id = 'RU' and year = 2014 and fee_type = 'water_tax'"
        )
        .pl()
        .row(0, named=True)
    )
    assert ru["change_on_previous_year_pct"] == pytest.approx(100 * (2.2 / 2.48 - 1))
    assert ru["amount_usd"] == pytest.approx(2.2e9 / rate[("RUB", 2014)], rel=1e-6)


def test_rejections_name_file_row_column_rule_and_value(warehouse) -> None:
    rows = warehouse.execute(
        "select path, sheet, row_number, column_name, rule from audit.rejected_rows order by path, row_number"
    ).fetchall()
    assert rows == [
        ("bishkek_city_subbotniki_2019_2024.xlsx", "Субботники", 11, "period", "period_required"),
        ("bishkek_city_subbotniki_2019_2024.xlsx", "Субботники", 13, "*", "not_a_data_row"),
        # The markdown separator under the header and the broken one the council's table ends with.
        ("public_environmental_events_2017_2025.txt", None, 2, "*", "not_a_data_row"),
        ("public_environmental_events_2017_2025.txt", None, 16, "*", "not_a_data_row"),
        # Shymkent's sorting plant: the page gives no date, so the record cannot be placed in time.
        ("tko_scheme_facilities_2008_2027.csv", None, 18, "period", "period_required"),
    ]


def test_waste_capacity_counts_whole_facilities_once_and_rolls_up(warehouse) -> None:
    def capacity(territory: str, year: int, facility_type: str, status: str = "operating") -> dict:
        rows = warehouse.sql(
            "select * from marts.waste_capacity where territory_id = ? and year = ? and facility_type = ? and status = ?",
            params=[territory, year, facility_type, status],
        ).pl()
        assert rows.height == 1, (territory, year, facility_type, status)
        return rows.row(0, named=True)

    # ЭкоЛэнд after the reconstruction: 400 thousand t/year, not 400 + 360 (a line of it).
    kuzbass = capacity("RU-KEM", 2022, "sorting_complex")
    assert kuzbass["capacity_t_per_year"] == 400_000 and kuzbass["includes_subterritories"]
    # One plant's capacity is not Kuzbass's per inhabitant: its roll-up's coverage is unknown
    # (#31.5); the city's own figure keeps its per-capita value where there is a population.
    assert kuzbass["kg_per_inhabitant_per_year"] is None
    assert "coverage is unknown: no per-capita value" in kuzbass["note"]
    assert (
        capacity("RU-KEM", 2010, "sorting_complex")["capacity_t_per_year"] == 200_000
    )  # carried forward
    assert capacity("RU-KEM", 2026, "sorting_complex", "planned")["capacity_t_per_year"] == 350_000
    # Bishkek's waste-to-energy plant: 1,200 t/day, x 365 and flagged; counted for the country too.
    bishkek = capacity("KG-GB", 2025, "waste_to_energy")
    assert bishkek["capacity_t_per_year"] == 1200 * 365 and bishkek["capacity_includes_derived"]
    assert capacity("KG", 2025, "waste_to_energy")["includes_subterritories"]
    assert capacity("RU-SPE", 2023, "processing_complex")["capacity_t_per_year"] == 200_000
    assert capacity("RU-SPE", 2024, "processing_complex")["capacity_t_per_year"] == 600_000
    landfill = capacity("KZ-KUS", 2000, "landfill")  # a design capacity in t is not a throughput
    assert (
        landfill["capacity_t_per_year"] is None
        and landfill["facilities_without_annual_capacity"] == 1
    )


def test_seeds_are_true_to_the_published_figures(warehouse, shared_data) -> None:
    """Every figure in the embedded default data that cites a page of real_figures.csv has the
    value that page reported there."""
    measure = {
        "cleanup_waste_collected_total": "waste_collected_t",
        "cleanup_participants": "participants",
        "cleanup_participating_organisations": "organisations",
        "cleanup_events": "events_count",
        "cleanup_waste_collected_volume": "volume_m3",
        "cleanup_waste_collected_glass": "glass_t",
        "cleanup_waste_collected_plastic": "plastic_t",
        "cleanup_waste_collected_rubber": "rubber_t",
        "cleanup_waste_collected_paper": "paper_t",
        "cleanup_waste_collected_metal": "metal_t",
    }
    published: dict[tuple[str, str], set[float]] = {}
    with (shared_data / "real_figures.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["measure"] in measure:
                published.setdefault((r["source_ref"], measure[r["measure"]]), set()).add(
                    float(r["value"])
                )
    staged = warehouse.sql("select * from staging.cleanup where source_url is not null").pl()
    checked = 0
    for row in staged.iter_rows(named=True):
        for column in set(measure.values()):
            if row[column] is not None and (row["source_url"], column) in published:
                values = published[(row["source_url"], column)]
                assert any(abs(row[column] - v) < 1e-6 for v in values), (
                    row["source_url"],
                    column,
                    row[column],
                )
                checked += 1
    assert checked >= 25


def _table_digests(warehouse_path: Path) -> dict[str, tuple[int, str]]:
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        return {
            t: con.execute(
                f"select count(*), md5(coalesce(string_agg(x::varchar, '\n' order by x::varchar), '')) from {t} x"
            ).fetchall()[0]
            for (t,) in tables
        }
    finally:
        con.close()


def _results_by_run(warehouse_path: Path) -> list[set[tuple]]:
    """The check results of each run (run order), without run id and time."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        runs = con.execute(
            "select run_id from audit.validation_results group by run_id order by min(checked_at)"
        ).fetchall()
        return [
            set(
                con.execute(
                    "select target, check_name, engine, severity, passed, rows_checked, "
                    "rows_failed, failure_sample::varchar from audit.validation_results where run_id = ?",
                    [run],
                ).fetchall()
            )
            for (run,) in runs
        ]
    finally:
        con.close()


def test_a_second_run_changes_nothing(seeded_copy: Path) -> None:
    """Every table is identical after a second run, but for the run logs of check results, of
    files read and of publications, which gain the second run's: the same results as the
    first run's. (The first run is the session's, copied.)"""
    fresh_home = seeded_copy
    first = _table_digests(fresh_home / "warehouse.duckdb")
    assert run_pipeline(fresh_home)
    second = _table_digests(fresh_home / "warehouse.duckdb")
    run_log = "audit.validation_results"
    run_logs = {run_log, "audit.suite_runs", "audit.file_reads", "audit.publications"}
    assert {t: d for t, d in second.items() if t not in run_logs} == {
        t: d for t, d in first.items() if t not in run_logs
    }
    assert second[run_log][0] == 2 * first[run_log][0]
    # What each run read of the landing folder: the same files, read whole, each time.
    assert second["audit.file_reads"][0] == 2 * first["audit.file_reads"][0]
    assert (first["audit.publications"][0], second["audit.publications"][0]) == (1, 2)
    results = _results_by_run(fresh_home / "warehouse.duckdb")
    assert len(results) == 2 and results[0] == results[1]
    assert first["marts.cleanup_comparison"][0] > 0


def test_one_bad_file_does_not_stop_the_others(fresh_home: Path, capsys) -> None:
    landing = fresh_home / "landing" / "cleanup"
    (landing / "broken.xlsx").write_bytes(b"this is not a workbook")
    (landing / "empty.csv").write_bytes(b"")
    (landing / "typo.csv").write_text(
        "Территория;Дата;Собрано, т\nКузбасс;2019;10\nКузбас;2020;12\n", encoding="utf-8"
    )
    (fresh_home / "landing" / "water_fees" / "tariffs.csv").write_text(
        "Территория;Год;Вид платежа;Бюджет;Сумма\nКР;2022;плата за водопользование;республиканский бюджет;60 сом/м3\n",
        encoding="utf-8",
    )
    (landing / "extra_column.csv").write_text(
        "Территория;Дата;Собрано, т;Погода\nКР;2018;1;ясно\n", encoding="utf-8"
    )
    # A quote never closed (defect #14.3), a name that is not UTF-8 (#14.4), and what is there
    # but not a submission: a hidden file, a lock file, a link to a file outside landing/.
    (landing / "open_quote.csv").write_text(
        'Территория;Дата;Собрано, т\nКР;2016;1\nКузбасс;2016;"2\nБишкек;2016;3\nОш;2016;4\n',
        encoding="utf-8",
    )
    import os

    with open(os.path.join(os.fsencode(landing), b"bad\xff.csv"), "wb") as f:
        f.write("Территория;Дата;Собрано, т\nКР;2015;7\n".encode())
    (landing / ".notes.csv").write_text("Территория;Дата\n", encoding="utf-8")
    (landing / "~$book.xlsx").write_bytes(b"lock")
    outside = fresh_home / "elsewhere.csv"
    outside.write_text("Территория;Дата;Собрано, т\nКР;2014;9\n", encoding="utf-8")
    (landing / "linked.csv").symlink_to(outside)
    assert run_pipeline(fresh_home)
    out = capsys.readouterr().out
    assert "FAILED cleanup/broken.xlsx: not a readable Excel workbook" in out
    assert (
        "cleanup/extra_column.csv: 1 header not in the contract, kept in raw.cleanup.extra" in out
    )
    con = duckdb.connect(str(fresh_home / "warehouse.duckdb"), read_only=True)
    status = dict(
        con.execute(
            "select path, status from audit.source_files where dataset = 'cleanup'"
        ).fetchall()
    )
    assert status == {
        "bishkek_city_subbotniki_2019_2024.xlsx": "loaded",
        "kg_mnr_subbotniki_2019_2024.csv": "loaded",
        "kz_campaigns_2020_2025_en.csv": "loaded",
        "ru_regions_subbotniki_2016_2025.csv": "loaded",
        "broken.xlsx": "failed",
        "empty.csv": "failed",
        "typo.csv": "loaded",
        "extra_column.csv": "loaded",
        "open_quote.csv": "loaded",
        "bad\\xff.csv": "loaded",
        ".notes.csv": "skipped",
        "~$book.xlsx": "skipped",
        "linked.csv": "skipped",
    }
    assert "skipped cleanup/linked.csv: a link to" in out and "outside the landing folder" in out
    assert con.execute(
        "select rows_read, rows_loaded, rows_rejected from audit.source_files where path = 'open_quote.csv'"
    ).fetchall() == [(4, 1, 3)]
    quoted = con.execute(
        "select row_number, rule, message from audit.rejected_rows where path = 'open_quote.csv' and rule = 'unclosed_quote' order by row_number"
    ).fetchall()
    assert [(r, rule) for r, rule, _ in quoted] == [
        (3, "unclosed_quote"),
        (4, "unclosed_quote"),
        (5, "unclosed_quote"),
    ]
    assert all("a quote opened on line 3" in m for _, _, m in quoted)
    tariff = con.execute(
        "select rule, message from audit.rejected_rows where path = 'tariffs.csv'"
    ).fetchall()
    assert (
        tariff[0][0] == "unknown_unit" and "'сом/м3'" in tariff[0][1] and "tariff" in tariff[0][1]
    )
    extra = con.execute(
        "select extra from raw.cleanup r join audit.source_files f using (file_id) "
        "where f.path = 'extra_column.csv'"
    ).fetchall()
    assert extra == [('{"Погода":"ясно"}',)]
    errors = dict(
        con.execute("select path, error from audit.source_files where status = 'failed'").fetchall()
    )
    assert (
        "not a readable Excel workbook" in errors["broken.xlsx"] and "empty" in errors["empty.csv"]
    )
    rejected = con.execute(
        "select row_number, column_name, rule, value, message from audit.rejected_rows where path = 'typo.csv'"
    ).fetchall()
    assert len(rejected) == 1
    row_number, column, rule, value, message = rejected[0]
    assert (row_number, column, rule, value) == (3, "territory", "known_territory", "Кузбас")
    assert "did you mean 'Кузбасс' (RU-KEM)?" in message
    assert con.execute(
        "select count(*) from staging.cleanup where territory_id = 'RU-KEM' and year(period_end) = 2019 and waste_collected_t = 10"
    ).fetchall() == [(1,)]
    con.close()


def test_a_corrected_file_replaces_its_rows_and_the_log_keeps_both(seeded_copy: Path) -> None:
    fresh_home = seeded_copy  # after the first run, the session's, copied
    path = fresh_home / "landing" / "cleanup" / "kg_mnr_subbotniki_2019_2024.csv"
    text = path.read_bytes().decode("cp1251").replace("7 000;9 000;", "7 000;9 100;")
    path.write_bytes(text.encode("cp1251"))
    shutil.copy(
        fresh_home / "landing" / "cleanup" / "kz_campaigns_2020_2025_en.csv",
        fresh_home / "landing" / "cleanup" / "kz_campaigns_copy_en.csv",
    )
    assert run_pipeline(fresh_home)
    con = duckdb.connect(str(fresh_home / "warehouse.duckdb"), read_only=True)
    versions = con.execute(
        "select status, rows_read from audit.source_files where path = 'kg_mnr_subbotniki_2019_2024.csv' order by landed_at"
    ).fetchall()
    assert versions == [("superseded", 7), ("loaded", 7)]
    assert con.execute(
        "select waste_collected_t from marts.cleanup_comparison where territory_id = 'KG' and year = 2019"
    ).fetchall() == [(9100.0,)]
    assert con.execute(
        "select count(*) from staging.cleanup s join audit.source_files f using (file_id) where f.path like 'kg_mnr%'"
    ).fetchall() == [(7,)]
    dup = con.execute(
        "select status, error from audit.source_files where path = 'kz_campaigns_copy_en.csv'"
    ).fetchall()
    assert dup == [("duplicate", "same content as kz_campaigns_2020_2025_en.csv, which is loaded")]
    assert con.execute(
        "select count(*) from staging.cleanup where territory_id like 'KZ%'"
    ).fetchall() == [(8,)]
    con.close()


def test_the_cli_prints_a_summary_of_what_the_run_changed(
    fresh_home: Path, capsys, monkeypatch
) -> None:
    home = fresh_home.parent / "cli-home"
    monkeypatch.setenv("ECOSTAT_HOME", str(home))
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "Seeded the empty data home" in out
    assert "SUCCESS" in out
    assert "This run: 10 new files; 0 files as they were." in out
    assert "cleanup" in out and "marts.cleanup_comparison" in out
    assert str(home / "warehouse.duckdb") in out

    # New bytes under a loaded file's name: a new version, the other nine left as they were.
    changed = home / "landing" / "cleanup" / "kg_mnr_subbotniki_2019_2024.csv"
    changed.write_bytes(changed.read_bytes() + b"\n")
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "This run: 1 new version of a loaded file; 9 files as they were." in out


def test_coal_parts_that_do_not_add_up_are_flagged_with_the_numbers(warehouse) -> None:
    row = (
        warehouse.sql(
            "select * from marts.coal_and_emissions where territory_id = 'RU-KEM' and year = 2017"
        )
        .pl()
        .row(0, named=True)
    )
    # DOMAIN.md: 227.4 Mt against parts of 241.5 Mt; the firmer parts' sum is kept (#31.8).
    assert row["coal_production_reported_t"] == 227_400_000
    assert row["coal_production_parts_t"] == pytest.approx(241_500_000)
    assert row["coal_production_t"] == pytest.approx(241_500_000)
    assert row["production_parts_disagree"]
    assert "241,500,000 t" in row["note"] and "227,400,000 t" in row["note"]
    ok = warehouse.sql(
        "select production_parts_disagree from marts.coal_and_emissions where territory_id = 'RU-KEM' and year = 2018"
    ).fetchall()
    assert ok == [(False,)]


def test_coal_co2_is_estimated_with_stated_ipcc_defaults(warehouse) -> None:
    row = (
        warehouse.sql(
            "select * from marts.coal_and_emissions where territory_id = 'KG-GB' and year = 2023"
        )
        .pl()
        .row(0, named=True)
    )
    # 22 boilers off coal: 3,600 t; rank not reported, so other bituminous: 25.8 TJ/kt x 94.6 t/TJ.
    assert row["coal_use_reduction_t"] == 3_600
    assert row["estimated_co2_avoided_t"] == pytest.approx(3.6 * 25.8 * 94.6)
    assert "rank not reported, other bituminous assumed" in row["co2_estimate_note"]
    indicator = warehouse.sql(
        "select is_estimated, is_derived from marts.region_year_indicators "
        "where territory_id = 'KG-GB' and year = 2023 and indicator = 'coal_estimated_co2_avoided_t'"
    ).fetchall()
    assert indicator == [(True, True)]


def test_partial_years_and_heating_seasons_stay_out_of_calendar_year_figures(warehouse) -> None:
    kinds = dict(
        warehouse.execute(
            "select period_kind, count(*) from core.coal_usage group by period_kind"
        ).fetchall()
    )
    assert kinds["heating_season"] >= 5 and kinds["partial_year"] >= 5
    # January-August 2022 (143.9 Mt) is not a 2022 production figure; the year's figure is the
    # sum of its opencast and underground parts, reported for the whole year (#31.8).
    assert warehouse.execute(
        "select coal_production_t, coal_production_basis, coal_production_reported_t, "
        "other_period_figures from marts.coal_and_emissions "
        "where territory_id = 'RU-KEM' and year = 2022"
    ).fetchall() == [(223_600_000.0, "sum_of_parts", None, 3)]


def test_events_by_quarter_and_a_whole_year_kept_apart(warehouse) -> None:
    rows = {
        (r[0], r[1], r[2]): (r[3], r[4])
        for r in warehouse.execute(
            "select territory_id, period_label, event_type, events, participants from marts.events_activity"
        ).fetchall()
    }
    reports = dict(
        warehouse.execute(
            "select event_type, reports from marts.events_activity "
            "where territory_id = 'RU-KEM' and period_label = '2023-Q4'"
        ).fetchall()
    )
    # The council's six events of Q4 2023, by type (#14.14): six reports, none with a count of
    # events, so no count is made up (#31.6).
    assert reports == {"round_table": 2, "meeting": 2, "forum": 1, "conference": 1}
    assert all(rows[("RU-KEM", "2023-Q4", t)][0] is None for t in reports)
    assert rows[("RU-SPE", "2025-Q4", "clean_up")] == (136, 170_000)
    assert rows[("KG", "2023", "clean_up")] == (
        4,
        345_000,
    )  # four clean-up days, reported for the year
    purpose = warehouse.execute(
        "select purpose from core.eco_events where period_start = '2023-12-15'"
    ).fetchall()
    assert purpose == [
        ("Повестка: недропользование и природоохранное законодательство (п. 6 отчёта).",)
    ]  # HTML in the cell, plain text here


def test_scorecard_agrees_with_the_marts_it_reads(warehouse) -> None:
    kg = warehouse.sql(
        "select * from marts.region_scorecard where territory_id = 'KG' and year = 2023"
    ).pl()
    row = kg.row(0, named=True)
    assert row["cleanup_waste_collected_t"] == pytest.approx(KG_2023_TOTAL)
    # KG 2023 published the surface-water fee alone: another definition than all water-use
    # payments, so it is counted here and shown in region_year_indicators (#31.3).
    assert row["water_use_payments_usd"] is None and row["other_water_fee_figures"] == 1
    assert row["environmental_events"] == 4  # published: four clean-up days in one report
    ru = warehouse.sql(
        "select year, water_use_payments_usd, other_water_fee_figures from marts.region_scorecard "
        "where territory_id = 'RU' and year in (2013, 2014) order by year"
    ).fetchall()
    usd = warehouse.execute(
        "select amount_usd from marts.water_fee_revenue where territory_id = 'RU' and year = 2014 "
        "and fee_type = 'water_use_payments_total'"
    ).fetchall()[0][0]
    # 2013: the fee for federal water bodies and the water tax, two other definitions, never
    # summed nor put in the column; 2014: all water-use payments (13.48 bn RUB), and the tax.
    assert ru[0][1:] == (None, 2)
    assert ru[1][1] == pytest.approx(usd) and ru[1][2] == 1


def test_every_mart_covers_several_territories_and_years(warehouse) -> None:
    coverage = dict(
        (name, (t, y))
        for name, t, y in warehouse.execute(
            """select 'region_year_indicators', count(distinct territory_id), count(distinct year) from marts.region_year_indicators
               union all select 'waste_capacity', count(distinct territory_id), count(distinct year) from marts.waste_capacity
               union all select 'coal_and_emissions', count(distinct territory_id), count(distinct year) from marts.coal_and_emissions
               union all select 'events_activity', count(distinct territory_id), count(distinct year) from marts.events_activity
               union all select 'region_scorecard', count(distinct territory_id), count(distinct year) from marts.region_scorecard
               union all select 'cleanup_comparison', count(distinct territory_id), count(distinct year) from marts.cleanup_comparison
               union all select 'water_fee_revenue', count(distinct territory_id), count(distinct year) from marts.water_fee_revenue"""
        ).fetchall()
    )
    for name, (territories, years) in coverage.items():
        # Published water-fee revenue exists for two countries only in our sources (the rest are
        # tariffs); that mart is held to what the data can give.
        assert territories >= (2 if name == "water_fee_revenue" else 5), name
        assert years >= 3, name


NEW_LAYOUT = (
    "Отчёт района\n"
    "Район (как в отчёте);Дата акции;Мусор, кг;Сколько людей\n"
    "Кузбасс;21.09.2024;12 500;300\n"
    "Кузбасс;19.04.2025;9 800;250\n"
)
NEW_SPEC = """\
name: district_report_kg
dataset: cleanup
match: "district_report_*.csv"
header_row: 2
columns:
  "Район (как в отчёте)": territory
  "Дата акции": period
  "Мусор, кг": {column: waste_collected_t, unit: кг}
  "Сколько людей": participants
constants:
  source_title: "District clean-up report (test layout)"
"""


def test_a_new_layout_is_onboarded_with_one_yaml_file(fresh_home: Path) -> None:
    landing = fresh_home / "landing" / "cleanup"
    (landing / "district_report_2025.csv").write_text(NEW_LAYOUT, encoding="utf-8")
    assert run_pipeline(fresh_home)
    con = duckdb.connect(str(fresh_home / "warehouse.duckdb"), read_only=True)
    before = con.execute(
        "select status, error from audit.source_files where path = 'district_report_2025.csv'"
    ).fetchall()
    con.close()
    assert before[0][0] == "failed" and "no header row found" in before[0][1]

    (fresh_home / "sources" / "district_report_kg.yaml").write_text(NEW_SPEC, encoding="utf-8")
    assert run_pipeline(fresh_home)  # no code changed: the failed file is read again with its spec
    con = duckdb.connect(str(fresh_home / "warehouse.duckdb"), read_only=True)
    after = con.execute(
        "select source_spec, status, rows_read, rows_loaded from audit.source_files "
        "where path = 'district_report_2025.csv'"
    ).fetchall()
    assert after == [("district_report_kg", "loaded", 2, 2)]
    rows = con.execute(
        "select territory_id, waste_collected_t, participants, source_title from staging.cleanup s "
        "join audit.source_files f using (file_id) where f.path = 'district_report_2025.csv' order by row_number"
    ).fetchall()
    assert rows == [
        ("RU-KEM", 12.5, 300, "District clean-up report (test layout)"),
        ("RU-KEM", 9.8, 250, "District clean-up report (test layout)"),
    ]
    con.close()


WIDE_TABLE = "Регион;2019;2020;2021\nАтырауская область;164,5;153,9;160,3\nАлматинская область;48,1;;30,3\nАбай;;;\n"
WIDE_SPEC = """\
name: wide_regional_emissions
dataset: emissions
match: "wide_*.csv"
unpivot: {columns: "^(19|20)\\\\d{2}$", name_to: period, value_to: emissions_t, unit: тыс. т}
constants: {pollutant: all_pollutants, scope: stationary, source_title: "wide table (test layout)"}
"""


def test_a_wide_table_loads_through_a_spec_with_every_row_accounted_for(fresh_home: Path) -> None:
    (fresh_home / "landing" / "emissions" / "wide_2019_2021.csv").write_text(
        WIDE_TABLE, encoding="utf-8"
    )
    (fresh_home / "sources").mkdir(parents=True, exist_ok=True)
    (fresh_home / "sources" / "wide_regional_emissions.yaml").write_text(
        WIDE_SPEC, encoding="utf-8"
    )
    assert run_pipeline(fresh_home)
    con = duckdb.connect(str(fresh_home / "warehouse.duckdb"), read_only=True)
    counts = con.execute(
        "select rows_read, rows_loaded, rows_rejected from audit.source_files where path = 'wide_2019_2021.csv'"
    ).fetchall()
    assert counts == [(6, 5, 1)]  # 3 + 2 figures, and the Abai row with none
    loaded = con.execute(
        "select source_row_id, territory_id, year, emissions_t from core.emissions "
        "where source_path = 'wide_2019_2021.csv' order by row_number, source_column"
    ).fetchall()
    assert [r[1:] for r in loaded] == [
        ("KZ-ATY", 2019, 164_500.0),
        ("KZ-ATY", 2020, 153_900.0),
        ("KZ-ATY", 2021, 160_300.0),
        ("KZ-ALM", 2019, 48_100.0),
        ("KZ-ALM", 2021, 30_300.0),
    ]
    assert loaded[0][0].endswith(":2:2019")  # provenance names the row and the year column
    rejected = con.execute(
        "select row_number, source_column, rule from audit.rejected_rows where path = 'wide_2019_2021.csv' order by rule"
    ).fetchall()
    assert {r[2] for r in rejected} >= {"required"} and {r[:2] for r in rejected} == {(4, "")}
    con.close()


def test_findings_show_the_reconciliations_auditors_asked_for(warehouse) -> None:
    findings = {
        (r[0], r[1], r[2]): r[3]
        for r in warehouse.execute(
            "select finding_type, territory_id, year, message from audit.findings where severity = 'warning'"
        ).fetchall()
    }
    # Kazakhstan 2022: 30,000 t reported, fractions 24,900 t: information since #31.11 (the
    # remainder is the unsorted part).
    (kz,) = warehouse.execute(
        "select message from audit.findings where severity = 'info' "
        "and finding_type = 'parts_vs_total' and territory_id = 'KZ' and year = 2022"
    ).fetchall()[0]
    assert "5,100.000 t unallocated" in kz
    # Bishkek 30.03.2024: the four districts' published figures against the city's.
    assert "15,099 participants" in findings[("sub_territories_vs_territory", "KG-GB", 2024)]
    # The same 2022 clean-up reported as 620,922 kg and 620,902 kg.
    assert "620.902 to 620.922" in findings[("conflicting_sources", "KG", 2022)]
    # ЭкоЛэнд after reconstruction: the 360 thousand t line against the 400 thousand t total.
    assert "360,000 t/year" in findings[("parts_vs_total", "RU-KEM/novokuznetsk", 2022)]
    assert "241,500,000 t" in findings[("parts_vs_total", "RU-KEM", 2017)]
    # A region's own figure under its country's is partial coverage, not a finding.
    assert ("sub_territories_vs_territory", "KZ", 2025) not in findings
    ids = warehouse.execute(
        "select source_row_ids from audit.findings where finding_type = 'sub_territories_vs_territory'"
    ).fetchall()[0][0]
    assert len(ids) == 5  # the city's row and the four districts'


def test_a_thousand_fold_jump_is_a_finding(seeded_home, tmp_path) -> None:
    import shutil

    from warehouse import sql_models

    copy = tmp_path / "w.duckdb"
    shutil.copy(seeded_home / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    # KG 2024 participants as if typed in thousands by mistake.
    con.execute(
        "update marts.region_year_indicators set value = value * 1000 "
        "where territory_id = 'KG' and year = 2024 and indicator = 'cleanup_participants'"
    )
    from warehouse import build_model

    for table in ("audit.finding_cases", "audit.findings"):
        build_model(con, next(m for m in sql_models() if m.table == table))
    jumps = con.execute(
        "select territory_id, year, message from audit.findings where finding_type = 'implausible_change'"
    ).fetchall()
    assert [(t, y) for t, y, _ in jumps] == [("KG", 2024)]
    assert "x2898.6" in jumps[0][2]  # 1,000,000,000 after 345,000 in 2023
    con.close()


def test_per_capita_never_divides_by_a_population_from_across_a_border_change(warehouse) -> None:
    """Almaty region's only population figure is of 1 January 2023, after Jetisu region split
    off it (2022-06-08): its 2020 emissions get no per-capita value, and the note says why."""
    (value, note), *_ = warehouse.execute(
        """select per_capita_value, note from marts.region_year_indicators
           where territory_id = 'KZ-ALM' and year = 2020"""
    ).fetchall()
    assert value is None
    assert "border change of 2022-06-08 (Jetisu region split off Almaty region)" in note
    (population, why), *_ = warehouse.execute(
        "select population, population_note from core.population_by_year where territory_id = 'KZ-ALM' and year = 2020"
    ).fetchall()
    assert population is None and "the nearest, of 2023, is not used" in why
    # After the change the same figure is used: the territory is the one it counts.
    assert warehouse.execute(
        "select population from core.population_by_year where territory_id = 'KZ-ALM' and year = 2022"
    ).fetchall() == [(1_505_984,)]


def test_overlapping_submissions_still_publish(fresh_home: Path) -> None:
    """Two copies of small files with other bytes (another encoding; an Excel file saved again):
    the same figures twice give one finding each, and the run publishes (defect #14.1)."""
    import openpyxl

    cleanup = fresh_home / "landing" / "cleanup"
    text = (cleanup / "kg_mnr_subbotniki_2019_2024.csv").read_bytes().decode("cp1251")
    (cleanup / "kg_mnr_copy_utf8.csv").write_text(text, encoding="utf-8")
    book = openpyxl.load_workbook(cleanup / "bishkek_city_subbotniki_2019_2024.xlsx")
    book.save(cleanup / "bishkek_copy.xlsx")
    assert run_pipeline(fresh_home)
    con = read_published(fresh_home)
    try:
        statuses = dict(
            con.execute(
                "select path, status from audit.source_files where path like '%copy%'"
            ).fetchall()
        )
        assert statuses == {"kg_mnr_copy_utf8.csv": "loaded", "bishkek_copy.xlsx": "loaded"}
        (n, distinct), *_ = con.execute(
            "select count(*), count(distinct finding_id) from audit.findings"
        ).fetchall()
        assert n == distinct
        (message,), *_ = con.execute(
            "select message from audit.findings where finding_type = 'sub_territories_vs_territory'"
        ).fetchall()
        assert "report 15,099 participants" in message and "(2 reports of it)" in message
    finally:
        con.close()


def test_conflicts_keep_their_note_and_every_figure_counts_its_sources(warehouse) -> None:
    """Defect #14.7: the KG 2022 conflict lost its note past cleanup_comparison; coal and
    facility figures had no source or conflict counts (the scorecard showed no conflict for
    Kuzbass 2017, 241.5 Mt of parts against 227.4 Mt)."""
    (flag, note), *_ = warehouse.execute(
        """select conflicting_sources, note from marts.region_year_indicators
           where territory_id = 'KG' and year = 2022 and indicator = 'cleanup_waste_collected_t'"""
    ).fetchall()
    assert flag and "620.902" in note and "620.922" in note
    (flag, n, note), *_ = warehouse.execute(
        """select conflicting_sources, n_sources, note from marts.region_year_indicators
           where territory_id = 'RU-KEM' and year = 2017 and indicator = 'coal_production_t'"""
    ).fetchall()
    assert flag and n >= 1 and "opencast + underground" in note
    assert (
        warehouse.execute(
            "select indicators_with_conflicting_sources from marts.region_scorecard where territory_id = 'RU-KEM' and year = 2017"
        ).fetchall()[0][0]
        >= 1
    )
    assert warehouse.execute(
        "select count(*) from marts.region_year_indicators where n_sources is null or conflicting_sources is null"
    ).fetchall() == [(0,)]


def test_a_coal_figure_traces_to_coal_rows_only(warehouse) -> None:
    """Defect #14.11: Kuzbass 2018-2019 coal figures traced back to emission rows."""
    datasets = warehouse.execute(
        """select distinct f.dataset
           from marts.region_year_indicators i, unnest(i.source_row_ids) as u(id)
           join audit.source_files f on f.file_id = split_part(u.id, ':', 1)
           where i.dataset = 'coal_usage'"""
    ).fetchall()
    assert datasets == [("coal_usage",)]


def test_waste_capacity_is_never_added_across_facility_types(warehouse) -> None:
    """Defect #14.8: Kuzbass 2022 added ЭкоЛэнд's 400,000 t/year of sorting to 230,000 t/year
    of landfill intake at the same site. (That landfill is now a plan of 2008 that no later
    record renews, #31.4; Russia 2022 has sorting and processing, each its own figure.)"""
    rows = dict(
        warehouse.execute(
            """select indicator, value from marts.region_year_indicators
               where territory_id = 'RU' and year = 2022 and dataset = 'waste_facilities'"""
        ).fetchall()
    )
    assert rows == {
        "waste_capacity_operating_sorting_complex_t_per_year": 400_000.0,
        "waste_capacity_operating_processing_complex_t_per_year": 200_000.0,
    }
    card = warehouse.execute(
        """select sorting_capacity_t_per_year, processing_capacity_t_per_year,
                  landfill_capacity_t_per_year
           from marts.region_scorecard where territory_id = 'RU' and year = 2022"""
    ).fetchall()
    assert card == [(400_000.0, 200_000.0, None)]


def test_a_plan_with_no_later_news_goes_stale_and_an_installed_incinerator_counts(
    warehouse,
) -> None:
    """Defect #14.10: Atyrau's sorting shop, planned in 2019 and never reported again, was still
    counted as planned in 2027; the Bishkek garment-waste incinerator, which the ministry
    reports as installed, appeared in no mart."""
    planned = dict(
        warehouse.execute(
            """select year, facilities from marts.waste_capacity
               where territory_id = 'KZ-ATY/atyrau' and status = 'planned' and facility_type = 'sorting_complex'"""
        ).fetchall()
    )
    assert planned.get(2020) == 1 and 2027 not in planned and 2023 not in planned
    assert warehouse.execute(
        """select capacity_t_per_year from marts.waste_capacity
           where territory_id = 'KG' and year = 2023 and facility_type = 'incinerator' and status = 'operating'"""
    ).fetchall() == [(7_300.0,)]


def test_the_reports_left_out_of_a_year_are_said_in_every_mart(warehouse) -> None:
    """Defect #14.9, then #31.1: Kazakhstan 2025 took its tonnes from one report of the campaign
    (1.414 Mt, 2024-01/2025-06) and its participants from another inside it (1.1 Mt, 6.2 million
    people). Both cross a calendar year and are now in no yearly figure; the indicators' notes
    and the scorecard say so."""
    (indicator_note,), *_ = warehouse.execute(
        """select note from marts.region_year_indicators
           where territory_id = 'KZ' and year = 2025 and indicator = 'cleanup_participants'"""
    ).fetchall()
    assert "2024-04-01/2025-04-30 crosses a calendar year" in indicator_note
    card = warehouse.execute(
        """select cleanup_multi_year_reports_left_out, cleanup_nested_reports_left_out,
                  cleanup_waste_collected_t
           from marts.region_scorecard where territory_id = 'KZ' and year = 2025"""
    ).fetchall()
    assert card == [(2, 0, 12_000.0)]
    assert warehouse.execute(
        """select count(*) from marts.cleanup_comparison
           where (multi_year_reports_left_out > 0 or nested_reports_left_out > 0)
             and territory_id <> 'KZ'"""
    ).fetchall() == [(0,)]


def test_every_high_grade_emission_figure_of_real_figures_is_in_the_default_data(
    warehouse, shared_data
) -> None:
    """Defect #14.14: dated, high-grade emission figures of Kazakhstan, Atyrau and Almaty region
    were missing. Every figure of stationary-source emissions graded high is loaded, with its
    value."""
    wanted = []
    with (shared_data / "real_figures.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["measure"] == "air_emissions_stationary" and r["confidence"] == "high":
                wanted.append((r["iso_code"], int(r["period_end"][:4]), float(r["value"]) * 1000))
    assert len(wanted) >= 15
    # real_figures.csv writes a territory's id or its current ISO code: both are looked up
    loaded = {
        (key, year, round(v, 3))
        for tid, iso, year, v in warehouse.execute(
            """select e.territory_id, r.iso_code, e.year, e.emissions_t from core.emissions e
               join core.regions r using (territory_id)
               where e.scope = 'stationary' and e.pollutant = 'all_pollutants'"""
        ).fetchall()
        for key in (tid, iso)
    }
    missing = [w for w in wanted if (w[0], w[1], round(w[2], 3)) not in loaded]
    assert missing == []


def test_the_kuzbass_councils_six_events_of_q4_2023_are_loaded_with_their_types(warehouse) -> None:
    """Defect #14.14: two of the six events loaded, both typed "not specified"."""
    events = warehouse.execute(
        """select period_start, event_type from core.eco_events
           where territory_id = 'RU-KEM' and period_start between '2023-10-01' and '2023-12-31'
           order by period_start"""
    ).fetchall()
    assert [t for _, t in events] == [
        "round_table", "meeting", "forum", "conference", "round_table", "meeting"
    ]  # fmt: skip
    assert str(events[2][0]) == "2023-10-10"


def test_the_kyrgyz_air_monitoring_network_is_loaded_as_the_report_gives_it(
    warehouse, shared_data
) -> None:
    """Defect #14.14: the air-monitoring network of the Kyrgyz ministry's report for 2023 was
    not loaded. Its two counts (by kind of instrument, by operator) stay apart, and the numbers
    that do not add up are findings. The counts are checked against the report itself."""
    report = (shared_data.parent / "docs" / "kyrgyz_ministry_results_2023.txt").read_text(
        encoding="utf-8"
    )
    by_instrument = dict(
        warehouse.execute(
            """select instrument, stations from core.air_monitoring
               where breakdown = 'by_instrument' and territory_id = 'KG' and year = 2023"""
        ).fetchall()
    )
    assert by_instrument == {"manual_post": 14, "automatic_station": 1, "low_cost_sensor": 50}
    for written in ("14 ПНЗ", "1 автоматической станции", "50 датчиков"):
        assert written in report
    by_operator = warehouse.execute(
        """select operator, operator_kind, stations, providers from core.air_monitoring
           where breakdown = 'by_operator' order by row_number"""
    ).fetchall()
    assert [(o, s) for o, _, s, _ in by_operator] == [
        ("Кыргызгидромет", 20), ("Посольство США", 1), ("ОБСЕ", 2), ("МувГрин", 1), ("Браво", 1),
        ("Breeeth! Home Ecology Center Bishkek", 1), ("частные лица", 5),
    ]  # fmt: skip
    unquoted = report.replace("«", "").replace("»", "")
    for operator, _, stations, _ in by_operator[:6]:
        assert f"{operator} – {stations} станц" in unquoted, operator
    assert "5 частных лиц – 5 станций" in report
    kinds = {k for _, k, _, _ in by_operator}
    assert kinds == {"state_body", "ngo", "company", "private_person"}
    # The five cities where the network observes, towns of the gazetteer included.
    covered = {
        t
        for (t,) in warehouse.execute(
            "select territory_id from core.air_monitoring where breakdown = 'territory_covered'"
        ).fetchall()
    }
    assert covered == {"KG-GB", "KG-GO", "KG-C/kara-balta", "KG-C/tokmok", "KG-Y/cholpon-ata"}
    (pollutants,), *_ = warehouse.execute(
        "select pollutants_measured from core.air_monitoring where instrument = 'manual_post'"
    ).fetchall()
    assert len(pollutants) == 8 and "формальдегид" in pollutants
    # 18 providers stated, 11 listed; 31 stations by operator against 65 by instrument.
    assert "18 участников" in report
    findings = dict(
        (subject, (expected, observed))
        for subject, expected, observed in warehouse.execute(
            """select subject, expected_value, observed_value from audit.findings
               where dataset = 'air_monitoring' and territory_id = 'KG' and year = 2023"""
        ).fetchall()
    )
    assert findings == {
        "data providers listed vs stated": (18, 11),
        "stations by operator vs by kind of instrument": (65, 31),
    }


def test_an_emissions_column_holds_one_scope(warehouse) -> None:
    """#31.2: Kuzbass 2019's 1,760 kt ("предприятия ... выбросили": stationary) stood in the
    all-sources column beside 2018's stationary-and-mobile figure."""
    rows = warehouse.execute(
        """select year, emissions_stationary_t, emissions_stationary_and_mobile_t, emissions_total_t
           from marts.coal_and_emissions where territory_id = 'RU-KEM' and year in (2018, 2019)
           order by year"""
    ).fetchall()
    assert rows == [(2018, None, 1_618_265.0, None), (2019, 1_760_000.0, None, None)]
    scopes = warehouse.execute(
        """select distinct indicator from marts.region_year_indicators
           where territory_id = 'RU-KEM' and year = 2019 and dataset = 'emissions'"""
    ).fetchall()
    assert scopes == [("emissions_all_pollutants_stationary",)]


def test_a_total_gives_way_to_firmer_parts_by_a_declared_rule(warehouse) -> None:
    """#31.8: Kuzbass 2017's low-confidence total (227.4 Mt) was preferred to medium-confidence
    parts adding up to 241.5 Mt, which the next year's report (+5.7% to 255.3 Mt) implies."""
    rows = warehouse.execute(
        """select year, coal_production_t, coal_production_basis, coal_production_reported_t,
                  production_parts_disagree
           from marts.coal_and_emissions where territory_id = 'RU-KEM' and year in (2017, 2018)
           order by year"""
    ).fetchall()
    assert rows == [
        (2017, 241_500_000.0, "sum_of_parts", 227_400_000.0, True),
        (2018, 255_300_000.0, "reported_total", 255_300_000.0, False),
    ]
    (derived, note) = warehouse.execute(
        """select is_derived, note from marts.region_year_indicators
           where territory_id = 'RU-KEM' and year = 2017 and indicator = 'coal_production_t'"""
    ).fetchall()[0]
    assert derived and "the parts' sum kept (its parts come from firmer sources" in note


def test_part_year_and_heating_season_coal_is_compared_with_the_same_months(warehouse) -> None:
    """#31.10: nine partial-year or heating-season coal figures reached no mart. Each is in
    marts.coal_by_period, beside the same months of an earlier year only."""
    rows = {
        (t, str(s), m, f, c): (v, str(p) if p else None)
        for t, s, m, f, c, v, p in warehouse.execute(
            "select territory_id, period_start, months, flow, consumer_type, coal_t, "
            "previous_period_start from marts.coal_by_period"
        ).fetchall()
    }
    assert (
        len(rows)
        == warehouse.execute(
            "select count(*) from core.coal_usage where period_kind <> 'calendar_year' and site is null"
        ).fetchall()[0][0]
    )
    # January-August 2022 against January-August 2021, not against a calendar year.
    assert rows[("RU-KEM", "2022-01-01", "01-08", "production", "all")] == (
        143_900_000.0,
        "2021-01-01",
    )
    # A planned supply for October to March is no comparison for October-April demand.
    assert rows[("KG-GB", "2024-10-01", "10-03", "planned_supply", "chp")][1] is None
    assert rows[("KG-GB", "2025-10-01", "10-04", "demand", "chp")][1] == "2023-10-01"
