"""The air-quality reference staging reads: the station register and the facts that turn a
concentration written in ppb, ppm or multiples of a national limit into µg/m³.

Grain: one object per warehouse (or per in-memory reference), built from core's reference
tables (seeds/reference/air_quality_*.csv and a home's overlays): air_quality_stations and
air_quality_station_names (the register), air_quality_pollutants (molar masses),
air_quality_conversion_bases (molar volumes) and air_quality_standards (national 24-hour
limits). Staging resolves every row's station here, within the row's territory, and refuses a
value whose unit cannot become µg/m³ for its pollutant and country; core converts with the same
tables in SQL. Columnar: a file's cells are joined against the register, never looked up row by
row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from contracts.vocabulary import normalise_key

# Unit dimensions a concentration may be written in, besides a mass per volume.
MIXING_RATIO = "mixing_ratio"  # ppb, ppm: by the pollutant's molar mass and a molar volume
LIMIT_MULTIPLE = "limit_multiple_24h"  # ПДК с.с.: by the national 24-hour limit
REGISTER = "air_quality_stations"


def station_key(name: str) -> str:
    """A station's name as a key: normalise_key's, with a number sign spaced alike ("ПНЗ №2",
    "ПНЗ № 2" and "ПНЗ N 2" are one post)."""
    spaced = re.sub(r"(?:№|\bN[o°]?\.?)\s*(\d)", r"№ \1", name)
    return normalise_key(spaced)


@dataclass(frozen=True)
class AirReference:
    """The station register and the conversion facts (module docstring)."""

    # station_id, name, territory_id, timezone, country_code, within (the station's territory
    # and every territory above it: a row may name the city, the region or the country)
    stations: pl.DataFrame
    names: pl.DataFrame  # key (normalised name), station_id: register names and other spellings
    molar_mass: dict[str, float | None]  # pollutant -> g/mol (None: particles)
    molar_volume: dict[str, float]  # temperature basis -> L/mol
    limits_24h: dict[tuple[str, str], float]  # (country, pollutant) -> national 24 h limit, µg/m³

    @classmethod
    def from_rows(
        cls,
        stations: list[dict],
        names: list[dict],
        parents: dict[str, str | None],
        countries: dict[str, str],
        pollutants: list[dict],
        bases: list[dict],
        standards: list[dict],
    ) -> AirReference:
        """From the reference tables' rows; parents and countries: the gazetteer's territory ->
        its parent and its country."""

        def above(tid: str) -> list[str]:
            out, seen = [], set()
            while tid and tid not in seen:
                out.append(tid)
                seen.add(tid)
                tid = parents.get(tid)
            return out

        frame = pl.DataFrame(
            [
                {
                    "station_id": s["station_id"],
                    "name": s["name"],
                    "territory_id": s["territory_id"],
                    "timezone": s["timezone"],
                    "country_code": countries.get(s["territory_id"]),
                    "within": above(s["territory_id"]),
                }
                for s in stations
            ],
            schema={
                "station_id": pl.String,
                "name": pl.String,
                "territory_id": pl.String,
                "timezone": pl.String,
                "country_code": pl.String,
                "within": pl.List(pl.String),
            },
        )
        spelled = [(s["name"], s["station_id"]) for s in stations]
        spelled += [(n["name"], n["station_id"]) for n in names]
        keys = pl.DataFrame(
            [{"key": station_key(n), "station_id": sid} for n, sid in spelled],
            schema={"key": pl.String, "station_id": pl.String},
        ).unique()
        return cls(
            stations=frame,
            names=keys,
            molar_mass={
                p["pollutant"]: float(m)
                if (m := p.get("molar_mass_g_mol")) not in (None, "")
                else None
                for p in pollutants
            },
            molar_volume={b["basis"]: float(b["molar_volume_l_mol"]) for b in bases},
            limits_24h={
                (s["country_code"], s["pollutant"]): float(s["value_ugm3"])
                for s in standards
                if s.get("country_code") and s["averaging"] == "24h"
            },
        )

    def _matches(self, cells: pl.Series) -> pl.DataFrame:
        """Row index (_i), station_id and the facts of every register station a cell names
        (a cell is keyed once, however many rows hold it)."""
        distinct = cells.drop_nulls().unique()
        keyed = pl.DataFrame(
            {"cell": distinct, "key": [station_key(v) for v in distinct.to_list()]},
            schema={"cell": pl.String, "key": pl.String},
        )
        return (
            pl.DataFrame({"cell": cells})
            .with_row_index("_i")
            .join(keyed, on="cell", how="inner")
            .join(self.names, on="key", how="inner")
            .join(self.stations, on="station_id", how="inner")
        )

    def time_zones(self, cells: pl.Series) -> pl.Series:
        """The time zone of the station each cell names, when every station of that name keeps
        the same one (a local time without a zone is read in it); else null. Worked out once
        per distinct name, then joined to the rows."""
        distinct = cells.drop_nulls().unique()
        found = (
            self._matches(distinct)
            .group_by("cell")
            .agg(pl.col("timezone").unique())
            .filter(pl.col("timezone").list.len() == 1)
            .select("cell", pl.col("timezone").list.first())
        )
        return (
            pl.DataFrame({"cell": cells})
            .join(found, on="cell", how="left", maintain_order="left")
            .get_column("timezone")
        )

    def resolve(self, cells: pl.Series, territory_ids: pl.Series) -> pl.DataFrame:
        """station_id and country_code of each row's station, found by its name among the
        register's stations in the row's territory (or below it); rule and message where none
        or several are found. A row whose territory did not resolve is left to that rule.
        Resolved once per distinct name and territory (a network's millions of hours name a
        few hundred stations), then joined to the rows."""
        pairs = pl.DataFrame({"cell": cells, "territory": territory_ids})
        resolved = self._resolve_distinct(pairs.unique())
        return pairs.join(
            resolved, on=["cell", "territory"], how="left", nulls_equal=True, maintain_order="left"
        ).select("station_id", "country_code", "rule", "message")

    def _resolve_distinct(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """resolve() of distinct (cell, territory) pairs, with the pairs beside the result."""
        cells, territory_ids = pairs.get_column("cell"), pairs.get_column("territory")
        rows = pl.DataFrame({"cell": cells, "territory": territory_ids}).with_row_index("_i")
        named = self._matches(cells)
        inside = named.join(rows.select("_i", "territory"), on="_i").filter(
            pl.col("within").list.contains(pl.col("territory"))
        )
        per_row = inside.group_by("_i").agg(
            pl.col("station_id").unique().sort(),
            pl.col("country_code").first(),
        )
        elsewhere = named.group_by("_i").agg(
            pl.col("territory_id").unique().sort().str.join(", ").alias("where")
        )
        out = (
            rows.join(per_row, on="_i", how="left").join(elsewhere, on="_i", how="left").sort("_i")
        )
        count = pl.col("station_id").list.len().fill_null(0)
        register = f"seeds/reference/{REGISTER}.csv or <home>/reference/{REGISTER}.csv"
        message = (
            pl.when(pl.col("cell").is_null() | pl.col("territory").is_null())
            .then(None)
            .when(pl.col("where").is_null())
            .then(
                pl.format(
                    "station {} is not in the station register: add it with its territory, "
                    "time zone, operator and kind to {} (another spelling of a known station "
                    "to air_quality_station_names) and run again",
                    pl.col("cell"),
                    pl.lit(register),
                )
            )
            .when(count == 0)
            .then(
                pl.format(
                    "station {} is in {} in the register, not in {}: check the territory or "
                    "the station",
                    pl.col("cell"),
                    pl.col("where"),
                    pl.col("territory"),
                )
            )
            .when(count > 1)
            .then(
                pl.format(
                    "station {} names {} stations in {} ({}): write the station as its "
                    "register names it",
                    pl.col("cell"),
                    count,
                    pl.col("territory"),
                    pl.col("station_id").list.join(", "),
                )
            )
        )
        resolved = out.select(
            "cell",
            "territory",
            pl.when(count == 1).then(pl.col("station_id").list.first()).alias("station_id"),
            pl.when(count == 1).then(pl.col("country_code")).alias("country_code"),
            pl.lit("known_station").alias("rule"),
            message.alias("message"),
        )
        return resolved

    def conversion_messages(
        self,
        units: pl.Series,
        dimensions: pl.Series,
        pollutants: pl.Series,
        countries: pl.Series,
        bases: pl.Series,
    ) -> pl.Series:
        """Why a value cannot become µg/m³ (null where it can): a mixing ratio of particles
        or at an unknown temperature basis, a multiple of a national limit the station's
        country has not declared for the pollutant."""
        masses = {p: m for p, m in self.molar_mass.items() if m is not None}
        limits = pl.DataFrame(
            [{"country": c, "pollutant": p} for c, p in self.limits_24h],
            schema={"country": pl.String, "pollutant": pl.String},
        ).with_columns(declared=pl.lit(True))
        frame = pl.DataFrame(
            {
                "unit": units,
                "dimension": dimensions,
                "pollutant": pollutants,
                "country": countries,
                "basis": bases,
            }
        ).join(limits, on=["country", "pollutant"], how="left")
        return frame.select(
            pl.when(pl.col("dimension") == MIXING_RATIO)
            .then(
                pl.when(~pl.col("pollutant").is_in(list(masses)))
                .then(
                    pl.format(
                        "{} is a mass of particles: a value in {} cannot become µg/m³ (only a "
                        "gas has a molar mass); ask the publisher for µg/m³",
                        pl.col("pollutant"),
                        pl.col("unit"),
                    )
                )
                .when(~pl.col("basis").is_in(list(self.molar_volume)))
                .then(
                    pl.format(
                        "temperature basis {} is not declared (air_quality_conversion_bases: "
                        "{}): a value in {} cannot become µg/m³",
                        pl.col("basis"),
                        pl.lit(", ".join(sorted(self.molar_volume))),
                        pl.col("unit"),
                    )
                )
            )
            .when(pl.col("dimension") == LIMIT_MULTIPLE)
            .then(
                pl.when(pl.col("country").is_not_null() & pl.col("declared").is_null()).then(
                    pl.format(
                        "a multiple of the national 24-hour limit, but no limit of {} for {} "
                        "is declared: add it to air_quality_standards (seeds/reference or "
                        "<home>/reference) with its source",
                        pl.col("country"),
                        pl.col("pollutant"),
                    )
                )
            )
        ).to_series()
