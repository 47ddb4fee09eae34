"""Resolution of territory names and codes as written ("Респ Адыгея", "г. Бишкек", "RU-KEM",
"32000000") to gazetteer ids.

Pure: the index is built from the gazetteer's rows (core.regions, core.territory_names,
core.territory_codes, which come from seeds/reference/ and a data home's overlays). Names are
taken apart by the rules of ``place_names``; every name of a territory is indexed by its core
(as written and as a transliteration skeleton), with and without its place type. A cell finds
its candidates; the period of the row, then the country of the file, choose among them; what
still names several territories, or none, is refused, never guessed:

- a code is looked up among codes only, a name among names only;
- a bare name that is both a city's and a region's is the city's ("Атырау", "Osh", "Toshkent":
  a region is named with its type word or as an adjective, "Атырауская");
- a code or name a territory held before a change (KZ-YUZ, South Kazakhstan until 2018) names it
  only for periods when it existed, and the current holder wins when both existed;
- "did you mean" is offered only when one territory is much closer than any other, within the
  country the file's other rows (or its source spec) point to, matching codes against codes
  and names against names (rapidfuzz).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from contracts.place_names import (
    TYPE_WORDS,
    code_key,
    exact_key,
    forms,
    latin_key,
    numeric_code_variants,
    split_type,
)

# How firmly a key names a territory: a city's own bare name or a current code (3); a region's
# name as written, without a type word (2); a region's name with its type word taken off, a part
# of a double name, or a code the territory held before a change (1).
STRONG, AS_WRITTEN, WEAK = 3, 2, 1
_CITY_LIKE = {"city", "district"}
# Suggestions: a name at least this similar (0-100, rapidfuzz ratio of the normalised names)
# and this far ahead of the next territory's; a code at most one edit away, and the only one.
SUGGEST_MIN_SCORE = 85.0
SUGGEST_MIN_LEAD = 5.0


def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class Territory:
    territory_id: str
    country_code: str | None
    place_type: str
    valid_from: date | None
    valid_to: date | None
    name: str  # for messages: the English name, else the Russian one, else the id

    def exists_during(self, start: date | None, end: date | None) -> bool:
        if start is None or end is None:
            return True
        return not (
            (self.valid_from and end < self.valid_from) or (self.valid_to and start > self.valid_to)
        )

    def label(self) -> str:
        return f"'{self.name}' ({self.territory_id})"


Candidates = dict[str, int]  # territory id -> strength


@dataclass
class TerritoryIndex:
    """Keys of every name and code of the gazetteer -> the territories they may name."""

    territories: dict[str, Territory]
    typed: dict[tuple[str, str, str], Candidates] = field(default_factory=dict)
    bare: dict[tuple[str, str], Candidates] = field(default_factory=dict)
    codes: dict[str, Candidates] = field(default_factory=dict)
    # (normalised name, the name as written, territory id) for suggestions
    spellings: list[tuple[str, str, str]] = field(default_factory=list)
    _memo: dict[str, Candidates] = field(default_factory=dict, repr=False)

    @classmethod
    def from_rows(
        cls,
        regions: Iterable[Mapping[str, object]],
        names: Iterable[Mapping[str, object]] = (),
        codes: Iterable[Mapping[str, object]] = (),
    ) -> TerritoryIndex:
        """Build from the gazetteer's rows: regions (territory_id, iso_code, country_code,
        place_type or level, name_en, name_ru, name_local, valid_from, valid_to), names
        (territory_id, name) and codes (territory_id, code)."""
        regions = list(regions)
        index = cls(
            {
                str(r["territory_id"]): Territory(
                    territory_id=str(r["territory_id"]),
                    country_code=(r.get("country_code") or None),  # type: ignore[arg-type]
                    place_type=str(r.get("place_type") or r.get("level") or "region"),
                    valid_from=_as_date(r.get("valid_from")),
                    valid_to=_as_date(r.get("valid_to")),
                    name=str(r.get("name_en") or r.get("name_ru") or r["territory_id"]),
                )
                for r in regions
            }
        )
        for r in regions:
            tid = str(r["territory_id"])
            current = index.territories[tid].valid_to is None
            index._add_code(tid, tid, STRONG)
            if r.get("iso_code"):
                index._add_code(str(r["iso_code"]), tid, STRONG if current else WEAK)
            for col in ("name_en", "name_ru", "name_local"):
                if r.get(col):
                    index._add_name(str(r[col]), tid)
        for n in names:
            index._add_name(str(n["name"]), str(n["territory_id"]))
        for c in codes:
            tid = str(c["territory_id"])
            strength = STRONG if index.territories[tid].valid_to is None else WEAK
            index._add_code(str(c["code"]), tid, strength)
        return index

    # -- building --------------------------------------------------------------------------

    def _add_code(self, code: str, tid: str, strength: int) -> None:
        key = code_key(code) or code.strip().upper()
        slot = self.codes.setdefault(key, {})
        slot[tid] = max(slot.get(tid, 0), strength)

    def _add_name(self, name: str, tid: str) -> None:
        if tid not in self.territories:
            raise ValueError(f"a name of territory {tid!r}, which the gazetteer does not list")
        place_type = self.territories[tid].place_type
        whole, *alternatives = forms(name) or [[""]]
        self._add_form(
            whole[0], tid, place_type, STRONG if place_type in _CITY_LIKE else AS_WRITTEN
        )
        # The parts of a region's double name ("Кемеровская область - Кузбасс", "Республика
        # Саха (Якутия)") are names of it too, but weaker; a district's ("Бишкек - Ленинский
        # район") are not: "Бишкек" is the city. A qualifier ("(until 2008)", "(city)") is none.
        if place_type not in _CITY_LIKE:
            for part in (p for parts in alternatives for p in parts):
                if not re.search(r"\d", part) and part not in TYPE_WORDS:
                    self._add_form(part, tid, place_type, WEAK)
        self.spellings.append((_suggest_key(name), name, tid))

    def _add_form(self, form: str, tid: str, place_type: str, bare_strength: int) -> None:
        core, types = split_type(form)
        if types and place_type not in _CITY_LIKE:
            bare_strength = WEAK
        for kind, key in (("exact", exact_key(core)), ("latin", latin_key(core))):
            if not key:
                continue
            typed = self.typed.setdefault((kind, key, place_type), {})
            typed[tid] = STRONG
            bare = self.bare.setdefault((kind, key), {})
            bare[tid] = max(bare.get(tid, 0), bare_strength)

    # -- looking up ------------------------------------------------------------------------

    def candidates(self, text: str) -> Candidates:
        """Every territory a cell may name, with the strength of each; {} when none."""
        if text not in self._memo:
            self._memo[text] = self._candidates(text)
        return self._memo[text]

    def _candidates(self, text: str) -> Candidates:
        if "/" in text and text.strip() in self.territories:  # an id of ours ("KG-GB/leninsky")
            return {text.strip(): STRONG}
        code = code_key(text)
        if code is not None:
            found: Candidates = {}
            for variant in numeric_code_variants(code):
                found |= self.codes.get(variant, {})
            return found
        for parts in forms(text):
            per_part = [self._lookup(part) for part in parts]
            if not all(per_part):
                continue
            if len(per_part) == 1:
                return per_part[0]
            # Every part must name the same territory: "Бишкек (Ленинский район)" is not Bishkek.
            common = set.intersection(*(set(p) for p in per_part))
            if len(common) == 1:
                tid = common.pop()
                return {tid: max(p[tid] for p in per_part)}
        return {}

    def _lookup(self, part: str) -> Candidates:
        core, types = split_type(part)
        for kind, key in (("exact", exact_key(core)), ("latin", latin_key(core))):
            if not key:
                continue
            if types:
                found: Candidates = {}
                for place_type in types:
                    found |= self.typed.get((kind, key, place_type), {})
                if found:
                    return found
                bare = self.bare.get((kind, key), {})
                fitting = {t: s for t, s in bare.items() if self.territories[t].place_type in types}
                if fitting:
                    return fitting
            elif (kind, key) in self.bare:
                return dict(self.bare[(kind, key)])
        return {}

    def choose(
        self,
        found: Candidates,
        start: date | None = None,
        end: date | None = None,
        country: str | None = None,
    ) -> list[str]:
        """The candidates that remain: those that existed during the period, then the firmest,
        then (when several remain) those of the file's country."""
        existing = {t: s for t, s in found.items() if self.territories[t].exists_during(start, end)}
        if not existing:
            return []
        best = max(existing.values())
        left = sorted(t for t, s in existing.items() if s == best)
        if len(left) > 1 and country:
            mine = [t for t in left if self.territories[t].country_code == country]
            left = mine or left
        return left

    def resolve(
        self,
        text: str,
        start: date | None = None,
        end: date | None = None,
        country: str | None = None,
    ) -> str | None:
        """The one territory a cell names (for the period and country), or None."""
        left = self.choose(self.candidates(text), start, end, country)
        return left[0] if len(left) == 1 else None

    def outside_validity(self, territory_id: str, start: date, end: date) -> str | None:
        """Why a period cannot belong to a territory (it did not exist then), or None."""
        t = self.territories[territory_id]
        if t.valid_from and end < t.valid_from:
            return f"{territory_id} exists from {t.valid_from}; the period {start}/{end} ends before that"
        if t.valid_to and start > t.valid_to:
            return f"{territory_id} existed until {t.valid_to}; the period {start}/{end} starts after that"
        return None

    def suggest(self, text: str, country: str | None = None) -> str | None:
        """A territory the cell very likely means, for an error message, or None. Codes are
        matched against codes (one edit away, the only such code of the same country), names
        against names (within ``country`` when known)."""
        code = code_key(text)
        if code is not None:
            prefix = code.split("-")[0] if "-" in code else None
            near = {
                tid
                for known, found in self.codes.items()
                if (prefix is None or known.startswith(prefix + "-"))
                and Levenshtein.distance(code, known, score_cutoff=1) <= 1
                for tid in found
                if country is None or self.territories[tid].country_code == country
            }
            if len(near) == 1:
                return self.territories[near.pop()].label()
            return None
        pool = [
            (key, shown, tid)
            for key, shown, tid in self.spellings
            if country is None or self.territories[tid].country_code == country
        ]
        key = _suggest_key(text)
        scored = process.extract(key, [k for k, _, _ in pool], scorer=fuzz.ratio, limit=20)
        # A bare adjective as statistics offices write it ("Карагандиская", no "область") is
        # compared with the names' cores too: against "карагандинская область" it scores low.
        if key and not split_type(key)[1]:
            cores = [split_type(k)[0] for k, _, _ in pool]
            scored += process.extract(key, cores, scorer=fuzz.ratio, limit=20)
        best: dict[str, tuple[float, str]] = {}
        for _, score, i in scored:
            _, shown, tid = pool[i]
            if score > best.get(tid, (-1.0, ""))[0]:
                best[tid] = (score, shown)
        ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
        if not ranked or ranked[0][1][0] < SUGGEST_MIN_SCORE:
            return None
        if len(ranked) > 1 and ranked[0][1][0] - ranked[1][1][0] < SUGGEST_MIN_LEAD:
            return None
        tid, (_, shown) = ranked[0]
        return f"'{shown}' ({tid})"

    def file_country(self, names: Iterable[str]) -> str | None:
        """The one country the names a file resolves without doubt belong to, or None."""
        countries = set()
        for name in names:
            found = self.candidates(name)
            if len(found) == 1:
                countries.add(self.territories[next(iter(found))].country_code)
        countries.discard(None)
        return countries.pop() if len(countries) == 1 else None

    def message_for(self, text: str, found: Candidates, country: str | None) -> str:
        """Why a cell names no territory, or several: what an engineer reads in the rejection."""
        if not found:
            hint = self.suggest(text, country)
            what = "code" if code_key(text) is not None else "territory"
            return (
                f"unknown {what} '{text}'"
                + (f" - did you mean {hint}?" if hint else "")
                + " Add it to the gazetteer (a row in <home>/reference/regions.csv, or a name"
                " in territory_names.csv) if it is a real territory, or map it in the source"
                " spec's territories:."
            )
        labels = ", ".join(self.territories[t].label() for t in sorted(found))
        return (
            f"'{text}' may name {labels}: write it with its type ('область', 'г.', 'city') or its"
            " code, or map it in the source spec's territories:"
        )

    def resolve_column(
        self,
        names: pl.Series,
        overrides: Mapping[str, str] | None = None,
        country: str | None = None,
        starts: pl.Series | None = None,
        ends: pl.Series | None = None,
    ) -> pl.DataFrame:
        """Resolve a text column, row by row with its period. Returns ``territory_id``, ``rule``
        and ``message`` (null when resolved or empty); ``rule`` is known_territory (no territory,
        or several) or territory_valid_for_period (none existed during the row's period).

        ``overrides`` (a source spec's own names) come first; an override to an id the
        gazetteer lacks is refused. Each distinct name is looked up once and the choice by
        period is a join, so that a large file costs a few passes; messages are worded once per
        distinct failing name and period."""
        spec_names = {_whole_key(k): v for k, v in (overrides or {}).items()}
        n = names.len()
        lookup_rows = []
        for name in names.drop_nulls().unique().to_list():
            spec_id = spec_names.get(_whole_key(name))
            if spec_id is not None and spec_id not in self.territories:
                message = (
                    f"the source spec maps '{name}' to {spec_id}, which is not in the gazetteer"
                )
                lookup_rows.append((name, None, None, message))
                continue
            found = {spec_id: STRONG} if spec_id is not None else self.candidates(name)
            if not found:
                lookup_rows.append((name, None, None, self.message_for(name, found, country)))
            lookup_rows += [(name, tid, strength, None) for tid, strength in found.items()]
        lookup = pl.DataFrame(
            lookup_rows,
            schema={
                "name": pl.String,
                "candidate": pl.String,
                "strength": pl.Int64,
                "unknown": pl.String,
            },
            orient="row",
        )
        validity = pl.DataFrame(
            [
                (t.territory_id, t.valid_from, t.valid_to, t.country_code)
                for t in self.territories.values()
            ],
            schema={
                "candidate": pl.String,
                "valid_from": pl.Date,
                "valid_to": pl.Date,
                "country_code": pl.String,
            },
            orient="row",
        )
        rows = pl.DataFrame(
            {
                "_i": pl.int_range(0, n, eager=True, dtype=pl.Int64),
                "name": names.cast(pl.String),
                "start": starts
                if starts is not None
                else pl.repeat(None, n, dtype=pl.Date, eager=True),
                "end": ends if ends is not None else pl.repeat(None, n, dtype=pl.Date, eager=True),
            }
        )
        exists = (
            pl.col("start").is_null()
            | pl.col("end").is_null()
            | (
                (pl.col("valid_from").is_null() | (pl.col("end") >= pl.col("valid_from")))
                & (pl.col("valid_to").is_null() | (pl.col("start") <= pl.col("valid_to")))
            )
        )
        live = (
            rows.join(lookup.filter(pl.col("candidate").is_not_null()), on="name", how="inner")
            .join(validity, on="candidate", how="left")
            .filter(exists)
            .filter(pl.col("strength") == pl.col("strength").max().over("_i"))
        )
        if country:
            # Several left: the file's country decides, when one of them is of it.
            several_and_mine = (pl.len().over("_i") > 1) & (
                pl.col("country_code") == country
            ).any().over("_i")
            live = live.filter(~several_and_mine | (pl.col("country_code") == country))
        chosen = live.group_by("_i").agg(
            pl.col("candidate").first().alias("territory_id"), pl.len().alias("n_left")
        )
        unknown = lookup.filter(pl.col("unknown").is_not_null()).select("name", "unknown")
        out = (
            rows.join(chosen, on="_i", how="left")
            .join(unknown, on="name", how="left")
            .sort("_i")
            .with_columns(
                rule=pl.when(pl.col("name").is_null())
                .then(None)
                .when(pl.col("unknown").is_not_null() | (pl.col("n_left") > 1))
                .then(pl.lit("known_territory"))
                .when(pl.col("n_left").is_null())
                .then(pl.lit("territory_valid_for_period")),
            )
        )
        # Few rows fail: their messages are worded once per distinct name and period.
        failing = out.filter(pl.col("unknown").is_null() & pl.col("rule").is_not_null())
        worded = []
        for name, start, end in failing.select("name", "start", "end").unique().iter_rows():
            found = self.candidates(name) if _whole_key(name) not in spec_names else {}
            left = self.choose(found, start, end, country)
            if left:
                worded.append(
                    (name, start, end, self.message_for(name, dict.fromkeys(left, STRONG), country))
                )
            else:
                reasons = [self.outside_validity(t, start, end) for t in sorted(found)]
                worded.append((name, start, end, "; ".join(r for r in reasons if r)))
        words = pl.DataFrame(
            worded,
            schema={"name": pl.String, "start": pl.Date, "end": pl.Date, "worded": pl.String},
            orient="row",
        )
        return (
            out.join(words, on=["name", "start", "end"], how="left", nulls_equal=True)
            .sort("_i")
            .select(
                pl.when(pl.col("rule").is_null())
                .then(pl.col("territory_id"))
                .alias("territory_id"),
                "rule",
                pl.coalesce("unknown", "worded").alias("message"),
            )
        )


def _whole_key(name: str) -> str:
    """A name as a source spec's territories: map matches it: the whole, cleaned."""
    f = forms(name)
    return exact_key(f[0][0]) if f else ""


def _suggest_key(name: str) -> str:
    """A name as suggestions compare it: cleaned, type words kept (they tell places apart)."""
    return " ".join(forms(name)[0]) if forms(name) else ""
