"""Checks of staged coal rows (staging.coal_usage) beyond those generated from the contract
(contracts/schema.py: types, required columns, non_negative, end_not_before_start).

Grain: one row per territory x period x flow x consumer type x mining method x site, as
published by one source.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl


def _ash_share(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col("ash_pct").is_null() | (pl.col("ash_pct") <= 100))


COLUMN_CHECKS = {"ash_pct": [pa.Check(_ash_share, name="ash_share")]}
