"""Pandera (polars) model of staged event rows (staging.eco_events).

Grain: one row per event (or series reported together) as published by one source.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts.base import TerritoryPeriodModel, explain_period, non_negative


class Model(TerritoryPeriodModel):
    """Typed, validated event rows."""

    event_type: str = pa.Field(nullable=False)
    title: str = pa.Field(nullable=False)
    organiser: str = pa.Field(nullable=True)
    purpose: str = pa.Field(nullable=True)
    events_count: pl.Int64 = pa.Field(nullable=False)
    participants: pl.Int64 = pa.Field(nullable=True)

    @pa.check("events_count", "participants", name="non_negative")
    def non_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return non_negative(data)


explain = explain_period
