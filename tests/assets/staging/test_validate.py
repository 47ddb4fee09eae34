"""Contract tests for clean-up rows: good rows load, every kind of bad row is rejected with its
rule, column and value, and rows read = rows loaded + rows rejected."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from assets.staging.validate import StagingOptions, stage
from contracts import load_contract

CONTRACT = load_contract("cleanup")

GOOD = {
    "territory": "Кыргызская Республика",
    "period": "2023",
    "participants": "345 000",
    "waste_collected_t": "3 346,259",
    "plastic_t": "425,885",
    "glass_t": "197",
    "paper_t": "304,274",
    "other_t": "2 419,1",
    "source_title": "МПРЭТН КР",
}


def _raw(*rows: dict) -> pl.DataFrame:
    cols = sorted({k for r in rows for k in r})
    return pl.DataFrame(
        {
            "row_number": list(range(2, 2 + len(rows))),
            **{c: [r.get(c) for r in rows] for c in cols},
        },
        schema={"row_number": pl.Int64, **{c: pl.String for c in cols}},
    )


def _stage(vocab, territories, *rows: dict, **options):
    return stage(_raw(*rows), CONTRACT, vocab, territories, StagingOptions(**options))


def test_a_good_row_is_typed_and_converted(units, territories) -> None:
    r = _stage(units, territories, GOOD)
    assert r.rejections.height == 0
    row = r.rows.row(0, named=True)
    assert row["territory_id"] == "KG"
    assert (row["period_start"], row["period_end"]) == (date(2023, 1, 1), date(2023, 12, 31))
    assert row["waste_collected_t"] == pytest.approx(3346.259)
    assert row["participants"] == 345000
    # The four parts of DOMAIN.md add up exactly to the total.
    parts = row["plastic_t"] + row["glass_t"] + row["paper_t"] + row["other_t"]
    assert parts == pytest.approx(row["waste_collected_t"])


@pytest.mark.parametrize(
    ("change", "column", "rule"),
    [
        ({"territory": "Кузбас"}, "territory", "known_territory"),
        ({"territory": None}, "territory", "required"),
        ({"period": None}, "period", "period_required"),
        ({"period": "31.02.2023"}, "period", "date_format"),
        ({"waste_collected_t": "-5"}, "waste_collected_t", "non_negative"),
        ({"participants": "-1"}, "participants", "non_negative"),
        ({"waste_collected_t": "много"}, "waste_collected_t", "number_format"),
        ({"waste_collected_t": "5700 м3"}, "waste_collected_t", "unit_dimension"),
        ({"waste_collected_t": "12 вёдер"}, "waste_collected_t", "unknown_unit"),
        ({"participants": "133,5"}, "participants", "integer"),
        ({"source_confidence": "very high"}, "source_confidence", "allowed_value"),
        (
            {"territory": "Туркестанская", "period": "2016"},
            "territory",
            "territory_valid_for_period",
        ),
        ({"plastic_t": "3 000"}, "waste_collected_t", "fractions_within_total"),
        (
            {"period": None, "period_start": "10.10.2023", "period_end": "01.10.2023"},
            "period_end",
            "end_not_before_start",
        ),
    ],
)
def test_a_bad_row_is_rejected_with_its_rule(units, territories, change, column, rule) -> None:
    bad = {**GOOD, **change}
    r = _stage(units, territories, GOOD, bad)
    assert r.rows_read == 2 and r.rows_loaded == 1 and r.rows_rejected == 1
    assert r.rows.get_column("row_number").to_list() == [2]
    reasons = r.rejections.filter(pl.col("rule") == rule).to_dicts()
    assert [(x["row_number"], x["column_name"]) for x in reasons] == [(3, column)], (
        r.rejections.to_dicts()
    )
    assert reasons[0]["message"]


def test_rejection_keeps_the_value_as_written(units, territories) -> None:
    r = _stage(units, territories, {**GOOD, "waste_collected_t": "5 700 м³"})
    assert r.rejections.item(0, "value") == "5 700 м³"


def test_fractions_exceeding_the_total_show_the_numbers(units, territories) -> None:
    r = _stage(units, territories, {**GOOD, "plastic_t": "3 000"})
    message = r.rejections.item(0, "message")
    assert "5,920.374 t" in message and "3,346.259 t" in message


def test_fractions_within_tolerance_and_a_larger_total_are_accepted(units, territories) -> None:
    # Kazakhstan 2022: 30,000 t reported, fractions add up to 24,900 t (5,100 t unallocated).
    kz = {
        "territory": "Kazakhstan",
        "period": "2022-10-08/2022-10-29",
        "waste_collected_t": "30000",
        "glass_t": "5500",
        "plastic_t": "9200",
        "rubber_t": "3100",
        "paper_t": "4400",
        "metal_t": "2700",
    }
    # Rounding: fractions 0.4% over the total are within the 0.5% tolerance.
    rounded = {**GOOD, "other_t": "2 432,5"}
    r = _stage(units, territories, kz, rounded)
    assert r.rejections.height == 0, r.rejections.to_dicts()
    assert r.rows_loaded == 2


def test_a_row_breaking_two_rules_is_one_rejected_row_with_two_reasons(units, territories) -> None:
    r = _stage(units, territories, {**GOOD, "territory": "Atlantis", "participants": "x y"})
    assert r.rows_rejected == 1
    assert sorted(r.rejections.get_column("rule").to_list()) == ["known_territory", "number_format"]


def test_counts_add_up_for_a_mix_of_rows(units, territories) -> None:
    rows = [
        GOOD,
        {**GOOD, "territory": "?"},
        {**GOOD, "period": "когда-то"},
        GOOD,
        {**GOOD, "glass_t": "-1"},
    ]
    r = _stage(units, territories, *rows)
    assert (r.rows_read, r.rows_loaded, r.rows_rejected) == (5, 2, 3)
    assert r.rows_read == r.rows_loaded + r.rows_rejected


def test_a_footnote_row_is_refused_as_such(units, territories) -> None:
    raw = _raw(GOOD, {}).with_columns(
        extra=pl.Series([None, '{"№": "* Примечание: данные предварительные"}'])
    )
    r = stage(raw, CONTRACT, units, territories)
    assert r.rejections.get_column("rule").to_list() == ["not_a_data_row"]
    assert "Примечание" in r.rejections.item(0, "value")


def test_a_shifted_row_is_refused(units, territories) -> None:
    raw = _raw(GOOD, GOOD).with_columns(overflow=pl.Series([None, '{"column 15": "high"}']))
    r = stage(raw, CONTRACT, units, territories)
    assert r.rejections.filter(pl.col("rule") == "row_width").get_column(
        "row_number"
    ).to_list() == [3]


def test_options_decimal_point_header_units_and_constants(units, territories) -> None:
    row = {"waste_collected_t": "30,000", "period": "2022", "participants": "847,000"}
    r = _stage(
        units,
        territories,
        row,
        decimal_separator=".",
        units={"waste_collected_t": "кг"},
        constants={"territory": "KZ", "source_title": "spec constant"},
    )
    out = r.rows.row(0, named=True)
    assert out["waste_collected_t"] == pytest.approx(30.0)  # 30,000 kg
    assert out["participants"] == 847000
    assert (out["territory_id"], out["source_title"]) == ("KZ", "spec constant")


def test_explicit_start_and_end_win_over_a_period_cell(units, territories) -> None:
    r = _stage(
        units, territories, {**GOOD, "period_start": "01.09.2023", "period_end": "30.09.2023"}
    )
    row = r.rows.row(0, named=True)
    assert (row["period_start"], row["period_end"]) == (date(2023, 9, 1), date(2023, 9, 30))


def test_html_and_doubled_spaces_pasted_into_cells_are_cleaned(units, territories) -> None:
    # Which columns need more than trimming is decided once per chunk, for all columns at once.
    pasted = GOOD | {
        "source_title": "<p>МПРЭТН&nbsp;КР</p>",
        "territory": "Кыргызская  Республика",
    }
    r = _stage(units, territories, pasted, GOOD | {"source_title": "  МПРЭТН КР "})
    assert r.rejections.height == 0
    assert r.rows.get_column("source_title").to_list() == ["МПРЭТН КР", "МПРЭТН КР"]
    assert r.rows.get_column("territory").to_list() == ["Кыргызская Республика"] * 2


def test_rows_a_quote_left_open_ran_over_are_rejected_with_the_line(units, territories) -> None:
    good = GOOD | {"read_error": None}
    broken = GOOD | {"read_error": "a quote opened on line 3 is not closed before line 4: ..."}
    result = stage(_raw(good, broken, broken), CONTRACT, units, territories)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 1, 2)
    rules = result.rejections.select("row_number", "rule").rows()
    assert rules == [(3, "unclosed_quote"), (4, "unclosed_quote")]
    assert "line 3" in result.rejections.item(0, "message")


def test_a_period_that_had_not_ended_when_the_file_arrived_is_refused(units, territories) -> None:
    """Defect #14.12: a period in 2099 loaded. Plans the contract names may lie ahead."""
    rows = [GOOD, GOOD | {"period": "2099"}, GOOD | {"period": "2024"}]
    result = stage(
        _raw(*rows), CONTRACT, units, territories, StagingOptions(reported_by=date(2024, 12, 1))
    )
    rejected = result.rejections.filter(pl.col("rule") == "period_ended")
    assert rejected.get_column("row_number").to_list() == [3, 4]
    assert "2024-12-01" in rejected.item(0, "message")
    assert result.rows_loaded == 1
    facilities = load_contract("waste_facilities")
    plan = {
        "territory": "Кемеровская область",
        "period": "2027",
        "facility_name": "МСК",
        "facility_type": "сортировка",
        "status": "планируемый",
        "capacity": "100 тыс. т/год",
    }
    out = stage(
        _raw(plan, plan | {"status": "действующий"}),
        facilities,
        units,
        territories,
        StagingOptions(reported_by=date(2024, 12, 1)),
    )
    future = out.rejections.filter(pl.col("rule") == "period_ended")
    assert future.get_column("row_number").to_list() == [3]  # operating in 2027: not yet


def test_html_taken_out_of_a_cell_is_said(units, territories) -> None:
    """Defect #14.13: HTML tags were removed from text cells without a note."""
    row = GOOD | {"source_title": "<p>МПРЭТН КР</p><p>итоги</p>"}
    result = stage(_raw(GOOD, row), CONTRACT, units, territories)
    assert result.html_removed == {"source_title": 1}
    assert result.rows.get_column("source_title").to_list()[1] == "МПРЭТН КР итоги"
