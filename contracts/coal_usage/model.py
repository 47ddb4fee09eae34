"""Pandera (polars) model of staged coal rows (staging.coal_usage).

Grain: one row per territory x period x flow x consumer type x mining method x site, as
published by one source.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts.base import TerritoryPeriodModel, explain_period, non_negative


class Model(TerritoryPeriodModel):
    """Typed, validated coal rows."""

    flow: str = pa.Field(nullable=False)
    consumer_type: str = pa.Field(nullable=False)
    mining_method: str = pa.Field(nullable=False)
    site: str = pa.Field(nullable=True)
    coal_rank: str = pa.Field(nullable=False)
    coal_t: pl.Float64 = pa.Field(nullable=False)
    ash_pct: pl.Float64 = pa.Field(nullable=True)

    @pa.check("coal_t", "ash_pct", name="non_negative")
    def non_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return non_negative(data)

    @pa.check("ash_pct", name="ash_share")
    def ash_share(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("ash_pct").is_null() | (pl.col("ash_pct") <= 100))


explain = explain_period
