"""Pandera (polars) model of staged air-emission rows (staging.emissions).

Grain: one row per territory x period x pollutant x source scope x basis, as published by one
source. Formats, units, vocabularies and territories are enforced in staging; this model checks
the typed rows.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts.base import TerritoryPeriodModel, explain_period, non_negative


class Model(TerritoryPeriodModel):
    """Typed, validated emission rows."""

    pollutant: str = pa.Field(nullable=False)
    scope: str = pa.Field(nullable=False)
    basis: str = pa.Field(nullable=False)
    emissions_t: pl.Float64 = pa.Field(nullable=False)

    @pa.check("emissions_t", name="non_negative")
    def non_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return non_negative(data)


explain = explain_period
