"""The pandera schema of a dataset's staged rows, generated from its contract.

Grain: one schema per dataset (contracts/<dataset>/contract.yaml). Its columns are the
contract's staged columns with their types; a column may be null unless the contract requires
it, gives it a default or, for a measure's unit, requires the measure (territory_id and the
period's start and end are always required: staging sets them or rejects the row). Rules shared by every dataset are added here: ``non_negative`` over every
number column when the contract declares that rule, ``end_not_before_start``. What only one
dataset checks lives in its ``contracts/<dataset>/model.py``: ``COLUMN_CHECKS`` (column ->
checks), ``CHECKS`` (row-level checks) and ``explain`` (a message with the numbers).
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pandera.polars as pa
import polars as pl

from contracts import Contract

_DTYPES = {
    "varchar": pl.String,
    "double": pl.Float64,
    "bigint": pl.Int64,
    "date": pl.Date,
    "timestamptz": pl.Datetime("us", "UTC"),
}
_ALWAYS_REQUIRED = {"territory_id", "period_start", "period_end"}
_NUMBERS = ("quantity", "count", "measure")


def non_negative(data: pa.PolarsData) -> pl.LazyFrame:
    """A number column holds no value below zero (null is no value)."""
    return data.lazyframe.select(pl.col(data.key).is_null() | (pl.col(data.key) >= 0))


def end_not_before_start(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col("period_end") >= pl.col("period_start"))


def explain_period(check: str, row: dict) -> str | None:
    """The message of a row that breaks end_not_before_start."""
    if check == "end_not_before_start":
        return f"period ends {row['period_end']} before it starts {row['period_start']}"
    return None


def rules_module(contract: Contract) -> ModuleType:
    """contracts/<dataset>/model.py: the dataset's own checks and messages."""
    return importlib.import_module(f"contracts.{contract.dataset}.model")


def schema(contract: Contract) -> pa.DataFrameSchema:
    """The pandera schema of staging.<dataset> (module docstring)."""
    module = rules_module(contract)
    own: dict[str, list[pa.Check]] = getattr(module, "COLUMN_CHECKS", {})
    rules = {r.name for r in contract.rules}
    # A column with a default is never empty; a measure's unit is there when its value must be.
    required = {c.name for c in contract.columns if c.required or c.default is not None}
    required |= {
        f"{c.name}_unit" for c in contract.columns if c.type == "measure" and c.name in required
    }
    required |= _ALWAYS_REQUIRED
    numbers = {c.name for c in contract.stored_columns if c.type in _NUMBERS}
    unknown = set(own) - {name for name, _ in contract.staged_columns()}
    if unknown:
        raise ValueError(
            f"{contract.dataset}: COLUMN_CHECKS name unknown columns {sorted(unknown)}"
        )
    columns = {}
    for name, duck_type in contract.staged_columns():
        checks = []
        if name in numbers and "non_negative" in rules:
            checks.append(pa.Check(non_negative, name="non_negative"))
        checks += own.get(name, [])
        columns[name] = pa.Column(
            _DTYPES[duck_type],
            nullable=name not in required,
            checks=checks,
            # An instant read back from DuckDB carries the session's name for UTC ("Etc/UTC"):
            # the same instants, so the type is made "UTC" before it is compared.
            coerce=duck_type == "timestamptz",
        )
    checks = [pa.Check(end_not_before_start, name="end_not_before_start")]
    checks += getattr(module, "CHECKS", [])
    # file_id and row_number travel with the rows (strict=False); staging produces the types, so
    # a wrong type is a bug, not bad data (coerce=False).
    return pa.DataFrameSchema(
        columns, checks=checks, strict=False, coerce=False, name=f"staging.{contract.dataset}"
    )
