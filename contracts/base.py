"""What every territory-and-period dataset shares: the pandera base model of its staged rows."""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl


class TerritoryPeriodModel(pa.DataFrameModel):
    """Columns and rules every dataset reported by territory and period has. Dataset models
    subclass it, add their own columns and declare their non_negative check."""

    territory: str = pa.Field(nullable=False)
    territory_id: str = pa.Field(nullable=False)
    period_start: date = pa.Field(nullable=False)
    period_end: date = pa.Field(nullable=False)
    source_title: str = pa.Field(nullable=True)
    source_url: str = pa.Field(nullable=True)
    source_confidence: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="end_not_before_start")
    def end_not_before_start(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("period_end") >= pl.col("period_start"))

    class Config:
        strict = False  # file_id and row_number travel with the rows
        coerce = False  # staging produces the types; a wrong type is a bug, not bad data


def non_negative(data: pa.PolarsData) -> pl.LazyFrame:
    """Body of every dataset's non_negative check."""
    return data.lazyframe.select(pl.col(data.key).is_null() | (pl.col(data.key) >= 0))


def explain_period(check: str, row: dict) -> str | None:
    if check == "end_not_before_start":
        return f"period ends {row['period_end']} before it starts {row['period_start']}"
    return None
