"""marts.cleanup_comparison on the fewest reports that show each of its rules (#31.1): a
year's figures never carry a report that crosses a calendar year, a report inside a longer one
is left out whole, and a part larger than its whole is a conflict."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from warehouse import ensure_schemas, sql_models

MART = next(m for m in sql_models() if m.table == "marts.cleanup_comparison")
MEASURES = ("waste_collected_t", "participants", "organisations", "volume_m3")


def _mart(*reports: tuple) -> dict[tuple[str, int], dict]:
    """The mart over reports (territory, start, end, tonnes, participants[, file id, day the
    file was landed]), in order; by default all in one file."""
    con = duckdb.connect()
    ensure_schemas(con)  # the warehouse's schemas, audit tables and macros
    con.execute(
        "create table core.regions as select * from (values ('KZ', 'Kazakhstan', 'Казахстан', "
        "'country', 'KZ')) as t(territory_id, name_en, name_ru, level, country_code)"
    )
    con.execute(
        "create table core.population_by_year (territory_id varchar, year integer, population "
        "double, population_year integer, population_basis varchar, "
        "population_is_nearest_year boolean, population_note "
        "varchar)"
    )
    con.execute(
        """create table core.cleanup (
            territory_id varchar, year integer, period_start date, period_end date,
            file_id varchar, row_number integer, source_confidence varchar,
            waste_collected_t double, participants bigint, organisations bigint,
            volume_m3 double, recyclable_t double, fractions_t double, has_fractions boolean,
            as_of date, is_interim boolean)"""
    )
    for i, (territory, start, end, tonnes, people, *file) in enumerate(reports, start=2):
        # A last {"as_of": day} says when the figures were counted up to.
        as_of = file.pop()["as_of"] if file and isinstance(file[-1], dict) else None
        file_id, landed = file or ("f", date(2026, 1, 1))
        con.execute(
            "insert into core.cleanup values (?, ?, ?, ?, ?, ?, 'medium', ?, ?, null, null, "
            "null, null, false, ?, coalesce(? < ?, false))",
            [territory, end.year, start, end, file_id, i, tonnes, people, as_of, as_of, end],
        )
        con.execute(
            "insert into audit.source_files (file_id, dataset, path, sha256, status, landed_at) "
            "select ?, 'cleanup', ? || '.csv', ?, 'loaded', ? "
            "where not exists (select 1 from audit.source_files where file_id = ?)",
            [file_id, file_id, file_id, landed, file_id],
        )
    rows = con.sql(MART.sql).pl().to_dicts()
    return {(r["territory_id"], r["year"]): r for r in rows}


def test_a_report_crossing_a_calendar_year_is_in_no_yearly_figure() -> None:
    """Kazakhstan 2025 added an 18-month report (1,414,000 t) to a one-day event (12,000 t), and
    took its participants from a 13-month report inside it: 1,426,000 t and 6.6 million people,
    per 1,000 inhabitants of one year."""
    mart = _mart(
        ("KZ", date(2024, 1, 1), date(2025, 6, 30), 1_414_000, None),
        ("KZ", date(2024, 4, 1), date(2025, 4, 30), 1_100_000, 6_200_000),
        ("KZ", date(2025, 9, 20), date(2025, 9, 20), 12_000, 422_000),
    )
    row = mart[("KZ", 2025)]
    assert row["waste_collected_t"] == 12_000 and row["participants"] == 422_000
    assert row["kg_per_participant"] == pytest.approx(12_000 * 1000 / 422_000)
    assert row["events_reported"] == 1
    assert row["multi_year_reports_left_out"] == 2 and row["nested_reports_left_out"] == 0
    assert row["source_rows"] == 3
    note = row["left_out_note"]
    assert "2024-01-01/2025-06-30 crosses a calendar year" in note and "1414000" in note
    assert "2024-04-01/2025-04-30" in note and "participants 6200000" in note


def test_a_year_whose_reports_all_cross_a_year_has_a_row_without_figures() -> None:
    mart = _mart(("KZ", date(2024, 1, 1), date(2025, 6, 30), 1_414_000, None))
    row = mart[("KZ", 2025)]
    assert row["events_reported"] == 0 and row["multi_year_reports_left_out"] == 1
    assert all(row[m] is None for m in MEASURES)
    assert "crosses a calendar year" in row["left_out_note"]


def test_a_report_inside_a_longer_one_is_left_out_with_every_measure() -> None:
    """The year's tonnes come from the whole-year report; its participants are not taken from
    a one-day report inside it (the year's measures come from the same reports)."""
    mart = _mart(
        ("KZ", date(2023, 1, 1), date(2023, 12, 31), 100, None),
        ("KZ", date(2023, 4, 20), date(2023, 4, 20), 10, 50),
    )
    row = mart[("KZ", 2023)]
    assert row["waste_collected_t"] == 100 and row["participants"] is None
    assert row["kg_per_participant"] is None
    assert row["events_reported"] == 1 and row["nested_reports_left_out"] == 1
    assert not row["conflicting_sources"]
    assert (
        "the report of 2023-04-20/2023-04-20 lies inside the report of 2023-01-01/2023-12-31"
        in row["left_out_note"]
    )


def test_a_part_larger_than_its_whole_is_a_conflict() -> None:
    mart = _mart(
        ("KZ", date(2023, 1, 1), date(2023, 12, 31), 100, None),
        ("KZ", date(2023, 4, 20), date(2023, 4, 20), 150, None),
    )
    row = mart[("KZ", 2023)]
    assert row["waste_collected_t"] == 100 and row["conflicting_sources"]
    assert "reports more than the report of 2023-01-01/2023-12-31" in row["conflict_note"]
    assert "waste_collected_t 150 > 100" in row["conflict_note"]


def test_of_equal_confidence_the_file_landed_first_is_preferred() -> None:
    """#31.10: "then the first loaded file" ordered files by their id, a hash: the file with
    the lower hash won, whenever it came. The file landed first is preferred now."""
    day = date(2023, 4, 20)
    mart = _mart(
        ("KZ", day, day, 10, None, "ffff", date(2026, 1, 1)),
        ("KZ", day, day, 12, None, "0000", date(2026, 2, 1)),
    )
    row = mart[("KZ", 2023)]
    assert row["waste_collected_t"] == 10 and row["conflicting_sources"]
    assert "waste_collected_t 2023-04-20/2023-04-20: 10 to 12" in row["conflict_note"]


def test_an_interim_count_is_no_total_of_its_period() -> None:
    """#31.7: Kuzbass 2017's clean-up: 100,000 participants "already" four days into a 29-day
    campaign stood as the campaign's total (the same case, in the one territory of this test)."""
    mart = _mart(
        ("KZ", date(2017, 9, 2), date(2017, 9, 30), None, 100_000, {"as_of": date(2017, 9, 6)}),
        ("KZ", date(2017, 4, 22), date(2017, 4, 22), 300, 5_000, {"as_of": date(2017, 4, 24)}),
    )
    row = mart[("KZ", 2017)]
    assert row["participants"] == 5_000 and row["events_reported"] == 1  # the one-day event only
    assert row["interim_reports_left_out"] == 1 and row["multi_year_reports_left_out"] == 0
    assert row["source_rows"] == 2
    note = row["left_out_note"]
    assert "2017-09-02/2017-09-30 counts up to 2017-09-06, before the period ended" in note
    assert "participants 100000" in note


def test_reports_that_overlap_without_nesting_are_not_summed() -> None:
    """Two reports of one territory and year, April to September and July to December: summed,
    July to September counted twice. The later-starting one is left out, and said."""
    mart = _mart(
        ("KZ", date(2023, 4, 1), date(2023, 9, 30), 5_000, 40_000),
        ("KZ", date(2023, 7, 1), date(2023, 12, 31), 3_000, 25_000),
        ("KZ", date(2023, 12, 20), date(2023, 12, 20), 10, 100),  # inside the second one
    )
    row = mart[("KZ", 2023)]
    assert (row["waste_collected_t"], row["participants"], row["events_reported"]) == (
        5_000,
        40_000,
        1,
    )
    assert row["overlapping_reports_left_out"] == 1 and row["nested_reports_left_out"] == 1
    note = row["left_out_note"]
    assert "2023-07-01/2023-12-31 overlaps the report of 2023-04-01/2023-09-30" in note
    assert "waste_collected_t 3000" in note
