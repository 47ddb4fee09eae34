"""Deterministic synthetic submissions for the benchmark: clean-up results and emissions at a
given row count, in the forms publishers use, with a known share of bad rows.

Variants:
  ru    Russian headers, Windows-1251, ';' delimiter, decimal comma, space thousands separator,
        dates as dd.mm.yyyy (what a ministry's Excel export looks like)
  utf8  the same rows in UTF-8, ',' delimiter, decimal point, ISO dates (what Polars parses at
        full speed: the benchmark's limit reads this one)

Bad rows (every 100th row, so 1%) break exactly one rule each, in turn: an unknown territory, a
number that is not one, a missing date, a negative quantity, fractions larger than the total
(emissions: an unknown territory, a number that is not one, a year that is not one). Same seed and
size, same bytes.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
import polars as pl

from warehouse.home import SEEDS_DIR

BAD_EVERY = 100
CLEANUP_BAD = [
    "known_territory",
    "number_format",
    "period_required",
    "non_negative",
    "fractions_within_total",
]
EMISSIONS_BAD = ["known_territory", "number_format", "date_format"]


# The countries whose territories the generated rows name, as the submissions ecostat was built
# for do: Kyrgyz, Kazakh and Russian countries, regions and cities.
COUNTRIES = ("KG", "KZ", "RU")


def territories() -> list[str]:
    """Russian names of the territories of COUNTRIES that existed in every year (no validity
    dates) and that the gazetteer resolves to them alone."""
    from contracts.territories import TerritoryIndex

    def rows(name: str) -> list[dict[str, str]]:
        with (SEEDS_DIR / "reference" / f"{name}.csv").open(encoding="utf-8") as f:
            return list(csv.DictReader(f))

    regions = rows("regions")
    index = TerritoryIndex.from_rows(regions, rows("territory_names"), rows("territory_codes"))
    return [
        r["name_ru"]
        for r in regions
        if r["country_code"] in COUNTRIES
        and r["name_ru"]
        and not r["valid_from"]
        and not r["valid_to"]
        and r["level"] in ("country", "region", "city")
        and index.resolve(r["name_ru"]) == r["territory_id"]
    ]


def _thousands(col: pl.Expr) -> pl.Expr:
    """12345 -> '12 345' (whole numbers below a million)."""
    return (
        pl.when(col >= 1000)
        .then((col // 1000).cast(pl.String) + " " + (col % 1000).cast(pl.String).str.zfill(3))
        .otherwise(col.cast(pl.String))
    )


def _decimal(col: pl.Expr, ru: bool) -> pl.Expr:
    """A float with 3 decimals; Russian style: space thousands and a decimal comma."""
    whole = col.floor().cast(pl.Int64)
    frac = ((col - col.floor()) * 1000).round(0).cast(pl.Int64).cast(pl.String).str.zfill(3)
    if ru:
        return _thousands(whole) + "," + frac
    return whole.cast(pl.String) + "." + frac


def _bad_counts(rules: list[str], rows: int) -> dict[str, int]:
    """Bad rows injected per rule: every BAD_EVERY-th row, the rules taken in turn."""
    counts = dict.fromkeys(rules, 0)
    for k in range(rows // BAD_EVERY):
        counts[rules[k % len(rules)]] += 1
    return counts


def cleanup_frame(rows: int, seed: int, ru: bool) -> tuple[pl.DataFrame, dict[str, int]]:
    rng = np.random.default_rng(seed)
    names = territories()
    total = rng.uniform(0.1, 5000, rows).round(3)
    day = rng.integers(0, 365 * 8, rows)
    frame = pl.DataFrame(
        {
            "territory": np.array(names)[rng.integers(0, len(names), rows)],
            "date": (day + np.datetime64("2017-01-01", "D").astype(int)).astype("int32"),
            "participants": rng.integers(10, 200_000, rows),
            "total": total,
            "plastic": (total * rng.uniform(0.05, 0.2, rows)).round(3),
            "glass": (total * rng.uniform(0.01, 0.1, rows)).round(3),
        }
    ).with_columns(pl.col("date").cast(pl.Date), i=pl.int_range(pl.len()))
    date_text = pl.col("date").dt.strftime("%d.%m.%Y" if ru else "%Y-%m-%d")
    kind = (pl.col("i") // BAD_EVERY) % len(CLEANUP_BAD)
    bad = (pl.col("i") % BAD_EVERY) == BAD_EVERY - 1
    out = frame.select(
        pl.when(bad & (kind == 0))
        .then(pl.lit("Неизвестная область"))
        .otherwise(pl.col("territory"))
        .alias("Территория"),
        pl.when(bad & (kind == 2)).then(pl.lit(None, pl.String)).otherwise(date_text).alias("Дата"),
        pl.lit("Субботник").alias("Мероприятие"),
        (
            _thousands(pl.col("participants")) if ru else pl.col("participants").cast(pl.String)
        ).alias("Участники, чел."),
        pl.when(bad & (kind == 1))
        .then(pl.lit("много"))
        .when(bad & (kind == 3))
        .then(pl.lit("-5"))
        .otherwise(_decimal(pl.col("total"), ru))
        .alias("Собрано всего, т"),
        pl.when(bad & (kind == 4))
        .then(_decimal(pl.col("total") * 2 + 1, ru))
        .otherwise(_decimal(pl.col("plastic"), ru))
        .alias("Пластик, т"),
        _decimal(pl.col("glass"), ru).alias("Стекло, т"),
        pl.lit("Синтетические данные ecostat").alias("Источник"),
    )
    return out, _bad_counts(CLEANUP_BAD, rows)


def emissions_frame(rows: int, seed: int, ru: bool) -> tuple[pl.DataFrame, dict[str, int]]:
    rng = np.random.default_rng(seed + 1)
    names = territories()
    frame = pl.DataFrame(
        {
            "territory": np.array(names)[rng.integers(0, len(names), rows)],
            "year": rng.integers(2005, 2025, rows),
            "value": rng.uniform(0.01, 3000, rows).round(3),
        }
    ).with_columns(i=pl.int_range(pl.len()))
    kind = (pl.col("i") // BAD_EVERY) % len(EMISSIONS_BAD)
    bad = (pl.col("i") % BAD_EVERY) == BAD_EVERY - 1
    out = frame.select(
        pl.when(bad & (kind == 0))
        .then(pl.lit("Неизвестная область"))
        .otherwise(pl.col("territory"))
        .alias("Территория"),
        pl.when(bad & (kind == 2))
        .then(pl.lit("двадцатый год"))
        .otherwise(pl.col("year").cast(pl.String))
        .alias("Год"),
        pl.lit("загрязняющие вещества").alias("Вещество"),
        pl.lit("стационарные").alias("Источники"),
        pl.when(bad & (kind == 1))
        .then(pl.lit("н/д?"))
        .otherwise(_decimal(pl.col("value"), ru))
        .alias("Выбросы, тыс. т"),
        pl.lit("Синтетические данные ecostat").alias("Источник"),
    )
    return out, _bad_counts(EMISSIONS_BAD, rows)


# The hourly air-quality network (#33): stations in cities of these gazetteer ids, each with its
# city's time zone, as a hydrometeorological service's national network would be.
AIR_CITIES = (
    ("KG-GB", "Бишкек", "Asia/Bishkek"),
    ("KG-GO", "Ош", "Asia/Bishkek"),
    ("KZ-ALA", "Алматы", "Asia/Almaty"),
    ("KZ-AST", "Астана", "Asia/Almaty"),
    ("RU-KEM/kemerovo", "Кемерово", "Asia/Novokuznetsk"),
    ("RU-KEM/novokuznetsk", "Новокузнецк", "Asia/Novokuznetsk"),
)
AIR_POLLUTANTS = (("PM2.5", "мкг/м3"), ("PM10", "мкг/м3"), ("NO2", "ppb"))
AIR_BAD = ["known_station", "missing_value", "refused_value"]


def air_stations(stations: int) -> pl.DataFrame:
    """The generated network's register (rows of air_quality_stations.csv): station k stands
    in city k mod 6."""
    k = pl.int_range(stations, eager=True)
    city = k % len(AIR_CITIES)
    pick = lambda i: pl.Series([c[i] for c in AIR_CITIES])  # noqa: E731
    return pl.DataFrame(
        {
            "station_id": "bench-" + k.cast(pl.String),
            "name": "ПНЗ № " + (k + 1).cast(pl.String),
            "territory_id": pick(0).gather(city),
            "timezone": pick(2).gather(city),
            "operator": "Гидромет (синтетические данные)",
            "kind": "automatic",
            "source": "ecostat benchmark (generated)",
        }
    )


def air_quality_frame(stations: int, years: int, seed: int) -> tuple[pl.DataFrame, dict[str, int]]:
    """Hourly measurements of every station, pollutant and hour of ``years`` years from
    2019: local times, values in µg/m³ (ppb for NO2), a QC flag. Every 100th row breaks one
    rule in turn: a station not in the register, AirNow's missing mark -999, a QC flag
    Invalid."""
    register = air_stations(stations)
    hours = pl.datetime_range(
        pl.datetime(2019, 1, 1), pl.datetime(2019 + years, 1, 1), "1h", closed="left", eager=True
    )
    grid = (
        register.select("name", "territory_id")
        .join(pl.DataFrame({"p": pl.int_range(len(AIR_POLLUTANTS), eager=True)}), how="cross")
        .join(pl.DataFrame({"time": hours}), how="cross")
        .with_columns(i=pl.int_range(pl.len()))
    )
    rng = np.random.default_rng(seed + 2)
    value = rng.gamma(2.0, 15.0, grid.height).round(1)
    city = {c[0]: c[1] for c in AIR_CITIES}
    kind = (pl.col("i") // BAD_EVERY) % len(AIR_BAD)
    bad = (pl.col("i") % BAD_EVERY) == BAD_EVERY - 1
    out = grid.with_columns(v=pl.Series(value)).select(
        pl.col("territory_id").replace_strict(city).alias("Город"),
        pl.when(bad & (kind == 0))
        .then(pl.lit("ПНЗ № 9999"))
        .otherwise(pl.col("name"))
        .alias("Пост"),
        pl.col("p")
        .replace_strict({i: p for i, (p, _) in enumerate(AIR_POLLUTANTS)})
        .alias("Примесь"),
        pl.col("time").dt.strftime("%Y-%m-%d %H:%M").alias("Дата и время"),
        pl.when(bad & (kind == 1))
        .then(pl.lit("-999"))
        .otherwise(pl.col("v").cast(pl.String))
        .alias("Концентрация"),
        pl.col("p")
        .replace_strict({i: u for i, (_, u) in enumerate(AIR_POLLUTANTS)})
        .alias("Единица измерения"),
        pl.when(bad & (kind == 2))
        .then(pl.lit("Invalid"))
        .otherwise(pl.lit("Valid"))
        .alias("Флаг качества"),
    )
    # Local times the clocks skipped or repeated do not occur: none of these zones has changed
    # its clocks since 2011.
    return out, _bad_counts(AIR_BAD, grid.height)


def write_air_quality(stations: int, years: int, out: Path, seed: int = 20261122) -> dict:
    """The network's hourly file (UTF-8, ',' and a decimal point) and its register overlay
    beside it (air_quality_stations.csv)."""
    frame, bad = air_quality_frame(stations, years, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(out)
    register = out.parent / "air_quality_stations.csv"
    air_stations(stations).write_csv(register)
    return {
        "dataset": "air_quality",
        "rows": frame.height,
        "variant": "utf8",
        "path": str(out),
        "register": str(register),
        "bad_rows": bad,
    }


FRAMES = {"cleanup": cleanup_frame, "emissions": emissions_frame}


def write(dataset: str, rows: int, variant: str, out: Path, seed: int = 20261122) -> dict:
    """Write one submission; returns what was written and the bad rows injected, by rule."""
    ru = variant == "ru"
    frame, bad = FRAMES[dataset](rows, seed, ru)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = frame.write_csv(separator=";" if ru else ",", quote_style="necessary")
    out.write_bytes(text.encode("cp1251" if ru else "utf-8"))
    return {"dataset": dataset, "rows": rows, "variant": variant, "path": str(out), "bad_rows": bad}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", choices=sorted(FRAMES))
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--variant", choices=["ru", "utf8"], default="ru")
    parser.add_argument("--seed", type=int, default=20261122)
    args = parser.parse_args()
    print(write(args.dataset, args.rows, args.variant, args.out, args.seed))


if __name__ == "__main__":
    main()
