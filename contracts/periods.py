"""Dates and periods as submissions and reports write them: a date (04.10.2023, 2023-10-04), a range
(10-12.10.2023, 01.09.2023-30.09.2023), a month, a quarter, a heating season (2022/2023) or a
year, in Russian or English.

Plain Python, below every stage: staging reads a column's distinct values with it
(assets/staging/periods.py), and the prose reader checks the periods it finds in reports
(assets/extract/periods.py). Each value gives a start and an end date, or a message that says
what would have been accepted.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from contracts.vocabulary import DASHES, SPACES


class PeriodError(ValueError):
    """A date or period that cannot be read."""


_MONTHS: dict[str, int] = {}
for _n, _forms in enumerate(
    [
        "январь января january jan янв",
        "февраль февраля february feb фев",
        "март марта march mar",
        "апрель апреля april apr апр",
        "май мая may",
        "июнь июня june jun июн",
        "июль июля july jul июл",
        "август августа august aug авг",
        "сентябрь сентября september sep sept сен",
        "октябрь октября october oct окт",
        "ноябрь ноября november nov ноя",
        "декабрь декабря december dec дек",
    ],
    start=1,
):
    for _f in _forms.split():
        _MONTHS[_f] = _n

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTH_RE = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_DMY = r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})"
_ISO = r"(\d{4})-(\d{2})-(\d{2})"

_PERIOD_HELP = (
    "write a date (04.10.2023, 2023-10-04), a range (10-12.10.2023, 01.09.2023-30.09.2023), "
    "a month (октябрь 2023), a quarter (IV квартал 2025), a heating season (2022/2023) or a year"
)


def _year(text: str) -> int:
    y = int(text)
    return 2000 + y if len(text) <= 2 else y  # "0023" is year 23, refused as implausible


def _date(y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError as e:
        raise PeriodError(f"no such date: {d:02d}.{m:02d}.{y} ({e})") from None


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _single_date(t: str) -> date | None:
    if m := re.fullmatch(_DMY, t):
        return _date(_year(m[3]), int(m[2]), int(m[1]))
    if m := re.fullmatch(_ISO + r"(?:[ t]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", t):
        return _date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2}) " + _MONTH_RE + r" (\d{4})", t):
        return _date(int(m[3]), _MONTHS[m[2]], int(m[1]))
    return None


def parse_period(text: str) -> tuple[date, date]:
    """First and last day of a date or period written as in Russian or English reports.

    >>> parse_period("10-12.10.2023")
    (datetime.date(2023, 10, 10), datetime.date(2023, 10, 12))
    """
    t = text.lower().replace("ё", "е")
    t = DASHES.sub("-", t)
    t = SPACES.sub(" ", t).strip().rstrip(".")
    # Words that say "year" add nothing: "2023 г.", "2023 года", "IV квартал 2025 года".
    t = re.sub(r"\s*\b(года|год|гг|г)\b\.?", "", t).strip()
    t = re.sub(r"\s*-\s*", "-", t)

    if d := _single_date(t):
        return d, d
    if m := re.fullmatch(r"(\d{4})", t):
        y = int(m[1])
        return date(y, 1, 1), date(y, 12, 31)
    # 10-12.10.2023
    if m := re.fullmatch(r"(\d{1,2})-" + _DMY, t):
        y, mo = _year(m[4]), int(m[3])
        return _ordered(_date(y, mo, int(m[1])), _date(y, mo, int(m[2])), text)
    # 28.09-02.10.2023
    if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})-" + _DMY, t):
        y = _year(m[5])
        return _ordered(_date(y, int(m[2]), int(m[1])), _date(y, int(m[4]), int(m[3])), text)
    # two full dates: 01.09.2023-30.09.2023, 2022-10-08/2022-10-29, 2022-10-08..2022-10-29
    for sep in (r"\.\.", "/", " по ", " to ", "-"):
        parts = re.split(sep, t)
        if len(parts) == 2:
            a, b = _single_date(parts[0].strip()), _single_date(parts[1].strip())
            if a and b:
                return _ordered(a, b, text)
    # 2024-2025, 2022/2023 heating season
    if m := re.fullmatch(r"(?:отопительный сезон |heating season )(\d{4})[-/](\d{2,4})", t):
        y1, y2 = int(m[1]), _year(m[2]) if len(m[2]) == 4 else int(m[1][:2] + m[2])
        if y2 != y1 + 1:
            raise PeriodError(f"a heating season spans two consecutive years, got '{text}'")
        return date(y1, 10, 1), date(y2, 4, 30)
    if m := re.fullmatch(r"(\d{4})-(\d{4})", t):
        return _ordered(date(int(m[1]), 1, 1), date(int(m[2]), 12, 31), text)
    # IV квартал 2025, 4 кв 2025, Q4 2025, 2025 Q4
    if m := re.fullmatch(
        r"(iv|iii|ii|i|[1-4]) ?(?:-?й )?(?:квартал|кв\.?|quarter) (\d{4})", t
    ) or re.fullmatch(r"q([1-4]) ?(\d{4})", t):
        q, y = _ROMAN[m[1]], int(m[2])
        return date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
    if m := re.fullmatch(r"(\d{4}) ?q([1-4])", t):
        q, y = int(m[2]), int(m[1])
        return date(y, 3 * q - 2, 1), _month_end(y, 3 * q)
    # I полугодие 2023, H1 2023
    if m := re.fullmatch(
        r"(ii|i|[12]) ?(?:-?е )?(?:полугодие|half|half-year) (\d{4})", t
    ) or re.fullmatch(r"h([12]) (\d{4})", t):
        h, y = _ROMAN[m[1]], int(m[2])
        return date(y, 6 * h - 5, 1), _month_end(y, 6 * h)
    # 12.2022, 2022-12: a month
    if m := re.fullmatch(r"(\d{1,2})\.(\d{4})", t) or re.fullmatch(r"(\d{4})-(\d{2})", t):
        mo, y = (int(m[1]), int(m[2])) if len(m[1]) <= 2 else (int(m[2]), int(m[1]))
        if not 1 <= mo <= 12:
            raise PeriodError(f"no month {mo} in '{text}'")
        return date(y, mo, 1), _month_end(y, mo)
    # октябрь 2023; январь-июль 2022
    if m := re.fullmatch(_MONTH_RE + r" (\d{4})", t):
        y, mo = int(m[2]), _MONTHS[m[1]]
        return date(y, mo, 1), _month_end(y, mo)
    if m := re.fullmatch(_MONTH_RE + "-" + _MONTH_RE + r" (\d{4})", t):
        y = int(m[3])
        return _ordered(date(y, _MONTHS[m[1]], 1), _month_end(y, _MONTHS[m[2]]), text)
    raise PeriodError(f"cannot read the date or period '{text}'; {_PERIOD_HELP}")


def _ordered(start: date, end: date, text: str) -> tuple[date, date]:
    if end < start:
        raise PeriodError(f"the period '{text}' ends before it starts")
    return start, end
