"""Parsing of values as they are written in submissions: numbers in Russian or English style,
units and scale words, dates and periods.

Pure functions only. Numbers and units are parsed with Polars expressions (one pass over millions
of rows); dates and periods with plain Python over the distinct values of a column, which are few.
Every parser returns the value and, where it fails, a rule name and a message that says what
would have been accepted.
"""

from __future__ import annotations

import calendar
import fnmatch
import re
from datetime import date

import polars as pl

from contracts.vocabulary import DASHES, SPACES, Units

# ---------------------------------------------------------------------------------------------
# Text


# What makes a cell need more than trimming: HTML tags or entities, non-breaking or repeated
# spaces, tabs and line breaks.
_NEEDS_FULL_CLEAN = r"[<&\u00a0\u202f\t\n\r]|\s\s"
# Table separators ("-----", "|===|") and lone dashes are made of these characters only.
_SEPARATOR_CHARS = "-–—=_|:+ "


def clean_cells(expr: pl.Expr, full: bool = True) -> pl.Expr:
    """Trim a text column. Empty cells, lone dashes (the statistical "no data") and table
    separators ("-----", "|===|") become null; with ``full``, HTML pasted into a cell
    ("<p>...</p>", "&nbsp;") becomes plain text and runs of spaces become one.

    ``full=False`` is for columns where ``needs_full_clean`` found nothing to do: the regular
    expressions are most of the cost of staging a large file."""
    t = expr
    if full:
        t = (
            t.str.replace_all(r"<br\s*/?>|</p>\s*<p[^>]*>", " ")
            .str.replace_all(r"<[^>]+>", "")
            .str.replace_all("&nbsp;", " ", literal=True)
            .str.replace_all("&quot;", '"', literal=True)
            .str.replace_all("&amp;", "&", literal=True)
            .str.replace_all(r"[\s\u00a0\u202f]+", " ")
        )
    t = t.str.strip_chars()
    empty_or_separator = t.str.strip_chars(_SEPARATOR_CHARS).str.len_bytes() == 0
    return pl.when(empty_or_separator | t.is_in(["...", "…", "x", "х"])).then(None).otherwise(t)


def needs_full_clean(frame: pl.DataFrame, columns: list[str]) -> dict[str, bool]:
    """For each text column, whether any of its cells holds HTML or irregular whitespace. One
    query for all columns, so that Polars scans them in parallel."""
    if not columns:
        return {}
    return frame.select(pl.col(columns).str.contains(_NEEDS_FULL_CLEAN).any()).row(0, named=True)


_HTML = r"<[^>]+>|&(?:nbsp|amp|quot|lt|gt|#\d+);"


def html_cells(frame: pl.DataFrame, columns: list[str]) -> dict[str, int]:
    """For each text column, how many cells hold HTML that cleaning takes out (tags, entities):
    what was changed in the text is said, not done silently."""
    if not columns:
        return {}
    counts = frame.select(pl.col(columns).str.contains(_HTML).sum()).row(0, named=True)
    return {c: int(n) for c, n in counts.items() if n}


# A number, possibly with spaces, points and commas inside, then anything (unit, scale word).
# Scientific notation ("3.346259E3", as spreadsheets export) is a number too, not a unit "E3".
_QUANTITY = (
    r"^([+\-\u2212]?\d(?:[\d\s\u00a0\u202f.,']*\d)?(?:[eE][+\-]?\d+)?)[.,]?\s*([^\d\s].*?)?\s*$"
)
_SCIENTIFIC = r"^[+-]?\d+([.,]\d+)?[eE][+-]?\d+$"


# Well-formed numbers, after spaces of every kind became one space. Thousands come in groups of
# three digits; anything else ("1..2", "1,2,3", "12 3456") is refused rather than guessed.
_NUMBER_DECIMAL_COMMA = (
    r"^[+-]?(\d{1,3}([ .]\d{3})+|\d+)(,\d+)?$|^[+-]?(\d{1,3}( \d{3})+|\d+)\.\d+$"
)
_NUMBER_DECIMAL_POINT = r"^[+-]?(\d{1,3}([ ,]\d{3})+|\d+)(\.\d+)?$"
# The common case, read with one cast: digits, thousands grouped by single spaces (or commas with a
# decimal point), one decimal separator. A subset of the well-formed numbers above.
_PLAIN_NUMBER = {
    ",": r"^-?(\d{1,3}( \d{3})+|\d+)([.,]\d+)?$",
    ".": r"^-?(\d{1,3}([ ,]\d{3})+|\d+)(\.\d+)?$",
}


def number_expr(text: pl.Expr, decimal_separator: str = ",") -> pl.Expr:
    """Parse number text (no unit) into Float64; null where it is not a well-formed number.

    With a decimal comma (Russian style, the default) spaces and points group thousands, except
    that a single point with no comma is read as a decimal point ("3346.259", as Excel and English
    sources write it). With a decimal point (English style) commas and spaces group thousands.
    """
    t = (
        text.str.replace_all(r"[\s\u00a0\u202f']+", " ")
        .str.replace_all("\u2212", "-")
        .str.strip_chars()
        .str.strip_chars_end(".")
    )
    if decimal_separator == ",":
        valid = t.str.contains(_NUMBER_DECIMAL_COMMA)
        digits = t.str.replace_all(" ", "")
        digits = (
            pl.when(digits.str.contains(","))
            .then(digits.str.replace_all(r"\.", "").str.replace(",", "."))
            .when(digits.str.count_matches(r"\.") > 1)
            .then(digits.str.replace_all(r"\.", ""))
            .otherwise(digits)
        )
    else:
        valid = t.str.contains(_NUMBER_DECIMAL_POINT)
        digits = t.str.replace_all("[ ,]", "")
    number = (
        pl.when(t.str.contains(_SCIENTIFIC))
        .then(t.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False))
        .when(valid)
        .then(digits.cast(pl.Float64, strict=False))
    )
    # "1e309" is no number a table reports: infinity is refused, not loaded.
    return pl.when(number.is_finite()).then(number).otherwise(None)


def parse_measure(
    frame: pl.DataFrame,
    column: str,
    target_unit: str | None,
    units: Units,
    default_suffix: str = "",
    decimal_separator: str = ",",
    integer: bool = False,
    dimensions: list[str] | None = None,
) -> pl.DataFrame:
    """Parse one text column of quantities, counts or money.

    A cell may carry its own unit and scale word ("620 922 кг", "3,6 тыс. т", "392,9 млн сом");
    a cell without one takes ``default_suffix`` (the unit in the header or the source spec).
    With ``target_unit`` every value is converted into it and units of another dimension are
    refused, so cubic metres never become tonnes. Without it (``dimensions`` then lists the
    allowed ones, "money:*" for any currency) each value stays in its own dimension, converted
    only to that dimension's base unit (thousand t/year to t/year, млн сом to KGS), and the
    ``unit`` column says which.

    Returns a frame of the same height: ``value`` (Float64, or Int64 when ``integer``), ``unit``,
    ``rule`` and ``message`` (null where the cell parsed or was empty).
    """
    if target_unit is not None:
        allowed = [units.dimension_of[target_unit]]
    elif dimensions:
        allowed = dimensions
    else:
        raise ValueError(f"{column}: give a target unit or the allowed dimensions")
    text = frame.get_column(column)
    scale, factor, unit, error = _resolve_suffix(default_suffix, units, target_unit, allowed)
    # Most cells of a large file are plain numbers ("3076.054", "3 076,054") under the header's
    # unit: those are converted with one cast, and only the rest (units or scale words in the
    # cell, odd spacing, errors) take the general path. Both give the same values (tested).
    if error is not None:
        return _parse_measure_text(
            text, target_unit, units, default_suffix, decimal_separator, integer, allowed
        )
    simple = text.str.contains(_PLAIN_NUMBER[decimal_separator]).fill_null(True)  # empty: null
    if not simple.any():
        return _parse_measure_text(
            text, target_unit, units, default_suffix, decimal_separator, integer, allowed
        )
    digits = text.str.replace_all(" ", "", literal=True)
    digits = (
        digits.str.replace(",", ".", literal=True)
        if decimal_separator == ","
        else digits.str.replace_all(",", "", literal=True)
    )
    value = (digits.cast(pl.Float64, strict=False) * scale * factor).round(6)
    fast = pl.DataFrame({"text": text, "number": value, "simple": simple}).select(
        # The cast reads "inf" and "1e5" too: only plain cells keep its value.
        value=pl.when(pl.col("simple")).then(pl.col("number")),
        unit=pl.when(pl.col("text").is_not_null()).then(pl.lit(unit)).otherwise(None),
        rule=pl.lit(None, dtype=pl.String),
        message=pl.lit(None, dtype=pl.String),
        text=pl.col("text"),
    )
    if integer:
        fraction = pl.col("value").round(6) != pl.col("value").round(0)
        fast = fast.with_columns(
            value=pl.when(fraction).then(None).otherwise(pl.col("value").round(0)).cast(pl.Int64),
            rule=pl.when(fraction).then(pl.lit("integer")),
            message=pl.when(fraction).then(_integer_message(pl.col("text"))),
        )
    fast = fast.with_columns(
        unit=pl.when(pl.col("rule").is_null()).then(pl.col("unit")).otherwise(None)
    ).drop("text")
    rest = (~simple).arg_true()
    if len(rest) == 0:
        return fast
    general = _parse_measure_text(
        text.gather(rest), target_unit, units, default_suffix, decimal_separator, integer, allowed
    )
    return pl.DataFrame(
        {
            name: fast.get_column(name).scatter(rest, general.get_column(name))
            for name in fast.columns
        }
    )


def _resolve_suffix(
    suffix: str, units: Units, target_unit: str | None, allowed: list[str]
) -> tuple[float | None, float | None, str | None, str | None]:
    """(scale, factor to the output unit, output unit, error rule) of a cell's unit text."""
    r = units.resolve(suffix)
    if r is None:
        return None, None, None, "unknown_unit"
    scale, unit = r
    unit = unit or target_unit
    if unit is None:
        return None, None, None, "unknown_unit"  # a bare number with no unit anywhere
    dimension = units.dimension_of[unit]
    if not any(fnmatch.fnmatchcase(dimension, d) for d in allowed):
        return None, None, None, "unit_dimension"
    out_unit = target_unit or units.base_of[dimension]
    return scale, units.factor_of[unit] / units.factor_of[out_unit], out_unit, None


def _integer_message(text: pl.Expr) -> pl.Expr:
    return pl.format("a count must be a whole number, got '{}'", text)


def _parse_measure_text(
    text: pl.Series,
    target_unit: str | None,
    units: Units,
    default_suffix: str,
    decimal_separator: str,
    integer: bool,
    allowed: list[str],
) -> pl.DataFrame:
    """parse_measure for any cell: number, scale word and unit found by regular expressions."""
    described = " or ".join(allowed)
    parts = text.str.extract_groups(_QUANTITY).struct.unnest()
    parts.columns = ["num", "suffix"]
    suffix = parts.get_column("suffix").fill_null("")
    suffix = pl.select(
        pl.when(suffix == "").then(pl.lit(default_suffix)).otherwise(suffix)
    ).to_series()

    # Suffixes repeat (a handful of distinct unit words), so they are resolved once each.
    resolved = {
        s: _resolve_suffix(s, units, target_unit, allowed) for s in suffix.unique().to_list()
    }
    keys = list(resolved)
    lookup = pl.DataFrame(
        {
            "suffix": keys,
            "scale": [resolved[k][0] for k in keys],
            "factor": [resolved[k][1] for k in keys],
            "unit": [resolved[k][2] for k in keys],
            "unit_error": [resolved[k][3] for k in keys],
        },
        schema={
            "suffix": pl.String,
            "scale": pl.Float64,
            "factor": pl.Float64,
            "unit": pl.String,
            "unit_error": pl.String,
        },
    )
    work = pl.DataFrame({"text": text, "num": parts.get_column("num"), "suffix": suffix}).join(
        lookup, on="suffix", how="left", maintain_order="left"
    )
    # Each step is materialised once as a column: repeating the number expression inside every
    # branch below made the query plan, not the data, the cost.
    work = work.with_columns(number=number_expr(pl.col("num"), decimal_separator)).with_columns(
        # Rounded to a millionth of the target unit: "2346.2999999999997" kt is 2,346,300 t.
        value=(pl.col("number") * pl.col("scale") * pl.col("factor")).round(6)
    )
    present = pl.col("text").is_not_null()
    bad_number = present & pl.col("number").is_null()
    bad_unit = present & pl.col("number").is_not_null() & pl.col("unit_error").is_not_null()
    not_integer = pl.col("value").round(6) != pl.col("value").round(0)
    work = work.with_columns(
        rule=pl.when(bad_number)
        .then(pl.lit("number_format"))
        .when(bad_unit)
        .then(pl.col("unit_error"))
        .when(pl.lit(integer) & present & not_integer)
        .then(pl.lit("integer"))
        .otherwise(None)
    )
    rule = pl.col("rule")
    tariff_note = (
        "; a rate per m³ is a tariff, not revenue"
        if any(d.startswith("money") for d in allowed)
        else ""
    )
    dimension_note = (
        "; volume is never converted to tonnes without a density factor: use volume_m3"
        if "mass" in allowed
        else "; a rate per m³ is a tariff, not revenue"
        if any(d.startswith("money") for d in allowed)
        else ""
    )
    message = (
        pl.when(rule == "number_format")
        .then(
            pl.format(
                "not a number: '{}'; write digits with a decimal comma or point, optionally "
                "space-separated thousands, a scale word (тыс., млн) and a unit",
                pl.col("text"),
            )
        )
        .when(rule == "unknown_unit")
        .then(
            pl.format(
                "unknown unit or scale word '{}' (see seeds/reference/units.csv)" + tariff_note,
                pl.col("suffix"),
            )
        )
        .when(rule == "unit_dimension")
        .then(pl.format("unit '{}' is not " + described + dimension_note, pl.col("suffix")))
        .when(rule == "integer")
        .then(_integer_message(pl.col("text")))
        .otherwise(None)
    )
    out = work.select(
        value=pl.when(rule.is_null()).then(pl.col("value")).otherwise(None),
        unit=pl.when(rule.is_null() & pl.col("text").is_not_null())
        .then(pl.col("unit"))
        .otherwise(None),
        rule=rule,
        message=message,
    )
    if integer:
        out = out.with_columns(pl.col("value").round(0).cast(pl.Int64))
    return out


# ---------------------------------------------------------------------------------------------
# Dates and periods


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
    return 2000 + y if y < 100 else y


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


def parse_periods(values: pl.Series) -> pl.DataFrame:
    """Parse a text column of dates or periods. Each distinct value is parsed once.

    Returns ``start``, ``end`` (Date) and ``message`` (null where the cell parsed or was empty),
    one row per input row.
    """
    distinct = values.drop_nulls().unique().to_list()
    starts, ends, messages = [], [], []
    for v in distinct:
        try:
            s, e = parse_period(v)
            starts.append(s)
            ends.append(e)
            messages.append(None)
        except PeriodError as err:
            starts.append(None)
            ends.append(None)
            messages.append(str(err))
    lookup = pl.DataFrame(
        {"text": distinct, "start": starts, "end": ends, "message": messages},
        schema={"text": pl.String, "start": pl.Date, "end": pl.Date, "message": pl.String},
    )
    return (
        pl.DataFrame({"text": values})
        .join(lookup, on="text", how="left", maintain_order="left")
        .select("start", "end", "message")
    )
