"""Resolution of territory names as written ("г. Бишкек", "Кузбасс", "RU-KEM") to gazetteer ids.

Pure: the index is built from the rows of the gazetteer (seeds/reference/regions.csv, loaded into
core.regions). An unknown name is never guessed: it is refused with the closest known alias as
a suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from assets.staging.parse import normalise_key

# Words that say what kind of place a name is but not which place.
_GENERIC = re.compile(r"^(г|город|city of) |^(the) ")


def territory_key(name: str) -> str:
    """Matching key of a territory name: normalised text without a leading "г." or "город"."""
    return _GENERIC.sub("", normalise_key(name)).strip()


@dataclass(frozen=True)
class TerritoryIndex:
    """Alias key -> territory id, and one display form per key for suggestions."""

    ids: Mapping[str, str]
    display: Mapping[str, str]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str | None]]) -> TerritoryIndex:
        """Build from gazetteer rows (territory_id, iso_code, name_en, name_ru, aliases).

        Raises ValueError when one key would name two territories: an ambiguous alias is a
        gazetteer error, not something to resolve at random.
        """
        ids: dict[str, str] = {}
        display: dict[str, str] = {}
        clashes = []
        for row in rows:
            tid = row["territory_id"]
            names = [tid, row.get("iso_code"), row.get("name_en"), row.get("name_ru")]
            names += (row.get("aliases") or "").split("|")
            for name in names:
                if not name:
                    continue
                key = territory_key(name)
                if ids.get(key, tid) != tid:
                    clashes.append(f"'{name}' names both {ids[key]} and {tid}")
                ids[key] = tid
                display.setdefault(key, name)
        if clashes:
            raise ValueError("ambiguous gazetteer aliases: " + "; ".join(clashes))
        return cls(ids, display)

    def resolve(self, name: str) -> str | None:
        return self.ids.get(territory_key(name))

    def suggest(self, name: str) -> str | None:
        """The closest known alias and its id, for an error message."""
        close = difflib.get_close_matches(territory_key(name), list(self.ids), n=1, cutoff=0.6)
        if not close:
            return None
        return f"'{self.display[close[0]]}' ({self.ids[close[0]]})"

    def resolve_column(self, names: pl.Series) -> pl.DataFrame:
        """Resolve a text column. Returns ``territory_id`` and ``message`` (null when resolved or
        empty), one row per input row; each distinct name is looked up once."""
        distinct = names.drop_nulls().unique().to_list()
        found = [self.resolve(n) for n in distinct]
        messages = []
        for n, tid in zip(distinct, found, strict=True):
            if tid is not None:
                messages.append(None)
                continue
            hint = self.suggest(n)
            messages.append(
                f"unknown territory '{n}'"
                + (f" - did you mean {hint}?" if hint else "")
                + " Add it to seeds/reference/regions.csv (or as an alias) if it is a real territory."
            )
        lookup = pl.DataFrame(
            {"name": distinct, "territory_id": found, "message": messages},
            schema={"name": pl.String, "territory_id": pl.String, "message": pl.String},
        )
        return (
            pl.DataFrame({"name": names})
            .join(lookup, on="name", how="left", maintain_order="left")
            .select("territory_id", "message")
        )
