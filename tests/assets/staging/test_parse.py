"""Parsing of numbers, units, scale words, dates and periods as submissions write them
(assets/staging/text.py, measures.py, periods.py)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from assets.staging.measures import number_expr, parse_measure
from assets.staging.periods import PeriodError, parse_period, parse_periods
from contracts.vocabulary import normalise_key


def _number(text: str, decimal: str = ",") -> float | None:
    return pl.select(number_expr(pl.lit(text), decimal)).item()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3346,259", 3346.259),  # decimal comma (DOMAIN.md)
        ("3 346,259", 3346.259),  # space thousands
        ("14 092", 14092.0),
        ("14\u00a0092", 14092.0),  # no-break space
        ("283 484,97", 283484.97),
        ("283\u202f484,97", 283484.97),  # narrow no-break space
        ("1.234,5", 1234.5),  # point thousands with decimal comma
        ("1.234.567", 1234567.0),
        ("3346.259", 3346.259),  # Excel and English sources
        ("-5", -5.0),
        ("\u22125,5", -5.5),  # minus sign
        ("0", 0.0),
    ],
)
def test_numbers_in_russian_style(text: str, expected: float) -> None:
    assert _number(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "expected"), [("30,000", 30000.0), ("1,234.5", 1234.5), ("6,200,000", 6200000.0)]
)
def test_numbers_in_english_style(text: str, expected: float) -> None:
    assert _number(text, ".") == pytest.approx(expected)


@pytest.mark.parametrize("text", ["1,2,3", "свыше 620", "abc", "1..2", ""])
def test_not_numbers(text: str) -> None:
    assert _number(text) is None


@pytest.mark.parametrize(
    ("cell", "target", "expected"),
    [
        ("620 922 кг", "t", 620.922),
        ("3,6 тыс. т", "t", 3600.0),
        ("3,6 тыс. тонн", "t", 3600.0),
        ("1,5 млн т", "t", 1_500_000.0),
        ("12 тонн", "t", 12.0),
        ("12 тн", "t", 12.0),
        ("5 т.", "t", 5.0),
        ("219 тыс. м³", "m3", 219_000.0),
        ("5 700 м3", "m3", 5700.0),
        ("2,3 га", "ha", 2.3),
        ("15 тыс. чел.", "persons", 15000.0),
        ("1,5 млн", "persons", 1_500_000.0),
    ],
)
def test_units_and_scale_words_convert_to_the_column_unit(units, cell, target, expected) -> None:
    out = parse_measure(pl.DataFrame({"x": [cell]}), "x", target, units)
    assert out.item(0, "rule") is None, out.item(0, "message")
    assert out.item(0, "value") == pytest.approx(expected)


def test_header_unit_applies_to_cells_without_a_unit(units) -> None:
    out = parse_measure(
        pl.DataFrame({"x": ["620 922", "1 т"]}), "x", "t", units, default_suffix="кг"
    )
    assert out.get_column("value").to_list() == pytest.approx([620.922, 1.0])


@pytest.mark.parametrize("cell", ["5700 м3", "219 тыс. м³", "730 m3"])
def test_volume_is_never_converted_to_tonnes(units, cell) -> None:
    out = parse_measure(pl.DataFrame({"x": [cell]}), "x", "t", units)
    assert out.item(0, "value") is None
    assert out.item(0, "rule") == "unit_dimension"
    assert "volume_m3" in out.item(0, "message")


def test_unknown_unit_and_bad_number_are_named(units) -> None:
    out = parse_measure(pl.DataFrame({"x": ["12 вёдер", "около 600", None]}), "x", "t", units)
    assert out.get_column("rule").to_list() == ["unknown_unit", "number_format", None]
    assert "вёдер" in out.item(0, "message")


def test_repeated_cells_are_read_once_with_the_same_result_as_each_alone(units) -> None:
    """An hourly network repeats its cells ("12.3 мкг/м3"): read once per distinct cell and
    joined back, each row gets what the cell read alone gets, in the rows' order."""
    cells = ["12.3 мкг/м3", "0,4 мг/м3", None, "много мкг/м3", "7 вёдер", "21 ppb"] * 5
    cells += ["12.3 мкг/м3", None]
    dimensions = ["concentration_mass", "mixing_ratio"]
    together = parse_measure(pl.DataFrame({"x": cells}), "x", None, units, dimensions=dimensions)
    alone = pl.concat(
        parse_measure(
            pl.DataFrame({"x": [c]}, schema={"x": pl.String}),
            "x",
            None,
            units,
            dimensions=dimensions,
        )
        for c in cells
    )
    assert together.to_dicts() == alone.to_dicts()
    assert together.get_column("rule").to_list()[:6] == [
        None, None, None, "number_format", "unknown_unit", None
    ]  # fmt: skip


def test_counts_must_be_whole(units) -> None:
    out = parse_measure(
        pl.DataFrame({"x": ["133,5", "133 500", "15 тыс."]}), "x", "persons", units, integer=True
    )
    assert out.get_column("rule").to_list() == ["integer", None, None]
    assert out.get_column("value").to_list() == [None, 133500, 15000]
    assert out.schema["value"] == pl.Int64


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("04.10.2023", date(2023, 10, 4), date(2023, 10, 4)),
        ("2023-10-04", date(2023, 10, 4), date(2023, 10, 4)),
        ("2023-10-04 00:00:00", date(2023, 10, 4), date(2023, 10, 4)),
        ("04.10.23", date(2023, 10, 4), date(2023, 10, 4)),
        ("8 октября 2022", date(2022, 10, 8), date(2022, 10, 8)),
        ("10-12.10.2023", date(2023, 10, 10), date(2023, 10, 12)),  # DOMAIN.md ranges
        ("17-23.11.2023", date(2023, 11, 17), date(2023, 11, 23)),
        ("17–23.11.2023", date(2023, 11, 17), date(2023, 11, 23)),  # en dash
        ("28.09-02.10.2023", date(2023, 9, 28), date(2023, 10, 2)),
        ("01.09.2023 - 30.09.2023", date(2023, 9, 1), date(2023, 9, 30)),
        ("2022-10-08/2022-10-29", date(2022, 10, 8), date(2022, 10, 29)),
        ("2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("2023 г.", date(2023, 1, 1), date(2023, 12, 31)),
        ("2024-2025", date(2024, 1, 1), date(2025, 12, 31)),
        ("IV квартал 2025 года", date(2025, 10, 1), date(2025, 12, 31)),
        ("4 кв. 2025", date(2025, 10, 1), date(2025, 12, 31)),
        ("Q1 2024", date(2024, 1, 1), date(2024, 3, 31)),
        ("I полугодие 2023", date(2023, 1, 1), date(2023, 6, 30)),
        ("октябрь 2023", date(2023, 10, 1), date(2023, 10, 31)),
        ("12.2022", date(2022, 12, 1), date(2022, 12, 31)),
        ("2022-12", date(2022, 12, 1), date(2022, 12, 31)),
        ("январь-июль 2022", date(2022, 1, 1), date(2022, 7, 31)),  # partial year
        ("февраль 2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("отопительный сезон 2022/2023", date(2022, 10, 1), date(2023, 4, 30)),
        ("heating season 2022-23", date(2022, 10, 1), date(2023, 4, 30)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    assert parse_period(text) == (start, end)


@pytest.mark.parametrize(
    "text",
    [
        "31.02.2023",
        "12-10.10.2023",
        "вчера",
        "2023-13-01",
        "отопительный сезон 2022/2024",
        "13.2022",
    ],
)
def test_unreadable_periods_say_what_is_accepted(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_parse_periods_column_keeps_row_order_and_reports_errors() -> None:
    out = parse_periods(pl.Series(["2023", None, "вчера", "2023"]))
    assert out.get_column("start").to_list() == [date(2023, 1, 1), None, None, date(2023, 1, 1)]
    assert out.get_column("message").to_list()[:2] == [None, None]
    assert "04.10.2023" in out.item(2, "message")


@pytest.mark.parametrize(
    ("a", "b"), [("Ё-мобиль", "е-мобиль"), ("«Кузбасс»", "кузбасс"), ("Собрано,  т", "собрано т")]
)
def test_normalise_key(a: str, b: str) -> None:
    assert normalise_key(a) == b


def test_a_count_of_organisations_is_not_a_count_of_people(units) -> None:
    out = parse_measure(
        pl.DataFrame({"x": ["15 организаций"]}), "x", "persons", units, integer=True
    )
    assert out.item(0, "rule") == "unit_dimension"


@pytest.mark.parametrize(
    ("cell", "dimensions", "value", "unit"),
    [
        ("392,9 млн сом", ["money:*"], 392_900_000.0, "KGS"),
        ("2,55 млрд руб.", ["money:*"], 2_550_000_000.0, "RUB"),
        ("95 млн долл. США", ["money:*"], 95_000_000.0, "USD"),
        ("400 тыс. т/год", ["mass_per_year", "mass_per_day", "volume"], 400_000.0, "t/year"),
        ("1 200 т/сут", ["mass_per_year", "mass_per_day", "volume"], 1_200.0, "t/day"),
        ("1 616 983 м³", ["mass_per_year", "mass_per_day", "volume"], 1_616_983.0, "m3"),
    ],
)
def test_measures_keep_their_own_unit(units, cell, dimensions, value, unit) -> None:
    out = parse_measure(pl.DataFrame({"x": [cell]}), "x", None, units, dimensions=dimensions)
    assert out.item(0, "rule") is None, out.item(0, "message")
    assert (out.item(0, "value"), out.item(0, "unit")) == (pytest.approx(value), unit)


@pytest.mark.parametrize(
    ("cell", "rule", "words"),
    [
        ("60 сом/м3", "unknown_unit", "сом"),  # a tariff: no such unit, never revenue
        ("392,9 млн", "unknown_unit", ""),  # money without a currency anywhere
        ("5 т", "unit_dimension", "tariff"),
    ],
)
def test_money_needs_a_currency_and_is_never_a_tariff(units, cell, rule, words) -> None:
    out = parse_measure(pl.DataFrame({"x": [cell]}), "x", None, units, dimensions=["money:*"])
    assert out.item(0, "rule") == rule
    assert words in out.item(0, "message")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  Кузбасс ", "Кузбасс"),
        ("-", None),
        ("—", None),
        ("---------", None),
        ("|---|---|", None),
        ("<p>Обсуждение</p><p>проекта&nbsp;схемы</p>", "Обсуждение проекта схемы"),
        ("«ЭкоЛэнд» &amp; партнёры", "«ЭкоЛэнд» & партнёры"),
        ("a\u00a0 b", "a b"),
        ("x", None),
    ],
)
def test_clean_cells(cell: str, expected: str | None) -> None:
    from assets.staging.text import clean_cells

    assert pl.select(clean_cells(pl.lit(cell))).item() == expected


def _cells_of_every_form() -> list[str | None]:
    """Plain numbers in both styles (random, so many digit patterns) and every other form."""
    import random

    rng = random.Random(7)
    cells: list[str | None] = [None]
    for _ in range(400):
        x = rng.choice([rng.randint(0, 99), rng.randint(0, 9_999_999), rng.random() * 10**6])
        text = f"{x:,.{rng.randint(0, 4)}f}" if isinstance(x, float) else f"{x:,}"
        cells += [
            text,  # 1,234,567.5
            text.replace(",", ""),  # 1234567.5
            text.replace(",", " "),  # 1 234 567.5
            text.replace(",", " ").replace(".", ","),  # 1 234 567,5
            text.replace(",", "\u00a0").replace(".", ","),  # no-break space
            text.replace(",", ".").replace(".", ",", 1) if "." in text else text,
            "-" + text.replace(",", ""),
        ]
    cells += ["1e5", "inf", "NaN", "+5", "12,5,6", "1 23", "3,6 тыс. т", "620 922 кг", "5 м3", "x"]
    cells += ["1.5", "2,75", "7.", "0,000001", "12 345", "12,345", "1 234.5", "1.234,5"]
    return cells


@pytest.mark.parametrize("decimal", [",", "."])
@pytest.mark.parametrize(("target", "integer"), [("t", False), ("persons", True)])
def test_plain_numbers_take_a_shortcut_with_the_same_result(units, decimal, target, integer):
    """parse_measure casts plain numbers directly; the general path must agree on every cell."""
    from assets.staging.measures import _parse_measure_text

    cells = _cells_of_every_form()
    frame = pl.DataFrame({"x": cells}, schema={"x": pl.String})
    fast = parse_measure(frame, "x", target, units, "", decimal, integer=integer)
    general = _parse_measure_text(
        frame.get_column("x"), target, units, "", decimal, integer, [units.dimension_of[target]]
    )
    assert fast.to_dicts() == general.to_dicts()
    assert fast.get_column("value").null_count() < len(cells) / 2  # most cells are numbers


@pytest.mark.parametrize(("target", "integer"), [("t", False), ("persons", True)])
@pytest.mark.parametrize("suffix", ["", "тыс. т", "попугаи"])  # none, a scale word, unknown
def test_an_empty_column_takes_a_shortcut_with_the_same_result(units, target, integer, suffix):
    """A column the file does not fill is not parsed: the same nulls, of the same types, as the
    general path gives, whatever unit its header named."""
    from assets.staging.measures import _parse_measure_text

    frame = pl.DataFrame({"x": [None] * 5}, schema={"x": pl.String})
    empty = parse_measure(frame, "x", target, units, suffix, integer=integer)
    general = _parse_measure_text(
        frame.get_column("x"), target, units, suffix, ",", integer, [units.dimension_of[target]]
    )
    assert empty.schema == general.select(empty.columns).schema
    assert empty.to_dicts() == general.select(empty.columns).to_dicts()


@pytest.mark.parametrize(
    ("cell", "value", "rule"),
    [
        ("3.346259E3", 3346.259, None),
        ("3,346259e3", 3346.259, None),
        ("2.5e-1 т", 0.25, None),
        ("1e309", None, "number_format"),  # not unknown_unit, and never infinity
        ("inf", None, "number_format"),
    ],
)
def test_scientific_notation_is_a_number(units, cell: str, value, rule) -> None:
    """Defect #14.12: "3.346259E3" and "1e309" were refused as an unknown unit "E3"."""
    out = parse_measure(pl.DataFrame({"x": [cell]}), "x", "t", units, default_suffix="т")
    assert out.item(0, "rule") == rule
    assert out.item(0, "value") == (pytest.approx(value) if value is not None else None)
