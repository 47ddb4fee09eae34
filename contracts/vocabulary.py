"""The shared vocabulary of submissions: how names, aliases and unit words are matched
(``normalise_key``), and the unit and scale words of seeds/reference/units.csv and scales.csv
(``Units``). Below every layer that reads a file: contracts, ingest and staging use the same one.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

DASHES = re.compile(r"[\u2010-\u2015\u2212]")  # hyphen, en and em dash, minus sign
SPACES = re.compile(r"[\s\u00a0\u202f]+")


def normalise_key(text: str) -> str:
    """A key for matching names, aliases and unit words: lower case, ё as е, one kind of dash,
    punctuation and quotes as spaces, single spaces."""
    t = text.lower().replace("ё", "е")
    t = DASHES.sub("-", t)
    t = re.sub(r"[«»\"'“”„.,:;()\[\]*/\\]", " ", t)
    return SPACES.sub(" ", t).strip()


@dataclass(frozen=True)
class Units:
    """The unit vocabulary of seeds/reference/units.csv and the scale words of scales.csv."""

    unit_of: dict[str, str]  # normalised alias -> unit code
    dimension_of: dict[str, str]  # unit code -> dimension
    factor_of: dict[str, float]  # unit code -> factor to the dimension's base unit
    scales: dict[str, float]  # normalised scale word -> factor

    @property
    def base_of(self) -> dict[str, str]:
        """Dimension -> its base unit (the unit with factor 1)."""
        return {dim: code for code, dim in self.dimension_of.items() if self.factor_of[code] == 1.0}

    @classmethod
    def from_rows(cls, units: Iterable[Mapping], scales: Iterable[Mapping]) -> Units:
        """Build from rows of units.csv (alias, unit, dimension, factor_to_base) and scales.csv
        (word, factor), as read from seeds or from core.units and core.scales."""
        unit_of, dimension_of, factor_of = {}, {}, {}
        for row in units:
            code = row["unit"]
            unit_of[normalise_key(row["alias"])] = code
            unit_of[normalise_key(code)] = code
            dimension_of[code] = row["dimension"]
            factor_of[code] = float(row["factor_to_base"])
        scale_of = {normalise_key(r["word"]): float(r["factor"]) for r in scales}
        return cls(unit_of, dimension_of, factor_of, scale_of)

    @classmethod
    def from_csv(cls, units_csv: Path, scales_csv: Path) -> Units:
        with units_csv.open(encoding="utf-8") as u, scales_csv.open(encoding="utf-8") as s:
            return cls.from_rows(csv.DictReader(u), csv.DictReader(s))

    def resolve(self, text: str) -> tuple[float, str | None] | None:
        """Scale and unit code of a suffix such as "тыс. т", "кг", "млн" or ""; None if unknown."""
        key = normalise_key(text)
        if key in self.unit_of:
            return 1.0, self.unit_of[key]
        first, _, rest = key.partition(" ")
        if first in self.scales:
            if not rest:
                return self.scales[first], None
            if rest in self.unit_of:
                return self.scales[first], self.unit_of[rest]
            return None
        if not key:
            return 1.0, None
        return None
