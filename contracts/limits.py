"""What ecostat accepts from a landed file, how long it waits for one, and how long it keeps
what it published (contracts/limits.yaml).

Declared once; ingest, `ecostat check`, the source-spec loader and the publication
(assets/publish/assets.py) read them from here.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

LIMITS_FILE = Path(__file__).with_name("limits.yaml")


class Limits(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    settle_seconds: float = Field(ge=0)
    max_cell_chars: int = Field(gt=0)
    first_plausible_year: int
    last_plausible_year: int
    xlsx_max_unpacked_mb: int = Field(gt=0)
    xlsx_max_ratio: float = Field(gt=1)
    xlsx_max_rows: int = Field(gt=0)
    xlsx_max_columns: int = Field(gt=0)
    published_snapshots_kept_days: int = Field(gt=0)


@cache
def _declared() -> Limits:
    with LIMITS_FILE.open(encoding="utf-8") as f:
        return Limits.model_validate(yaml.safe_load(f))


def limits() -> Limits:
    """The declared limits, with ECOSTAT_SETTLE_SECONDS in force when it is set."""
    declared = _declared()
    settle = os.environ.get("ECOSTAT_SETTLE_SECONDS")
    if settle is None:
        return declared
    return declared.model_copy(update={"settle_seconds": max(0.0, float(settle))})
