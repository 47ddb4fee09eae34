"""Pandera (polars) model of staged water-fee rows (staging.water_fees).

Grain: one row per territory x period x fee type x payer group x budget level, as published by
one source. Currencies, formats, vocabularies and territories are enforced in staging.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts.base import TerritoryPeriodModel, explain_period, non_negative


class Model(TerritoryPeriodModel):
    """Typed, validated water-fee rows."""

    fee_type: str = pa.Field(nullable=False)
    payer_group: str = pa.Field(nullable=False)
    budget_level: str = pa.Field(nullable=False)
    amount: pl.Float64 = pa.Field(nullable=False)
    amount_unit: str = pa.Field(nullable=False)

    @pa.check("amount", name="non_negative")
    def non_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return non_negative(data)


explain = explain_period
