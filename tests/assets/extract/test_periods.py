"""Periods in prose (assets/extract/periods.py): each written as a period column reads it."""

from __future__ import annotations

from datetime import date

import pytest

from assets.extract.periods import find_periods


@pytest.mark.parametrize(
    ("text", "kind", "written", "first", "last"),
    [
        (
            "за IV квартал 2023 года",
            "quarter",
            "IV квартал 2023",
            date(2023, 10, 1),
            date(2023, 12, 31),
        ),
        (
            "10-12.10.2023 II форум",
            "range",
            "10-12.10.2023",
            date(2023, 10, 10),
            date(2023, 10, 12),
        ),
        ("28.09-02.10.2023", "range", "28.09-02.10.2023", date(2023, 9, 28), date(2023, 10, 2)),
        ("1\t04.10.2023\tКруглый стол", "date", "04.10.2023", date(2023, 10, 4), date(2023, 10, 4)),
        ("С 6 апреля 2023 года", "date", "6 апреля 2023", date(2023, 4, 6), date(2023, 4, 6)),
        ("форум 31-мая 2023 года", "date", "31 мая 2023", date(2023, 5, 31), date(2023, 5, 31)),
        ("в 2023 году поступило", "year", "2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("за 2023 год", "year", "2023", date(2023, 1, 1), date(2023, 12, 31)),
        ("на 2023-2025 годы", "years", "2023-2025", date(2023, 1, 1), date(2025, 12, 31)),
        ("январь-июль 2022", "months", "январь-июль 2022", date(2022, 1, 1), date(2022, 7, 31)),
        ("в мае 2023 года", "month", "май 2023", date(2023, 5, 1), date(2023, 5, 31)),
        (
            "отопительный сезон 2022-2023",
            "season",
            "отопительный сезон 2022-2023",
            date(2022, 10, 1),
            date(2023, 4, 30),
        ),
    ],
)
def test_a_period_in_prose_is_read_as_a_period_column_reads_it(text, kind, written, first, last):
    (period,) = find_periods(text)
    assert (period.kind, period.text, period.first, period.last) == (kind, written, first, last)
    assert text[period.start : period.end] == period.as_written


def test_numbers_and_impossible_dates_are_not_periods():
    assert find_periods("собрано 3346,259 тн, 425 885 т") == []
    assert find_periods("31.02.2023") == []  # no such day
    # A year inside a longer period is not a period of its own.
    assert [p.kind for p in find_periods("ожидаемая дата IV квартал 2025 года")] == ["quarter"]
