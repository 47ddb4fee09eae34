"""Numbers in Russian and English prose, as written and as read (assets/extract/numbers.py)."""

from __future__ import annotations

import pytest

from assets.extract.numbers import read_numbers
from contracts.vocabulary import Units
from tests.conftest import REFERENCE

# The scale words as declared once, in seeds/reference/scales.csv.
SCALES = Units.from_csv(REFERENCE / "units.csv", REFERENCE / "scales.csv").scales


@pytest.mark.parametrize(
    ("text", "as_written", "value", "high"),
    [
        ("собрано 3346,259 тн отходов", "3346,259", 3346.259, None),
        ("пластик 425,885 т", "425,885", 425.885, None),
        ("всего 3 346,259 т", "3 346,259", 3346.259, None),
        ("сократилось на 3\u00a0600 т", "3\u00a0600", 3600, None),
        ("линия мощностью 360 тыс. тонн в год", "360 тыс.", 360_000, None),
        ("поступило 392,9 млн сомов", "392,9 млн", 392_900_000, None),
        ("компонент 2 (32,3 млн долларов США)", "2", 2, None),
        ("1,8 миллиона тонн угля в год", "1,8 миллиона", 1_800_000, None),
        ("смог снизился на 10-15%", "10-15", 10, 15),
        ("зольность до 2–3 %", "2–3", 2, 3),
        ("высажено 850 саженцев на 2,3 га", "850", 850, None),
    ],
)
def test_a_russian_figure_is_read_as_written(
    text: str, as_written: str, value: float, high: float | None
) -> None:
    (number, *_) = read_numbers(text, SCALES)
    assert number.as_written == as_written
    assert text[number.start : number.end] == as_written  # offsets quote it exactly
    assert number.value == pytest.approx(value)
    assert number.high == (pytest.approx(high) if high is not None else None)


def test_dates_are_not_numbers_and_years_are_flagged() -> None:
    text = "10-12.10.2023 форум; 06.04.2023 открыта лаборатория; за 2023 год 22 котла"
    numbers = read_numbers(text, SCALES)
    assert [(n.as_written, n.year) for n in numbers] == [("2023", True), ("22", False)]


def test_codes_and_names_with_digits_are_not_figures() -> None:
    text = "PM2.5, SO2 и NO2; распоряжение № 279-р; 20+1+2 станции"
    assert [n.as_written for n in read_numbers(text, SCALES)] == ["279", "20", "1", "2"]


def test_english_text_reads_the_comma_as_thousands() -> None:
    (fell, million) = read_numbers(
        "coal use fell by 3,600 t; a 50.0 million USD project", SCALES, "."
    )
    assert (fell.value, million.value, million.scale) == (3600, 50_000_000, "million")
    with pytest.raises(ValueError, match="decimal separator"):
        read_numbers("1", SCALES, ";")


def test_a_scaled_figure_is_exact() -> None:
    (number,) = read_numbers("поддержка отопления (32,3 млн долларов США)", SCALES)
    assert number.value == 32_300_000  # exactly, not 32,299,999.999999996


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("вывезено 620 тыс. 922 килограмма", 620_922),
        ("около 21 тысячи 425 человек", 21_425),
        ("выброшено 1 млн 603 тыс тонн", 1_603_000),
    ],
)
def test_a_number_written_in_parts_is_one_number(text, value):
    (number,) = read_numbers(text, SCALES)
    assert number.value == value and text[number.start : number.end] == number.as_written


def test_parts_stay_apart_when_they_are_not_one_number():
    # A second number as large as the first's scale, or after a word, is a number of its own.
    assert [n.value for n in read_numbers("32,3 млн долларов, 2024", SCALES)] == [32_300_000, 2024]
    assert [n.value for n in read_numbers("5 тыс. 1500 человек", SCALES)] == [5000, 1500]
