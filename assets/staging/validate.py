"""Raw text rows -> typed, validated rows and rejections, for any dataset declared by a contract.

Pure: frames in, frames out. Each column is parsed by its contract type (territory, period, date,
text, count, quantity); the typed rows are then checked by the dataset's pandera model. A row that
breaks any rule is rejected as a whole and every broken rule is reported with the column, the value
as written and a message; a row that breaks none is kept. Nothing is dropped silently:
``rows_read == rows_loaded + rows_rejected`` for every call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import pandera.polars as pa
import polars as pl

from assets.staging.measures import parse_measure
from assets.staging.periods import parse_periods
from assets.staging.text import (
    ascii_digits,
    clean_cells,
    html_cells,
    needs_full_clean,
    other_digit_cells,
)
from contracts import ColumnSpec, Contract
from contracts.air import LIMIT_MULTIPLE, MIXING_RATIO, AirReference
from contracts.limits import limits
from contracts.schema import explain_period, rules_module
from contracts.territories import TerritoryIndex
from contracts.vocabulary import Units, normalise_key

REJECTION_SCHEMA = {
    "row_number": pl.Int64,
    "source_column": pl.String,  # the header of a wide table's value column; "" otherwise
    "column_name": pl.String,
    "rule": pl.String,
    "value": pl.String,
    "message": pl.String,
}

# Inside stage() a record is identified by its position (_record): a wide table gives several
# records per source row. Row number and source column are joined back at the end.
_ERRORS = {
    "_record": pl.Int64,
    "column_name": pl.String,
    "rule": pl.String,
    "value": pl.String,
    "message": pl.String,
}

# pandera's names for its built-in checks -> the contract's rule names
_PANDERA_RULES = {"not_nullable": "required", "isin": "allowed_value"}


@dataclass(frozen=True)
class StagingOptions:
    """How one file's values are to be read (from its source spec and column map)."""

    decimal_separator: str = ","
    units: dict[str, str] = field(default_factory=dict)  # column -> unit written in the header/spec
    constants: dict[str, str] = field(default_factory=dict)  # column -> value for every row
    territories: dict[str, str] = field(default_factory=dict)  # the spec's names -> territory ids
    # The country the file's rows belong to (the spec's, else the one its names point to): it
    # chooses between territories of several countries and bounds "did you mean".
    country: str | None = None
    # The day the file arrived: a period that ends after it cannot be reported (period_ended).
    reported_by: date | None = None


@dataclass
class StagingResult:
    rows: pl.DataFrame  # valid typed rows: row_number + stored contract columns (+ territory_id)
    rejections: pl.DataFrame  # one row per broken rule of a rejected row (REJECTION_SCHEMA)
    rows_read: int
    # column -> cells whose HTML was taken out (text changed on the way, said in the audit)
    html_removed: dict[str, int] = field(default_factory=dict)
    # column -> cells whose digits of another script were read as 0-9 (said in the audit too)
    digits_read: dict[str, int] = field(default_factory=dict)

    @property
    def rows_rejected(self) -> int:
        if self.rejections.height == 0:
            return 0
        return self.rejections.select(pl.struct("row_number", "source_column").n_unique()).item()

    @property
    def rows_loaded(self) -> int:
        return self.rows.height


def _errors(
    rows: pl.Series, column: str, rule: pl.Series | str, values: pl.Series, messages: pl.Series
) -> pl.DataFrame:
    frame = pl.DataFrame(
        {"_record": rows, "value": values, "message": messages},
        schema={"_record": pl.Int64, "value": pl.String, "message": pl.String},
    ).with_columns(
        column_name=pl.lit(column),
        rule=rule if isinstance(rule, pl.Series) else pl.lit(rule),
    )
    return frame.filter(pl.col("message").is_not_null()).select(list(_ERRORS))


@dataclass(frozen=True)
class _Column:
    """What a column's parser gets: the column's contract, its cleaned cells, and the file's."""

    col: ColumnSpec
    values: pl.Series
    frame: pl.DataFrame  # every cleaned contract column, with _record
    units: Units
    options: StagingOptions

    @property
    def records(self) -> pl.Series:
        return self.frame.get_column("_record")


# A parser's result: typed columns (name -> series) and errors (frames of _ERRORS).
_Parsed = tuple[dict[str, pl.Series], list[pl.DataFrame]]


def _parse_number(c: _Column) -> _Parsed:
    """quantity (a float in the contract's unit) and count (a whole number)."""
    parsed = parse_measure(
        c.frame,
        c.col.name,
        c.col.unit or "",
        c.units,
        default_suffix=c.options.units.get(c.col.name) or "",
        decimal_separator=c.options.decimal_separator,
        integer=c.col.type == "count",
    )
    errors = _errors(
        c.records, c.col.name, parsed.get_column("rule"), c.values, parsed.get_column("message")
    )
    return {c.col.name: parsed.get_column("value").alias(c.col.name)}, [errors]


def _parse_measure(c: _Column) -> _Parsed:
    """measure: a value in the unit it was written in, kept beside it (<name>_unit)."""
    cells = c.values
    if c.col.unit_column:
        # A unit in its own column ("Валюта: сом") applies to cells that carry none.
        unit_cells = c.frame.get_column(c.col.unit_column)
        cells = pl.select(
            pl.when(unit_cells.is_not_null() & c.values.is_not_null())
            .then(pl.concat_str([c.values, unit_cells], separator=" "))
            .otherwise(c.values)
        ).to_series()
    name = c.col.name
    parsed = parse_measure(
        pl.DataFrame({name: cells}),
        name,
        None,
        c.units,
        default_suffix=c.options.units.get(name) or "",
        decimal_separator=c.options.decimal_separator,
        dimensions=c.col.dimensions,
    )
    typed = {
        name: parsed.get_column("value").alias(name),
        f"{name}_unit": parsed.get_column("unit").alias(f"{name}_unit"),
    }
    errors = _errors(
        c.records, name, parsed.get_column("rule"), cells, parsed.get_column("message")
    )
    return typed, [errors]


def _parse_period(c: _Column) -> _Parsed:
    """period (one cell, a start and an end, combined with period_start/period_end later) and
    date (the start, or the end for a column named *_end)."""
    parsed = parse_periods(c.values)
    errors = _errors(c.records, c.col.name, "date_format", c.values, parsed.get_column("message"))
    if c.col.type == "period":
        typed = {
            "_period_start": parsed.get_column("start"),
            "_period_end": parsed.get_column("end"),
        }
    else:
        end = "end" if c.col.name.endswith("_end") else "start"
        typed = {c.col.name: parsed.get_column(end).alias(c.col.name)}
    return typed, [errors]


def _parse_text(c: _Column) -> _Parsed:
    """text and territory (resolved later, with each row's period); a text column with allowed
    values gets the canonical spelling of its vocabulary."""
    if not c.col.allowed:
        return {c.col.name: c.values}, []
    vocabulary = c.col.vocabulary()
    # A column holds few distinct spellings: each is looked up once.
    spelled = {v: vocabulary.get(normalise_key(v)) for v in c.values.drop_nulls().unique()}
    canonical = c.values.replace_strict(spelled, default=None, return_dtype=pl.String)
    bad = c.values.is_not_null() & canonical.is_null()
    msg = pl.repeat(None, len(c.values), dtype=pl.String, eager=True).set(
        bad, f"{c.col.name} must be one of {', '.join(sorted(set(vocabulary.values())))}"
    )
    errors = [_errors(c.records, c.col.name, "allowed_value", c.values, msg)]
    if c.col.refuse:
        refused = pl.select(
            pl.when(canonical.is_in(c.col.refuse)).then(
                pl.format(
                    "{} is {}: the publisher marks this row so; it is counted and kept in "
                    "quarantine, never used in a figure",
                    pl.lit(c.col.name),
                    canonical,
                )
            )
        ).to_series()
        errors.append(_errors(c.records, c.col.name, "refused_value", c.values, refused))
    return {c.col.name: canonical}, errors


def _missing(c: _Column) -> tuple[_Column, pl.DataFrame]:
    """Cells that are the layout's mark of no value (AirNow's -999): each refuses its row with
    rule missing_value; the column is parsed without them."""
    marked = c.values.str.strip_chars().is_in(c.col.missing_markers)
    msg = pl.repeat(None, len(c.values), dtype=pl.String, eager=True).set(
        marked,
        f"{c.col.name} holds this layout's mark of a missing value: the row is counted as "
        "missing and not loaded",
    )
    errors = _errors(c.records, c.col.name, "missing_value", c.values, msg)
    blanked = pl.select(pl.when(marked).then(None).otherwise(c.values)).to_series()
    frame = c.frame.with_columns(blanked.alias(c.col.name))
    return _Column(c.col, blanked.alias(c.col.name), frame, c.units, c.options), errors


# Local date and time as publishers write them; a text with a UTC offset is read as an instant.
_LOCAL_FORMATS = (
    "%Y-%m-%d %I:%M %p",  # AirNow: 2023-01-01 01:00 AM
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)
_OFFSET_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M:%S%z")


@cache
def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _parse_timestamp(c: _Column) -> _Parsed:
    """timestamp: an instant in UTC, read from a local time in the row's time zone (its
    timezone_column) or from a time with its UTC offset; the row's period is its local day. A
    local time the clock skipped (a change to summer time) or showed twice (back to winter
    time) is refused: which instant it was cannot be told. Each distinct time and zone is read
    once (a network's hours repeat across its stations and pollutants), then joined."""
    name = c.col.name
    zones = (
        c.frame.get_column(c.col.timezone_column).str.strip_chars()
        if c.col.timezone_column
        else pl.repeat(None, len(c.values), dtype=pl.String, eager=True)
    )
    rows = pl.DataFrame({"t": c.values.str.strip_chars(), "zone": zones})
    read = _read_times(rows.unique(), c.col.timezone_column)
    joined = rows.join(read, on=["t", "zone"], how="left", nulls_equal=True, maintain_order="left")
    errors = _errors(
        c.records, name, joined.get_column("rule"), c.values, joined.get_column("message")
    )
    typed = {
        name: joined.get_column("utc").alias(name),
        "_period_start": joined.get_column("day").alias("_period_start"),
        "_period_end": joined.get_column("day").alias("_period_end"),
    }
    return typed, [errors]


def _read_times(pairs: pl.DataFrame, timezone_column: str | None) -> pl.DataFrame:
    """Of distinct (t, zone) pairs: the instant in UTC, the local day, and the rule and message
    of a time that cannot be read."""
    text, zones = pairs.get_column("t"), pairs.get_column("zone")
    local = pl.select(
        pl.coalesce([text.str.strptime(pl.Datetime("us"), f, strict=False) for f in _LOCAL_FORMATS])
    ).to_series()
    offset = pl.select(
        pl.coalesce(
            [text.str.strptime(pl.Datetime("us", "UTC"), f, strict=False) for f in _OFFSET_FORMATS]
        )
    ).to_series()
    utc = offset
    skipped = pl.repeat(False, len(text), dtype=pl.Boolean, eager=True)
    for zone in zones.drop_nulls().unique().to_list():
        if zone not in _time_zones():
            continue
        in_zone = (zones == zone) & offset.is_null() & local.is_not_null()
        converted = pl.select(
            local.dt.replace_time_zone(
                zone, ambiguous="null", non_existent="null"
            ).dt.convert_time_zone("UTC")
        ).to_series()
        utc = pl.select(pl.when(in_zone).then(converted).otherwise(utc)).to_series()
        # A time the clocks skipped is null even when a repeated one may take its first instant.
        never = pl.select(
            local.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null").is_null()
        ).to_series()
        skipped = skipped | (in_zone & never)
    # The local day is the day as written (for a time with an offset too: its wall clock's).
    day = pl.select(
        pl.when(local.is_not_null())
        .then(local.dt.date())
        .otherwise(text.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False))
    ).to_series()
    known_zone = zones.is_in(list(_time_zones()))
    frame = pl.DataFrame(
        {"t": text, "local": local, "offset": offset, "utc": utc, "zone": zones, "skip": skipped}
    )
    message = frame.select(
        pl.when(pl.col("t").is_null())
        .then(None)
        .when(pl.col("local").is_null() & pl.col("offset").is_null())
        .then(
            pl.format(
                "{} is not a date and time ecostat reads (2023-01-01 13:00, "
                "2023-01-01 01:00 PM, 01.01.2023 13:00, or with its UTC offset: "
                "2023-01-01T13:00:00+06:00)",
                pl.col("t"),
            )
        )
        .when(pl.col("offset").is_null() & pl.col("zone").is_null())
        .then(
            pl.lit(
                f"a local time needs its time zone: give {timezone_column} "
                "(Asia/Bishkek) in the file or its source spec, or write the UTC offset"
            )
        )
        .when(pl.col("offset").is_null() & ~known_zone)
        .then(
            pl.format(
                "{} is no IANA time zone (Asia/Bishkek, Asia/Almaty, Europe/Moscow)", pl.col("zone")
            )
        )
        .when(pl.col("utc").is_null() & pl.col("skip"))
        .then(
            pl.format(
                "{} never happened in {}: the clocks skipped that hour (summer time began); "
                "write it with its UTC offset",
                pl.col("t"),
                pl.col("zone"),
            )
        )
        .when(pl.col("utc").is_null())
        .then(
            pl.format(
                "{} happened twice in {} (the clocks went back): which instant it was "
                "cannot be told; write it with its UTC offset",
                pl.col("t"),
                pl.col("zone"),
            )
        )
    ).to_series()
    rule = frame.select(
        pl.when(pl.col("local").is_null() & pl.col("offset").is_null())
        .then(pl.lit("timestamp_format"))
        .when(pl.col("offset").is_null() & (pl.col("zone").is_null() | ~known_zone))
        .then(pl.lit("time_zone"))
        .otherwise(pl.lit("local_time_exists"))
    ).to_series()
    return pl.DataFrame(
        {"t": text, "zone": zones, "utc": utc, "day": day, "rule": rule, "message": message}
    )


# The parser of each contract column type.
_PARSERS_BY_TYPE: dict[str, Callable[[_Column], _Parsed]] = {
    "quantity": _parse_number,
    "count": _parse_number,
    "measure": _parse_measure,
    "period": _parse_period,
    "date": _parse_period,
    "timestamp": _parse_timestamp,
    "territory": lambda c: ({c.col.name: c.values}, []),
    "station": lambda c: ({c.col.name: c.values}, []),  # resolved with its territory, later
}


def _required(c: _Column) -> pl.DataFrame:
    empty = pl.repeat(None, len(c.values), dtype=pl.String, eager=True).set(
        c.values.is_null(), f"{c.col.name} is required and empty"
    )
    return _errors(c.records, c.col.name, "required", c.values, empty)


def _clean(raw: pl.DataFrame, contract: Contract, options: StagingOptions):
    """The contract's columns cleaned, with constants and defaults filled in; which rows hold no
    value in any of them; and how many cells of each column lost HTML."""
    text_cols = [c.name for c in contract.columns]
    full = needs_full_clean(raw, [c for c in text_cols if c in raw.columns])
    html_removed = html_cells(raw, [c for c, needed in full.items() if needed])
    frame = raw.select(
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("_record"),
        pl.col("row_number").cast(pl.Int64),
        (pl.col("source_column") if "source_column" in raw.columns else pl.lit("")).alias(
            "source_column"
        ),
        *[
            clean_cells(pl.col(c), full=full[c]).alias(c)
            if c in raw.columns
            else pl.lit(None, dtype=pl.String).alias(c)
            for c in text_cols
        ],
    )
    # Numbers, periods, dates and territories are read in any script's digits; free text keeps
    # its own. Only columns that hold such a digit pay for the replacement.
    digits_read = other_digit_cells(
        frame, [c.name for c in contract.columns if c.type != "text" and c.name in raw.columns]
    )
    if digits_read:
        frame = frame.with_columns(ascii_digits(pl.col(c)).alias(c) for c in digits_read)
    # A row with nothing in any contract column (a footnote, a note under the table) is refused as
    # such, with its text, instead of with one "required" error per column.
    not_data = frame.select(pl.all_horizontal(pl.col(text_cols).is_null())).to_series()
    # A file's cell wins over its source spec's constant, which wins over the contract's default.
    if options.constants:
        frame = frame.with_columns(
            pl.coalesce(pl.col(c), pl.lit(v)).alias(c) for c, v in options.constants.items()
        )
    defaults = {c.name: c.default for c in contract.columns if c.default is not None}
    if defaults:
        frame = frame.with_columns(pl.col(c).fill_null(pl.lit(v)) for c, v in defaults.items())
    return frame, not_data, Changed(html_removed, digits_read)


@dataclass(frozen=True)
class Changed:
    """What cleaning changed in the text of a file's cells, by column (said in the audit)."""

    html_removed: dict[str, int]
    digits_read: dict[str, int]


def _periods(
    out: pl.DataFrame, frame: pl.DataFrame, rows: pl.Series, contract: Contract
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """period_start and period_end of each row (an explicit start or end wins over a period
    written in one cell), and the rows that have none."""
    out = out.with_columns(
        period_start=pl.coalesce("period_start", "_period_start"),
        period_end=pl.coalesce("period_end", "_period_end"),
    ).drop("_period_start", "_period_end")
    no_period = out.get_column("period_start").is_null() | out.get_column("period_end").is_null()
    # The text the period was read from: the period column, else a timestamp's.
    source = next(
        (c.name for c in contract.columns if c.name == "period" or c.type == "timestamp"), None
    )
    period_text = (
        frame.get_column(source)
        if source
        else pl.repeat(None, len(rows), dtype=pl.String, eager=True)
    )
    parse_failed = period_text.is_not_null() & out.get_column("period_start").is_null()
    msg = pl.repeat(None, len(rows), dtype=pl.String, eager=True).set(
        no_period & ~parse_failed,
        "no period: give a date or period (period) or period_start and period_end",
    )
    return out, _errors(rows, "period", "period_required", period_text, msg)


def _territories(
    out: pl.DataFrame, column: str, territories: TerritoryIndex, options: StagingOptions
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """territory_id of each row, and the names or codes that resolve to none."""
    # A name or code may have named another territory before a change (KZ-YUZ: South
    # Kazakhstan until 2018), so the period takes part in choosing the territory.
    values = out.get_column(column)
    resolved = territories.resolve_column(
        values,
        options.territories,
        country=options.country,
        starts=out.get_column("period_start") if "period_start" in out.columns else None,
        ends=out.get_column("period_end") if "period_end" in out.columns else None,
    )
    out = out.with_columns(territory_id=resolved.get_column("territory_id"))
    rows = out.get_column("_record")
    return out, _errors(
        rows, column, resolved.get_column("rule"), values, resolved.get_column("message")
    )


def _station_time_zones(
    frame: pl.DataFrame, contract: Contract, station: str, air: AirReference
) -> pl.DataFrame:
    """A local time without a zone in its row or source spec is read in its station's (the
    register's), when the station's name gives one."""
    zones = {c.timezone_column for c in contract.columns if c.timezone_column}
    if not zones:
        return frame
    from_register = air.time_zones(frame.get_column(station))
    return frame.with_columns(pl.col(z).fill_null(from_register) for z in zones)


def _days(
    frame: pl.DataFrame, contract: Contract, col: ColumnSpec
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A day of the month (a bulletin's column header) with its month (the file's title): the
    row's day, and a timestamp left empty becomes its local midnight. A day the month has not
    (31 in February), a day that is no number, a month that is no month: rule day_of_month."""
    day_text = frame.get_column(col.name)
    month_text = frame.get_column(col.day_of)
    month = parse_periods(month_text)
    number = day_text.str.strip_chars().str.strip_chars_end(".").cast(pl.Int32, strict=False)
    start, end = month.get_column("start"), month.get_column("end")
    whole_month = pl.select(
        (start.dt.day() == 1) & (start.dt.month_end() == end) & (start.dt.month() == end.dt.month())
    ).to_series()
    # The month's first day plus the day's number less one: a day the month has not (30
    # February) lands in the next month and is refused below.
    day = pl.select(
        pl.when(whole_month & number.is_between(1, 31))
        .then(start + pl.duration(days=number - 1))
        .cast(pl.Date)
    ).to_series()
    day = pl.select(pl.when(day <= end).then(day)).to_series()
    times = [c.name for c in contract.columns if c.type == "timestamp"]
    # The day is read where it gives the time: a row that writes its time needs none.
    needed = (
        pl.select(pl.all_horizontal(frame.get_column(t).is_null() for t in times)).to_series()
        if times
        else pl.repeat(True, frame.height, dtype=pl.Boolean, eager=True)
    )
    message = pl.select(
        pl.when(day_text.is_null() | ~needed)
        .then(None)
        .when(month_text.is_null())
        .then(
            pl.lit(
                f"a day of the month needs its month: give {col.day_of} (a column, a source "
                "spec's constant or the file's title)"
            )
        )
        .when(~whole_month.fill_null(False))
        .then(pl.format("{} is not one month (январь 2023, 2023-01)", month_text))
        .when(number.is_null() | ~number.is_between(1, 31))
        .then(pl.format("{} is not a day of the month (1-31)", day_text))
        .when(day.is_null())
        .then(pl.format("{} has no day {}", month_text, number))
    ).to_series()
    errors = _errors(frame.get_column("_record"), col.name, "day_of_month", day_text, message)
    if times:
        midnight = day.dt.strftime("%Y-%m-%d 00:00")
        frame = frame.with_columns(pl.col(t).fill_null(midnight) for t in times)
    return frame, errors


def _stations(
    out: pl.DataFrame, column: str, air: AirReference
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """station_id of each row: its station found in the register within its territory."""
    resolved = air.resolve(out.get_column(column), out.get_column("territory_id"))
    out = out.with_columns(
        station_id=resolved.get_column("station_id"),
        _station_country=resolved.get_column("country_code"),
    )
    errors = _errors(
        out.get_column("_record"),
        column,
        resolved.get_column("rule"),
        out.get_column(column),
        resolved.get_column("message"),
    )
    return out, errors


def _conversion_errors(
    out: pl.DataFrame, contract: Contract, units: Units, air: AirReference, frame: pl.DataFrame
) -> pl.DataFrame:
    """A concentration in ppb or ppm, or in multiples of a national limit, that cannot become
    µg/m³ for its pollutant and station's country (rule unit_convertible)."""
    measure = next(
        c
        for c in contract.columns
        if c.type == "measure" and {MIXING_RATIO, LIMIT_MULTIPLE} & set(c.dimensions or ())
    )
    unit = out.get_column(f"{measure.name}_unit")
    dimension = unit.replace_strict(units.dimension_of, default=None, return_dtype=pl.String)
    basis = (
        out.get_column("temperature_basis")
        if "temperature_basis" in out.columns
        else pl.repeat(None, out.height, dtype=pl.String, eager=True)
    )
    message = air.conversion_messages(
        unit, dimension, out.get_column("pollutant"), out.get_column("_station_country"), basis
    )
    # out holds one row per record, in the frame's order: the cell as written is beside it.
    values = frame.get_column(measure.name)
    return _errors(out.get_column("_record"), measure.name, "unit_convertible", values, message)


_SHOWN_CHARS = 80  # of an over-long cell, in the rejection's value


def _unreadable_cells(raw: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Cells of the contract's columns that are no value a person could have typed: longer
    than limits.yaml's max_cell_chars (Excel's own limit), or holding a NUL byte (a damaged
    export). Each rejects its row under the cell_readable rule, wherever in the file it is; the
    value shown is the cell's start with its length, NUL written as \\x00."""
    limit = limits().max_cell_chars
    columns = [c.name for c in contract.columns if c.name in raw.columns]
    if not columns:
        return pl.DataFrame(schema=_ERRORS)
    # One pass over all columns first (a byte count is free, a NUL a memchr): most files have
    # no such cell, and then nothing more is computed.
    flagged = raw.select(
        ((pl.col(c).str.len_bytes() > limit) | pl.col(c).str.contains("\x00", literal=True))
        .any()
        .alias(c)
        for c in columns
    ).row(0, named=True)
    out = []
    rows = pl.int_range(0, pl.len(), dtype=pl.Int64).alias("_record")
    for c in (c for c in columns if flagged[c]):
        cell = pl.col(c).cast(pl.String)
        length = cell.str.len_chars()
        nul = cell.str.find("\x00", literal=True)
        shown = cell.str.slice(0, _SHOWN_CHARS).str.replace_all("\x00", "\\x00", literal=True)
        found = raw.select(
            rows,
            pl.lit(c).alias("column_name"),
            pl.lit("cell_readable").alias("rule"),
            pl.when(length > _SHOWN_CHARS)
            .then(pl.format("{}… ({} characters)", shown, length))
            .otherwise(shown)
            .alias("value"),
            pl.when(length > limit)
            .then(
                pl.format(
                    "a cell of {} characters, more than the {} a cell may hold (Excel's own "
                    "limit): not a value of {}. Check the export; split or shorten the text",
                    length,
                    pl.lit(f"{limit:,}"),
                    pl.lit(c),
                )
            )
            .when(nul.is_not_null())
            .then(
                pl.format(
                    "a NUL byte (\\x00) at character {} of the cell: the file is damaged or not "
                    "plain text there. Export the table again",
                    nul + 1,
                )
            )
            .alias("message"),
        ).filter(pl.col("message").is_not_null())
        out.append(found)
    return pl.concat(out) if out else pl.DataFrame(schema=_ERRORS)


def _row_errors(raw: pl.DataFrame, rows: pl.Series, not_data: pl.Series) -> list[pl.DataFrame]:
    """Errors of a row as a whole: cells beyond the header, a quote left open, no data at all."""
    n = raw.height
    errors = []
    if "overflow" in raw.columns:
        overflow = raw.get_column("overflow").cast(pl.String)
        msg = pl.repeat(None, n, dtype=pl.String, eager=True).set(
            overflow.is_not_null(),
            "the row has cells beyond the header's last column: a delimiter inside an unquoted "
            "value shifts the columns; quote that value or use another delimiter",
        )
        errors.append(_errors(rows, "*", "row_width", overflow, msg))
    if "read_error" in raw.columns:
        read_error = raw.get_column("read_error").cast(pl.String)
        errors.append(_errors(rows, "*", "unclosed_quote", read_error, read_error))
    notes = (
        raw.get_column("extra").cast(pl.String)
        if "extra" in raw.columns
        else pl.repeat(None, n, dtype=pl.String, eager=True)
    )
    msg = pl.repeat(None, n, dtype=pl.String, eager=True).set(
        not_data, "no value in any column of the contract: a note, footnote or separator, not data"
    )
    errors.append(_errors(rows, "*", "not_a_data_row", notes, msg))
    return errors


def stage(
    raw: pl.DataFrame,
    contract: Contract,
    units: Units,
    territories: TerritoryIndex,
    options: StagingOptions | None = None,
    air: AirReference | None = None,
) -> StagingResult:
    """Parse and validate raw rows of one file.

    ``raw`` has ``row_number`` and contract columns as text (absent columns are treated as empty).
    Each column goes through the parser of its type (_PARSERS_BY_TYPE); periods and territories
    are then settled per row, the row-level rules applied, and the candidates checked by pandera.
    A contract with a station column needs ``air``, the station register it is resolved in.
    """
    options = options or StagingOptions()
    stations = [c.name for c in contract.columns if c.type == "station"]
    if stations and air is None:
        raise ValueError(f"staging {contract.dataset} needs the station register (air)")
    cell_errors = _unreadable_cells(raw, contract)
    frame, not_data, changed = _clean(raw, contract, options)
    rows = frame.get_column("_record")
    errors: list[pl.DataFrame] = []
    if stations:
        frame = _station_time_zones(frame, contract, stations[0], air)
    for col in (c for c in contract.columns if c.day_of):
        frame, day_errors = _days(frame, contract, col)
        errors.append(day_errors)
    typed: dict[str, pl.Series] = {}
    for col in contract.columns:
        column = _Column(col, frame.get_column(col.name), frame, units, options)
        if col.required:
            errors.append(_required(column))
        if col.missing_markers:
            column, missing = _missing(column)
            errors.append(missing)
        parsed, parse_errors = _PARSERS_BY_TYPE.get(col.type, _parse_text)(column)
        typed.update(parsed)
        errors.extend(parse_errors)

    out = pl.DataFrame({"_record": rows, **typed})
    if "_period_start" in out.columns:
        out, period_errors = _periods(out, frame, rows, contract)
        errors.append(period_errors)
    errors.append(_year_errors(out, contract, rows))
    if options.reported_by is not None and "period_end" in out.columns:
        errors.append(_future_errors(out, contract, options.reported_by, rows))
    territory_cols = [c.name for c in contract.columns if c.type == "territory"]
    if territory_cols:
        out, territory_errors = _territories(out, territory_cols[0], territories, options)
        errors.append(territory_errors)
    if stations:
        out, station_errors = _stations(out, stations[0], air)
        errors.append(station_errors)
        if any(r.name == "unit_convertible" for r in contract.rules):
            errors.append(_conversion_errors(out, contract, units, air, frame))
    out = out.select("_record", *[name for name, _ in contract.staged_columns()])
    errors.extend(_row_errors(raw, rows, not_data))

    parse_errors = pl.concat(errors, how="vertical")
    not_data_rows = rows.filter(not_data).implode()
    parse_errors = parse_errors.filter(
        ~pl.col("_record").is_in(not_data_rows) | (pl.col("rule") == "not_a_data_row")
    )
    # A day its month has not is its row's reason: the empty time and period it leaves are
    # noise; so is the missing time zone of a station the register does not hold (its entry
    # gives the zone).
    for reason, noise in (
        ("day_of_month", pl.col("rule").is_in(["required", "period_required"])),
        (
            "known_station",
            (pl.col("rule") == "time_zone")
            & pl.col("message").str.starts_with("a local time needs its time zone"),
        ),
    ):
        refused = parse_errors.filter(pl.col("rule") == reason).get_column("_record")
        if refused.len():
            parse_errors = parse_errors.filter(
                ~(pl.col("_record").is_in(refused.implode()) & noise)
            )
    # An unreadable cell is its row's reason: what its column's parser made of it is noise.
    parse_errors = pl.concat(
        [parse_errors.join(cell_errors, on=["_record", "column_name"], how="anti"), cell_errors]
    )
    candidates = out.filter(~pl.col("_record").is_in(parse_errors.get_column("_record").implode()))
    check_errors = _check(candidates, contract)
    ids = frame.select("_record", "row_number", "source_column")
    rejections = (
        pl.concat([parse_errors, check_errors], how="vertical")
        .join(ids, on="_record", how="left")
        .select(list(REJECTION_SCHEMA))
        .sort("row_number", "source_column", "column_name", "rule")
    )
    valid = (
        candidates.filter(~pl.col("_record").is_in(check_errors.get_column("_record").implode()))
        .join(ids, on="_record", how="left")
        .select("row_number", "source_column", *[c for c in out.columns if c != "_record"])
    )
    return StagingResult(valid, rejections, raw.height, changed.html_removed, changed.digits_read)


def _year_errors(out: pl.DataFrame, contract: Contract, rows: pl.Series) -> pl.DataFrame:
    """Periods and dates in a year no figure of this dataset can have ("0023", "1023"): the
    contract's plausible_year rule, its range from the rule (first, last) or limits.yaml. The
    message says what was probably meant: the same last two digits in this century or the
    last."""
    try:
        rule = contract.rule("plausible_year")
    except KeyError:
        return pl.DataFrame(schema=_ERRORS)
    first = getattr(rule, "first", None) or limits().first_plausible_year
    last = getattr(rule, "last", None) or limits().last_plausible_year
    columns = [
        c
        for c in (
            "period_start",
            "period_end",
            *(c.name for c in contract.columns if c.type == "date"),
        )
        if c in out.columns and out.schema[c] == pl.Date
    ]
    if not columns:
        return pl.DataFrame(schema=_ERRORS)
    outside = out.select(
        ((pl.col(c).dt.year() < first) | (pl.col(c).dt.year() > last)).any().alias(c)
        for c in dict.fromkeys(columns)
    ).row(0, named=True)
    found = []
    this_year = date.today().year
    for c in (c for c, any_outside in outside.items() if any_outside):
        year = pl.col(c).dt.year()
        yy = year % 100
        meant = pl.when(2000 + yy <= this_year + 10).then(2000 + yy).otherwise(1900 + yy)
        found.append(
            out.select(
                pl.col("_record"),
                pl.lit(c).alias("column_name"),
                pl.lit("plausible_year").alias("rule"),
                pl.col(c).cast(pl.String).alias("value"),
                pl.when((year < first) | (year > last))
                .then(
                    pl.format(
                        "the year {} is outside {}-{}, the years this dataset's figures can "
                        "have: a typo? Did you mean {}? Correct the year and land the file again",
                        year,
                        pl.lit(first),
                        pl.lit(last),
                        meant,
                    )
                )
                .alias("message"),
            ).filter(pl.col("message").is_not_null())
        )
    return pl.concat(found) if found else pl.DataFrame(schema=_ERRORS)


def _future_errors(
    out: pl.DataFrame, contract: Contract, reported_by: date, rows: pl.Series
) -> pl.DataFrame:
    """Rows reporting a period that had not ended when the file arrived: a report of the future
    is a plan or a target, which the contract names (``unless`` of its period_ended rule, such as
    a planned facility or a planned coal supply), or a typo (2099)."""
    try:
        rule = contract.rule("period_ended")
    except KeyError:
        return pl.DataFrame(schema=_ERRORS)
    exempt = pl.lit(False)
    for column, values in (getattr(rule, "unless", None) or {}).items():
        exempt = exempt | pl.col(column).is_in(values).fill_null(False)
    future = out.select((pl.col("period_end") > reported_by) & ~exempt).to_series().fill_null(False)
    message = pl.repeat(None, out.height, dtype=pl.String, eager=True).set(
        future,
        f"the period ends after {reported_by}, the day the file was landed: a figure cannot be "
        "reported before its period ends. Check the year; a plan or target is another "
        "measure of the dataset",
    )
    ends = out.get_column("period_end").cast(pl.String)
    return _errors(rows, "period_end", "period_ended", ends, message)


def _check(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Run the dataset's pandera schema; failures become rejections naming the contract rule."""
    model = contract.schema()
    try:
        model.validate(frame, lazy=True)
        return pl.DataFrame(schema=_ERRORS)
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
    schema_level = cases.filter(pl.col("index").is_null())
    if schema_level.height:
        # A wrong dtype or missing column is a bug in staging, not bad data: fail loudly.
        raise TypeError(
            f"staged {contract.dataset} rows do not match the model: {schema_level.to_dicts()}"
        )
    # A dataset's model module may explain its row-level checks with the numbers (explain()).
    explain = getattr(rules_module(contract), "explain", explain_period)
    rule = (
        pl.col("check")
        .str.split("(")
        .list.first()
        .replace_strict(_PANDERA_RULES, default=pl.col("check"), return_dtype=pl.String)
    )
    cases = cases.with_columns(rule=rule)
    # A column's check: the message is the column, its value and the rule, for every case at once.
    column_cases = cases.filter(pl.col("schema_context") == "Column").select(
        pl.col("index").cast(pl.Int64),
        column_name=pl.col("column"),
        rule=pl.col("rule"),
        value=pl.col("failure_case").cast(pl.String),
        message=pl.format(
            "{} = {} breaks {}",
            "column",
            pl.col("failure_case").cast(pl.String).fill_null("None"),
            "rule",
        ),
    )
    out = [
        column_cases.join(
            frame.select("_record").with_row_index("index").cast({"index": pl.Int64}),
            on="index",
            how="left",
        ).select(list(_ERRORS))
    ]
    # A row's check: its message names the row's numbers (explain), so the rows that broke one
    # (rejected rows only, taken at once) are read into Python.
    row_cases = cases.filter(pl.col("schema_context") != "Column")
    if row_cases.height:
        failed = frame.gather(row_cases.get_column("index")).to_dicts()
        records = []
        for case, row in zip(row_cases.select("check", "rule").iter_rows(), failed, strict=True):
            check, name = case
            column = _row_rule_column(name, contract)
            records.append(
                {
                    "_record": row["_record"],
                    "column_name": column,
                    "rule": name,
                    "value": str(row.get(column)) if column in row else None,
                    "message": (explain(check, row) if explain else None) or f"row breaks {name}",
                }
            )
        out.append(pl.DataFrame(records, schema=_ERRORS))
    return pl.concat(out)


def _row_rule_column(rule: str, contract: Contract) -> str:
    """The column an auditor should look at for a row-level rule."""
    if rule == "fractions_within_total" and contract.fractions:
        return next(iter(contract.fractions))
    if rule == "end_not_before_start":
        return "period_end"
    return "*"
