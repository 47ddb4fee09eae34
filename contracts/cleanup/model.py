"""Checks of staged clean-up rows (staging.cleanup) beyond those generated from the contract
(contracts/schema.py: types, required columns, non_negative, end_not_before_start).

Grain: one row per reported clean-up event or campaign result for one territory and period, as
published by one source. Parsing rules (number and date formats, units, known territory) are
enforced earlier, in staging. Here: the fractions of a total add up to no more than it.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts import load_contract
from contracts.schema import explain_period

CONTRACT = load_contract("cleanup")
FRACTIONS = CONTRACT.fractions["waste_collected_t"]
_TOLERANCE = CONTRACT.rule("fractions_within_total")
TOLERANCE_SHARE = float(_TOLERANCE.tolerance_share)
TOLERANCE_T = float(_TOLERANCE.tolerance_t)


def fraction_sum() -> pl.Expr:
    """Sum of the known fractions; null when none is known."""
    return pl.when(pl.any_horizontal(pl.col(FRACTIONS).is_not_null())).then(
        pl.sum_horizontal(FRACTIONS)
    )


def tolerance() -> pl.Expr:
    return pl.max_horizontal(pl.col("waste_collected_t") * TOLERANCE_SHARE, pl.lit(TOLERANCE_T))


def _fractions_within_total(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(
        (fraction_sum() <= pl.col("waste_collected_t") + tolerance()).fill_null(True)
    )


CHECKS = [pa.Check(_fractions_within_total, name="fractions_within_total")]


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
