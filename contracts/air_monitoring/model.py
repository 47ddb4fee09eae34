"""Pandera (polars) model of staged air-monitoring rows (staging.air_monitoring).

Grain: one row per territory x period x kind of instrument x operator, as published by one
source. Vocabularies, counts and territories are enforced in staging.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts.base import TerritoryPeriodModel, explain_period, non_negative


class Model(TerritoryPeriodModel):
    """Typed, validated rows of the monitoring network."""

    instrument: str = pa.Field(nullable=False)
    operator: str = pa.Field(nullable=True)
    operator_kind: str = pa.Field(nullable=False)
    stations: pl.Int64 = pa.Field(nullable=True)
    providers: pl.Int64 = pa.Field(nullable=True)
    pollutants: str = pa.Field(nullable=True)

    @pa.check("stations", "providers", name="non_negative")
    def non_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return non_negative(data)


explain = explain_period
