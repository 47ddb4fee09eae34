"""A column of dates or periods, parsed: each distinct value once, by contracts/periods.py."""

from __future__ import annotations

import polars as pl

from contracts.periods import PeriodError, parse_period

__all__ = ["PeriodError", "parse_period", "parse_periods"]


def parse_periods(values: pl.Series) -> pl.DataFrame:
    """Parse a text column of dates or periods. Each distinct value is parsed once.

    Returns ``start``, ``end`` (Date) and ``message`` (null where the cell parsed or was empty),
    one row per input row.
    """
    distinct = values.drop_nulls().unique().to_list()
    starts, ends, messages = [], [], []
    for v in distinct:
        try:
            s, e = parse_period(v)
            starts.append(s)
            ends.append(e)
            messages.append(None)
        except PeriodError as err:
            starts.append(None)
            ends.append(None)
            messages.append(str(err))
    lookup = pl.DataFrame(
        {"text": distinct, "start": starts, "end": ends, "message": messages},
        schema={"text": pl.String, "start": pl.Date, "end": pl.Date, "message": pl.String},
    )
    return (
        pl.DataFrame({"text": values})
        .join(lookup, on="text", how="left", maintain_order="left")
        .select("start", "end", "message")
    )
