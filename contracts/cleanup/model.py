"""Pandera (polars) model of staged clean-up rows: the rules of contracts/cleanup/contract.yaml
that apply to typed values.

Grain: one row per reported clean-up event or campaign result for one territory and period, as
published by one source. Parsing rules (number and date formats, units, known territory) are
enforced earlier, in staging; this model checks what typed rows must satisfy.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts import load_contract
from contracts.base import TerritoryPeriodModel, explain_period, non_negative

CONTRACT = load_contract("cleanup")
FRACTIONS = CONTRACT.fractions["waste_collected_t"]
_TOLERANCE = CONTRACT.rule("fractions_within_total")
TOLERANCE_SHARE = float(_TOLERANCE.tolerance_share)
TOLERANCE_T = float(_TOLERANCE.tolerance_t)
_QUANTITIES = [c.name for c in CONTRACT.columns if c.type in ("quantity", "count")]


def fraction_sum() -> pl.Expr:
    """Sum of the known fractions; null when none is known."""
    return pl.when(pl.any_horizontal(pl.col(FRACTIONS).is_not_null())).then(
        pl.sum_horizontal(FRACTIONS)
    )


def tolerance() -> pl.Expr:
    return pl.max_horizontal(pl.col("waste_collected_t") * TOLERANCE_SHARE, pl.lit(TOLERANCE_T))


class Model(TerritoryPeriodModel):
    """Typed, validated clean-up rows (staging.cleanup)."""

    event_name: str = pa.Field(nullable=True)
    participants: pl.Int64 = pa.Field(nullable=True)
    organisations: pl.Int64 = pa.Field(nullable=True)
    events_count: pl.Int64 = pa.Field(nullable=True)
    waste_collected_t: pl.Float64 = pa.Field(nullable=True)
    plastic_t: pl.Float64 = pa.Field(nullable=True)
    glass_t: pl.Float64 = pa.Field(nullable=True)
    paper_t: pl.Float64 = pa.Field(nullable=True)
    metal_t: pl.Float64 = pa.Field(nullable=True)
    rubber_t: pl.Float64 = pa.Field(nullable=True)
    textile_t: pl.Float64 = pa.Field(nullable=True)
    other_t: pl.Float64 = pa.Field(nullable=True)
    volume_m3: pl.Float64 = pa.Field(nullable=True)

    @pa.check(*_QUANTITIES, name="non_negative")
    def non_negative(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return non_negative(data)

    @pa.dataframe_check(name="fractions_within_total")
    def fractions_within_total(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (fraction_sum() <= pl.col("waste_collected_t") + tolerance()).fill_null(True)
        )


def explain(check: str, row: dict) -> str | None:
    """A message for a failed row-level check, with the numbers an auditor needs."""
    if check == "fractions_within_total":
        parts = {f: row[f] for f in FRACTIONS if row.get(f) is not None}
        total = row["waste_collected_t"]
        return (
            f"fractions add up to {sum(parts.values()):,.3f} t "
            f"({', '.join(f'{k} {v:,.3f}' for k, v in parts.items())}), more than the total "
            f"{total:,.3f} t beyond the tolerance of "
            f"{max(total * TOLERANCE_SHARE, TOLERANCE_T):,.3f} t"
        )
    return explain_period(check, row)
