"""Measures as submissions write them: numbers in Russian or English style (decimal comma or
point, thousands grouped by spaces, points or commas, scientific notation), then a unit and a
scale word ("1,2 тыс. т", "3 500 m3").

Pure Polars expressions (one pass over millions of rows). Every parser returns the value and,
where it fails, a rule name and a message that says what would have been accepted.
"""

from __future__ import annotations

import fnmatch

import polars as pl

from contracts.vocabulary import Units

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
    if text.null_count() == text.len():
        # A column the file does not fill (most of a contract's columns in a given file): no
        # cell to read, so no unit to resolve and nothing to refuse. 15-25 ms a column per
        # 200,000 rows otherwise.
        return pl.DataFrame(
            {
                "value": pl.repeat(
                    None, text.len(), dtype=pl.Int64 if integer else pl.Float64, eager=True
                ),
                "unit": pl.repeat(None, text.len(), dtype=pl.String, eager=True),
                "rule": pl.repeat(None, text.len(), dtype=pl.String, eager=True),
                "message": pl.repeat(None, text.len(), dtype=pl.String, eager=True),
            }
        )
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
    """parse_measure for any cell: number, scale word and unit found by regular expressions.
    Cells that repeat (an hourly network's "12.3 мкг/м3") are read once each and joined back:
    the regular expressions cost per cell."""
    distinct = text.unique()
    if len(distinct) * 2 < len(text):
        read = _parse_measure_text(
            distinct, target_unit, units, default_suffix, decimal_separator, integer, allowed
        ).with_columns(_cell=distinct)
        return (
            pl.DataFrame({"_cell": text})
            .join(read, on="_cell", how="left", nulls_equal=True, maintain_order="left")
            .drop("_cell")
        )
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
