"""Checks of staged air-quality measurements (staging.air_quality) beyond those generated from
the contract (contracts/schema.py: types, required columns, end_not_before_start).

Grain: one row per station x pollutant x averaging period x time, as published by one source.
The time is an instant in UTC (read from the publisher's local time in the row's time zone);
period_start and period_end are its local day. Missing values (the layout's marker, -999 for
AirNow) and values the publisher's QC marks invalid or missing are refused in staging with
their reason, so a loaded row always holds a measured value. Here: a concentration is not below
a monitor's noise floor (the contract's rule above_noise_floor; a small negative reading is
kept, as measured).
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from contracts import CONTRACTS_DIR, load_contract
from contracts.schema import explain_period
from contracts.vocabulary import Units

CONTRACT = load_contract("air_quality")
FLOOR_UGM3 = float(CONTRACT.rule("above_noise_floor").floor_ugm3)


def _factors() -> dict[str, float]:
    """Concentration unit -> its factor to µg/m³, as seeds/reference/units.csv declares them."""
    reference = CONTRACTS_DIR.parent / "seeds" / "reference"
    units = Units.from_csv(reference / "units.csv", reference / "scales.csv")
    return {
        unit: units.factor_of[unit]
        for unit, dimension in units.dimension_of.items()
        if dimension == "concentration_mass"
    }


_FACTOR = _factors()


def _in_ugm3() -> pl.Expr:
    return pl.col("value") * pl.col("value_unit").replace_strict(_FACTOR, default=None)


def _above_noise_floor(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select((_in_ugm3() >= FLOOR_UGM3).fill_null(True))


CHECKS = [pa.Check(_above_noise_floor, name="above_noise_floor")]


def explain(check: str, row: dict) -> str | None:
    """A message for a failed row-level check, with the numbers an auditor needs."""
    if check == "above_noise_floor":
        return (
            f"{row['value']} {row['value_unit']} is below a monitor's noise floor of "
            f"{FLOOR_UGM3:g} µg/m³: a fault of the instrument, not a concentration"
        )
    return explain_period(check, row)
