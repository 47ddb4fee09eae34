"""Pandera (polars) model of staged waste-facility records (staging.waste_facilities).

Grain: one row per facility (or line) per status record, as published by one source.
"""

from __future__ import annotations

from datetime import date

import pandera.polars as pa
import polars as pl

from contracts.base import TerritoryPeriodModel, explain_period, non_negative


class Model(TerritoryPeriodModel):
    """Typed, validated facility records."""

    facility_name: str = pa.Field(nullable=False)
    facility_id: str = pa.Field(nullable=True)
    component: str = pa.Field(nullable=False)
    operator: str = pa.Field(nullable=True)
    facility_type: str = pa.Field(nullable=False)
    status: str = pa.Field(nullable=False)
    capacity: pl.Float64 = pa.Field(nullable=True)
    capacity_unit: str = pa.Field(nullable=True)
    commissioning_date: date = pa.Field(nullable=True)
    decommissioning_date: date = pa.Field(nullable=True)
    municipality: str = pa.Field(nullable=True)
    scheme_reference: str = pa.Field(nullable=True)

    @pa.check("capacity", name="non_negative")
    def non_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return non_negative(data)


explain = explain_period
