"""Resolution of territory names as written ("г. Бишкек", "Кузбасс", "RU-KEM") to gazetteer ids.

Pure: the index is built from the rows of the gazetteer (seeds/reference/regions.csv, loaded into
core.regions). An unknown name is never guessed: it is refused with the closest known alias as
a suggestion.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from assets.staging.parse import normalise_key

# Words that say what kind of place a name is but not which place. A Russian region name is an
# adjective ("Атырауская область", statistics tables write "Атырауская") and a city a noun
# ("Атырау"), so dropping "область" keeps names apart; English "region" would not ("Osh").
_GENERIC = re.compile(r"^(г|город|city of|the) | (область|обл)$")


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def territory_key(name: str) -> str:
    """Matching key of a territory name: normalised, without "г."/"город" before it or
    "область"/"обл." after it."""
    return _GENERIC.sub("", normalise_key(name)).strip()


@dataclass(frozen=True)
class TerritoryIndex:
    """Alias key -> territory id, one display form per key for suggestions, and per territory its
    ISO code and the dates it existed (None: open-ended)."""

    ids: Mapping[str, str]
    display: Mapping[str, str]
    iso: Mapping[str, str | None] = field(default_factory=dict)
    valid: Mapping[str, tuple[date | None, date | None]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str | None]]) -> TerritoryIndex:
        """Build from gazetteer rows (territory_id, iso_code, name_en, name_ru, aliases).

        Raises ValueError when one key would name two territories: an ambiguous alias is a
        gazetteer error, not something to resolve at random.
        """
        ids: dict[str, str] = {}
        display: dict[str, str] = {}
        iso: dict[str, str | None] = {}
        valid: dict[str, tuple[date | None, date | None]] = {}
        clashes = []
        for row in rows:
            tid = row["territory_id"]
            iso[tid] = row.get("iso_code") or None
            valid[tid] = (_as_date(row.get("valid_from")), _as_date(row.get("valid_to")))
            # The id is a name; an ISO code shared by a former territory (KZ-YUZ: South Kazakhstan
            # until 2018, Turkistan since) names only the territory whose id it is.
            names = [tid, row.get("name_en"), row.get("name_ru")]
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
        return cls(ids, display, iso, valid)

    def resolve(self, name: str) -> str | None:
        return self.ids.get(territory_key(name))

    def outside_validity(self, territory_id: str, start: date, end: date) -> str | None:
        """Why a period cannot belong to a territory (it did not exist then), or None."""
        valid_from, valid_to = self.valid.get(territory_id, (None, None))
        if valid_from and end < valid_from:
            return f"{territory_id} exists from {valid_from}; the period {start}/{end} ends before that"
        if valid_to and start > valid_to:
            return f"{territory_id} existed until {valid_to}; the period {start}/{end} starts after that"
        return None

    def suggest(self, name: str) -> str | None:
        """The closest known alias and its id, for an error message."""
        close = difflib.get_close_matches(territory_key(name), list(self.ids), n=1, cutoff=0.6)
        if not close:
            return None
        return f"'{self.display[close[0]]}' ({self.ids[close[0]]})"

    def resolve_column(
        self, names: pl.Series, overrides: Mapping[str, str] | None = None
    ) -> pl.DataFrame:
        """Resolve a text column. Returns ``territory_id`` and ``message`` (null when resolved or
        empty), one row per input row; each distinct name is looked up once. ``overrides`` (a
        source spec's own names) come first; an override to an id the gazetteer lacks is refused."""
        spec_names = {territory_key(k): v for k, v in (overrides or {}).items()}
        known_ids = set(self.ids.values())
        distinct = names.drop_nulls().unique().to_list()
        found = [spec_names.get(territory_key(n)) or self.resolve(n) for n in distinct]
        messages = []
        for n, tid in zip(distinct, found, strict=True):
            if tid is not None and tid not in known_ids:
                messages.append(
                    f"the source spec maps '{n}' to {tid}, which is not in the gazetteer"
                )
                continue
            if tid is not None:
                messages.append(None)
                continue
            hint = self.suggest(n)
            messages.append(
                f"unknown territory '{n}'"
                + (f" - did you mean {hint}?" if hint else "")
                + " Add it to seeds/reference/regions.csv (or as an alias) if it is a real territory."
            )
        found = [None if m else tid for tid, m in zip(found, messages, strict=True)]
        lookup = pl.DataFrame(
            {"name": distinct, "territory_id": found, "message": messages},
            schema={"name": pl.String, "territory_id": pl.String, "message": pl.String},
        )
        return (
            pl.DataFrame({"name": names})
            .join(lookup, on="name", how="left", maintain_order="left")
            .select("territory_id", "message")
        )
