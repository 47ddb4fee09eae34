"""Raw text rows -> typed, validated rows and rejections, for any dataset declared by a contract.

Pure: frames in, frames out. Each column is parsed by its contract type (territory, period, date,
text, count, quantity); the typed rows are then checked by the dataset's pandera model. A row that
breaks any rule is rejected as a whole and every broken rule is reported with the column, the value
as written and a message; a row that breaks none is kept. Nothing is dropped silently:
``rows_read == rows_loaded + rows_rejected`` for every call.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import date

import pandera.polars as pa
import polars as pl

from assets.staging.parse import (
    clean_cells,
    html_cells,
    needs_full_clean,
    parse_measure,
    parse_periods,
)
from contracts import Contract
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


def stage(
    raw: pl.DataFrame,
    contract: Contract,
    units: Units,
    territories: TerritoryIndex,
    options: StagingOptions | None = None,
) -> StagingResult:
    """Parse and validate raw rows of one file.

    ``raw`` has ``row_number`` and contract columns as text (absent columns are treated as empty).
    """
    options = options or StagingOptions()
    n = raw.height
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
    # A row with nothing in any contract column (a footnote, a note under the table) is refused as
    # such, with its text, instead of with one "required" error per column.
    not_data = frame.select(pl.all_horizontal(pl.col(text_cols).is_null())).to_series()
    notes = (
        raw.get_column("extra").cast(pl.String)
        if "extra" in raw.columns
        else pl.Series([None] * n, dtype=pl.String)
    )
    # A file's cell wins over its source spec's constant, which wins over the contract's default.
    if options.constants:
        frame = frame.with_columns(
            pl.coalesce(pl.col(c), pl.lit(v)).alias(c) for c, v in options.constants.items()
        )
    defaults = {c.name: c.default for c in contract.columns if c.default is not None}
    if defaults:
        frame = frame.with_columns(pl.col(c).fill_null(pl.lit(v)) for c, v in defaults.items())
    rows = frame.get_column("_record")
    errors: list[pl.DataFrame] = []
    typed: dict[str, pl.Series] = {}

    for col in contract.columns:
        values = frame.get_column(col.name)
        if col.required:
            errors.append(
                _errors(
                    rows,
                    col.name,
                    "required",
                    values,
                    pl.Series([None] * n, dtype=pl.String).set(
                        values.is_null(), f"{col.name} is required and empty"
                    ),
                )
            )
        if col.type in ("quantity", "count"):
            parsed = parse_measure(
                frame,
                col.name,
                col.unit or "",
                units,
                default_suffix=options.units.get(col.name) or "",
                decimal_separator=options.decimal_separator,
                integer=col.type == "count",
            )
            typed[col.name] = parsed.get_column("value").alias(col.name)
            errors.append(
                _errors(
                    rows, col.name, parsed.get_column("rule"), values, parsed.get_column("message")
                )
            )
        elif col.type == "measure":
            cells = values
            if col.unit_column:
                # A unit in its own column ("Валюта: сом") applies to cells that carry none.
                unit_cells = frame.get_column(col.unit_column)
                cells = pl.select(
                    pl.when(unit_cells.is_not_null() & values.is_not_null())
                    .then(pl.concat_str([values, unit_cells], separator=" "))
                    .otherwise(values)
                ).to_series()
            parsed = parse_measure(
                pl.DataFrame({col.name: cells}),
                col.name,
                None,
                units,
                default_suffix=options.units.get(col.name) or "",
                decimal_separator=options.decimal_separator,
                dimensions=col.dimensions,
            )
            typed[col.name] = parsed.get_column("value").alias(col.name)
            typed[f"{col.name}_unit"] = parsed.get_column("unit").alias(f"{col.name}_unit")
            errors.append(
                _errors(
                    rows, col.name, parsed.get_column("rule"), cells, parsed.get_column("message")
                )
            )
        elif col.type in ("period", "date"):
            parsed = parse_periods(values)
            errors.append(
                _errors(rows, col.name, "date_format", values, parsed.get_column("message"))
            )
            if col.type == "period":
                typed["_period_start"], typed["_period_end"] = (
                    parsed.get_column("start"),
                    parsed.get_column("end"),
                )
            else:
                typed[col.name] = parsed.get_column(
                    "end" if col.name.endswith("_end") else "start"
                ).alias(col.name)
        elif col.type == "territory":
            typed[col.name] = values  # resolved below, with each row's period
        else:
            typed[col.name] = values
            if col.allowed:
                vocabulary = col.vocabulary()
                # A column holds few distinct spellings: each is looked up once.
                spelled = {
                    v: vocabulary.get(normalise_key(v)) for v in values.drop_nulls().unique()
                }
                canonical = values.replace_strict(spelled, default=None, return_dtype=pl.String)
                bad = values.is_not_null() & canonical.is_null()
                msg = pl.Series([None] * n, dtype=pl.String).set(
                    bad, f"{col.name} must be one of {', '.join(sorted(set(vocabulary.values())))}"
                )
                errors.append(_errors(rows, col.name, "allowed_value", values, msg))
                typed[col.name] = canonical

    out = pl.DataFrame({"_record": rows, **typed})
    if "_period_start" in out.columns:
        # An explicit start or end wins over a period written in one cell.
        out = out.with_columns(
            period_start=pl.coalesce("period_start", "_period_start"),
            period_end=pl.coalesce("period_end", "_period_end"),
        ).drop("_period_start", "_period_end")
        no_period = (
            out.get_column("period_start").is_null() | out.get_column("period_end").is_null()
        )
        period_text = frame.get_column("period")
        parse_failed = period_text.is_not_null() & out.get_column("period_start").is_null()
        msg = pl.Series([None] * n, dtype=pl.String).set(
            no_period & ~parse_failed,
            "no period: give a date or period (period) or period_start and period_end",
        )
        errors.append(_errors(rows, "period", "period_required", period_text, msg))
    if options.reported_by is not None and "period_end" in out.columns:
        errors.append(_future_errors(out, contract, options.reported_by, rows))

    territory_cols = [c.name for c in contract.columns if c.type == "territory"]
    if territory_cols:
        # A name or code may have named another territory before a change (KZ-YUZ: South
        # Kazakhstan until 2018), so the period takes part in choosing the territory.
        values = out.get_column(territory_cols[0])
        resolved = territories.resolve_column(
            values,
            options.territories,
            country=options.country,
            starts=out.get_column("period_start") if "period_start" in out.columns else None,
            ends=out.get_column("period_end") if "period_end" in out.columns else None,
        )
        out = out.with_columns(territory_id=resolved.get_column("territory_id"))
        errors.append(
            _errors(
                rows,
                territory_cols[0],
                resolved.get_column("rule"),
                values,
                resolved.get_column("message"),
            )
        )
    out = out.select("_record", *[name for name, _ in contract.staged_columns()])

    if "overflow" in raw.columns:
        overflow = raw.get_column("overflow").cast(pl.String)
        errors.append(
            _errors(
                rows,
                "*",
                "row_width",
                overflow,
                pl.Series([None] * n, dtype=pl.String).set(
                    overflow.is_not_null(),
                    "the row has cells beyond the header's last column: a delimiter inside an unquoted "
                    "value shifts the columns; quote that value or use another delimiter",
                ),
            )
        )
    if "read_error" in raw.columns:
        read_error = raw.get_column("read_error").cast(pl.String)
        errors.append(_errors(rows, "*", "unclosed_quote", read_error, read_error))
    errors.append(
        _errors(
            rows,
            "*",
            "not_a_data_row",
            notes,
            pl.Series([None] * n, dtype=pl.String).set(
                not_data,
                "no value in any column of the contract: a note, footnote or separator, not data",
            ),
        )
    )
    parse_errors = pl.concat(errors, how="vertical")
    not_data_rows = rows.filter(not_data).implode()
    parse_errors = parse_errors.filter(
        ~pl.col("_record").is_in(not_data_rows) | (pl.col("rule") == "not_a_data_row")
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
    return StagingResult(valid, rejections, n, html_removed)


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
    message = pl.Series([None] * out.height, dtype=pl.String).set(
        future,
        f"the period ends after {reported_by}, the day the file was landed: a figure cannot be "
        "reported before its period ends. Check the year; a plan or target is another "
        "measure of the dataset",
    )
    ends = out.get_column("period_end").cast(pl.String)
    return _errors(rows, "period_end", "period_ended", ends, message)


def _check(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """Run the dataset's pandera model; failures become rejections naming the contract rule."""
    model = contract.model()
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
    explain = getattr(importlib.import_module(model.__module__), "explain", None)
    out = []
    for case in cases.iter_rows(named=True):
        row = frame.row(case["index"], named=True)
        check = case["check"]
        rule = _PANDERA_RULES.get(check.split("(")[0], check)
        if case["schema_context"] == "Column":
            column, value = case["column"], case["failure_case"]
            message = f"{column} = {value} breaks {rule}"
        else:
            column, value = _row_rule_column(rule, contract), None
            message = (explain(check, row) if explain else None) or f"row breaks {rule}"
            value = str(row.get(column)) if column in row else None
        out.append(
            {
                "_record": row["_record"],
                "column_name": column,
                "rule": rule,
                "value": value,
                "message": message,
            }
        )
    return pl.DataFrame(out, schema=_ERRORS)


def _row_rule_column(rule: str, contract: Contract) -> str:
    """The column an auditor should look at for a row-level rule."""
    if rule == "fractions_within_total" and contract.fractions:
        return next(iter(contract.fractions))
    if rule == "end_not_before_start":
        return "period_end"
    return "*"
