"""Periods named in prose (#18): dates ("04.10.2023", "6 апреля 2023 года"), date ranges
("10-12.10.2023", "17-23.11.2023"), quarters ("IV квартал 2025 года"), months and runs of months
("январь-июль 2022"), heating seasons ("отопительный сезон 2022-2023"), runs of years
("2023-2025 годы") and years ("за 2023 год", "в 2023 году", "2023 г."). Each with its offsets
and the period written the way a submission's period column is read (contracts/periods.py),
so an accepted figure is validated like a typed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from contracts.periods import PeriodError, parse_period

_MONTHS = (
    r"январ[ьяе]|феврал[ьяе]|март[ае]?|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|август[ае]?|"
    r"сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]|january|february|march|april|may|june|"
    r"july|august|september|october|november|december"
)
_YEAR = r"(?:19|20)\d\d"
_YEAR_WORD = r"(?:\s*(?:года|году|годы|годах|год|гг|г)\b\.?)"
# Most specific first: a pattern's match hides the shorter ones inside it.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "season",
        re.compile(
            rf"(?:отопительн\w+ сезон\w*|heating season)\s+({_YEAR})\s*[-–/]\s*(\d{{2,4}})",
            re.I,
        ),
    ),
    (
        "range",
        re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d{1,2})?)\s*[-–]\s*(\d{1,2}\.\d{1,2}\.\d{4})\b"),
    ),
    ("date", re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2}\.\d{4})\b")),
    ("date", re.compile(rf"(?<!\d)(\d{{1,2}})[\s-]+({_MONTHS})\s+({_YEAR}){_YEAR_WORD}?", re.I)),
    (
        "quarter",
        re.compile(
            rf"\b(IV|III|II|I|[1-4])\s*(?:-?й\s+)?(?:квартал\w*|кв\.)\s+({_YEAR}){_YEAR_WORD}?",
            re.I,
        ),
    ),
    (
        "months",
        re.compile(rf"\b({_MONTHS})\s*[-–]\s*({_MONTHS})\s+({_YEAR}){_YEAR_WORD}?", re.I),
    ),
    ("month", re.compile(rf"\b({_MONTHS})\s+({_YEAR}){_YEAR_WORD}?", re.I)),
    ("years", re.compile(rf"(?<![\d.])({_YEAR})\s*[-–]\s*({_YEAR}){_YEAR_WORD}?(?![\d.])")),
    ("year", re.compile(rf"(?<![\d.,])({_YEAR}){_YEAR_WORD}?(?![\d.,]\d)")),
]

_NOMINATIVE_MONTH = {
    "январ": "январь", "феврал": "февраль", "март": "март", "апрел": "апрель", "ма": "май",
    "июн": "июнь", "июл": "июль", "август": "август", "сентябр": "сентябрь",
    "октябр": "октябрь", "ноябр": "ноябрь", "декабр": "декабрь",
}  # fmt: skip


@dataclass(frozen=True)
class Period:
    start: int  # offsets in the text
    end: int
    as_written: str
    kind: str  # date, range, quarter, month, months, season, years, year
    text: str  # as a period column reads it: "2023", "10-12.10.2023", "IV квартал 2025"
    first: date
    last: date


def _month(word: str) -> str:
    w = word.lower()
    for stem, name in _NOMINATIVE_MONTH.items():
        if w.startswith(stem) and (stem != "ма" or w in ("май", "мая", "мае")):
            return name
    return w


def _text(kind: str, m: re.Match[str]) -> str:
    """The period as a submission's period column writes it."""
    if kind == "season":
        return f"отопительный сезон {m[1]}-{m[2]}"
    if kind in ("range",):
        return f"{m[1]}-{m[2]}"
    if kind == "date" and m.lastindex == 1:
        return m[1]
    if kind == "date":
        return f"{int(m[1])} {m[2].lower()} {m[3]}"
    if kind == "quarter":
        return f"{m[1].upper()} квартал {m[2]}"
    if kind == "months":
        return f"{_month(m[1])}-{_month(m[2])} {m[3]}"
    if kind == "month":
        return f"{_month(m[1])} {m[2]}"
    if kind == "years":
        return f"{m[1]}-{m[2]}"
    return m[1]


def find_periods(text: str) -> list[Period]:
    """Every period named in ``text``, in order; where patterns overlap the longest wins (the
    year inside "IV квартал 2025 года" is part of the quarter). A match that names no real
    date (31.02.2023) is left out."""
    taken: list[tuple[int, int]] = []
    out: list[Period] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            written = _text(kind, m)
            try:
                first, last = parse_period(written)
            except PeriodError:
                continue
            taken.append((m.start(), m.end()))
            out.append(Period(m.start(), m.end(), m.group(), kind, written, first, last))
    return sorted(out, key=lambda p: p.start)
