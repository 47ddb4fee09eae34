"""The comparison dashboard: one self-contained HTML page per run, built from
marts.region_year_indicators and marts.region_scorecard, to explore in a browser offline.

The page holds the mart's figures as JSON and draws each chart in the browser from a Vega-Lite
spec, with the Vega, Vega-Lite and Vega-Embed bundle that vl-convert ships inlined (no CDN, no
request leaves the page). An analyst picks an indicator, a level (or all levels side by side,
each with its own axis), the territories, absolute or per-capita figures and English or Russian;
the state is kept in the URL's fragment, so a view can be bookmarked or sent. Each chart
downloads as SVG or PNG and its data as CSV. Years sit on a continuous axis and a line breaks
where a year is missing. Below the chart, the same figures as a table, and the Sources view of
the figure chosen (a point of the chart or a row of the table): its source titles and links,
files and rows, the sentence of a figure taken from a report, and the `ecostat trace` command
that shows the rest. Then the latest scorecard per territory and the marts' data dictionary.

Grain of the page's data: one figure per territory x year x indicator, as the mart has it.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import duckdb
import polars as pl
import yaml

from assets.html import render
from contracts import reference_vocabulary
from warehouse import run_query, scalar
from warehouse.dictionary import table_docs
from warehouse.home import as_of_date
from warehouse.query import plain_integer
from warehouse.trace import Quoter, source_rows_of

# Source rows shown per figure in the Sources view: the page stays small whatever a figure
# rests on (a country's clean-up figure may rest on a hundred thousand rows); the trace
# command it gives lists them all.
SHOWN_SOURCES = 3

TEMPLATES = Path(__file__).parent / "templates"
LABELS = Path(__file__).parent / "indicators.yaml"
UNIT_WORDS = Path(__file__).parent / "units.yaml"
# The page's words for each level of the gazetteer. Which levels there are, and their order
# (countries first, districts last), is the gazetteer's declaration (seeds/reference/tables.yaml);
# a level declared there without words here is shown by its id (a test asks for words).
LEVEL_WORDS = {
    "country": {"en": "countries", "ru": "страны"},
    "region": {"en": "regions", "ru": "регионы"},
    "city": {"en": "cities", "ru": "города"},
    "municipality": {"en": "municipalities", "ru": "муниципальные образования"},
    "district": {"en": "districts", "ru": "районы"},
}
LEVELS = {
    level: LEVEL_WORDS.get(level, {"en": level, "ru": level})
    for level in reference_vocabulary("regions.level")
}


def indicator_titles(indicators: list[str], labels_file: Path = LABELS) -> dict[str, dict]:
    """indicator -> {en, ru}: its title in words, from indicators.yaml, or its id in words;
    the declared indicators first, in the file's order, then the others by id."""
    declared = yaml.safe_load(labels_file.read_text(encoding="utf-8")) or {}
    order = list(declared)
    indicators = sorted(indicators, key=lambda i: (order.index(i) if i in order else len(order), i))
    out = {}
    for indicator in indicators:
        words = indicator.replace("_", " ")
        out[indicator] = {"en": words, "ru": words} | declared.get(indicator, {})
    return out


def figure_sources(
    con: duckdb.DuckDBPyConnection, ids: list[list[str]], quote: Quoter | None = None
) -> list[list[dict]]:
    """For each figure (its first source row ids), what the Sources view shows of each source
    row: title, link and confidence as the source gave them, file, sheet and row, and for a
    figure taken from a report the document, paragraph and sentence. Set-based: a few queries
    for all figures (warehouse/trace.py)."""
    if not any(ids):
        return [[] for _ in ids]
    _, rows = source_rows_of(con, ids, detail_rows=SHOWN_SOURCES, quote=quote)
    out = []
    for these in rows:
        out.append(
            [
                {
                    "title": s.document.get("source_title"),
                    "url": s.document.get("source_url"),
                    "confidence": s.document.get("source_confidence"),
                    "path": f"landing/{s.dataset}/{s.path}" if s.path else None,
                    "sheet": s.sheet,
                    "row": s.row_number,
                    "column": s.source_column or None,
                    "quotes": [
                        {
                            "column": q["column"],
                            "document": q["document"],
                            "paragraph": q.get("paragraph"),
                            "page": q.get("page"),
                            "quote": q["quote"],
                            "note": q["note"],
                        }
                        for q in s.sentences
                    ],
                }
                for s in these
            ]
        )
    return out


def collect(con: duckdb.DuckDBPyConnection, quote: Quoter | None = None) -> dict:
    """The dashboard's data: every figure of the mart (compact keys, for the page's JSON) with
    its first source rows, the indicators with their titles and units, the territories, the
    latest scorecard and the marts' dictionary. ``quote`` reads a sentence from a kept
    document (assets/extract/documents.py ``quotes_from``)."""
    rows = run_query(con, "dashboard_indicators", shown=SHOWN_SOURCES).pl()
    sources = figure_sources(
        con, [ids or [] for ids in rows.get_column("shown_source_row_ids").to_list()], quote
    )
    indicators = []
    for (dataset, indicator), group in rows.group_by(["dataset", "indicator"], maintain_order=True):
        units = sorted(group.get_column("unit").drop_nulls().unique().to_list())
        pc_units = sorted(group.get_column("per_capita_unit").drop_nulls().unique().to_list())
        indicators.append(
            {
                "id": indicator,
                "dataset": dataset,
                "unit": ", ".join(units),
                "per_capita_unit": ", ".join(pc_units),
                "levels": [
                    level for level in LEVELS if level in set(group.get_column("level").to_list())
                ],
            }
        )
    # In the order of their titles (the first is the page's first view).
    titles = indicator_titles([i["id"] for i in indicators])
    by_id = {i["id"]: i for i in indicators}
    indicators = [by_id[indicator] | {"title": title} for indicator, title in titles.items()]
    territories = (
        rows.select("territory_id", "territory_name_en", "territory_name_ru", "level")
        .unique()
        .sort("territory_id")
        .to_dicts()
    )
    figures = [
        {
            "i": r["indicator"],
            "t": r["territory_id"],
            "y": r["year"],
            "v": r["value"],
            "pc": r["per_capita_value"],
            "n": r["n_sources"],
            "d": bool(r["is_derived"]),
            "e": bool(r["is_estimated"]),
            "near": bool(r["population_is_nearest_year"]),
            "c": bool(r["conflicting_sources"]),
            "note": r["note"],
            "sr": r["source_rows"],
            "src": sources[n],
        }
        for n, r in enumerate(rows.iter_rows(named=True))
    ]
    scorecard = run_query(con, "dashboard_scorecard", year=as_of_date().year).pl()
    return {
        "indicators": indicators,
        "territories": territories,
        "figures": figures,
        "levels": LEVELS,
        "scorecard": scorecard.to_dicts(),
        "scorecard_columns": scorecard.columns,
        # Years and ids as written (2023, not 2,023), as ecostat query and the exports show them.
        "scorecard_plain": [c for c, t in scorecard.schema.items() if plain_integer(c, t)],
        "dictionary": [d for d in table_docs() if d.layer == "marts"],
        "air": air_view(con),
    }


def air_view(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The air view's data: each station and pollutant's years (marts.air_quality_annual) and
    complete days with their WHO 2021 category (compact rows: station index, pollutant, day,
    mean, category), and the WHO levels that bound the categories. None when no station has a
    complete day (or the warehouse has no air-quality marts)."""
    present = scalar(
        con,
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name in ('air_quality_daily', 'air_quality_annual')",
    )
    if present < 2:
        return None
    days = run_query(con, "dashboard_air_days").pl()
    if days.height == 0:
        return None
    years = run_query(con, "dashboard_air_years").pl()
    stations = (
        years.select(
            "station_id", "station", "territory_id", "territory_name_en", "territory_name_ru"
        )
        .unique("station_id")
        .sort("station_id")
    )
    index = {sid: n for n, sid in enumerate(stations.get_column("station_id").to_list())}
    levels: dict[str, list[dict]] = {}
    for r in run_query(con, "dashboard_air_levels").pl().iter_rows(named=True):
        levels.setdefault(r["pollutant"], []).append(
            {"standard": r["standard"], "value": r["value_ugm3"]}
        )
    return {
        "stations": stations.to_dicts(),
        "levels": levels,
        "years": years.with_columns(
            s=pl.col("station_id").replace_strict(index, return_dtype=pl.Int64)
        )
        .drop("station", "territory_id", "territory_name_en", "territory_name_ru", "station_id")
        .to_dicts(),
        "days": days.select(
            pl.col("station_id").replace_strict(index, return_dtype=pl.Int64),
            "pollutant",
            pl.col("day").cast(pl.String),
            "mean",
            "category",
        ).rows(),
    }


def user_cache() -> Path:
    """This machine's cache for ecostat (``$XDG_CACHE_HOME/ecostat``, else ``~/.cache/ecostat``):
    what every data home may share and any run can make again."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecostat"


def vega_bundle(cache_dir: Path | None = None) -> str:
    """Vega, Vega-Lite and Vega-Embed as one script, from vl-convert (no download). Building it
    takes about 2 s, so it is kept under vl-convert's version in ``cache_dir`` (the data
    home's) and in this machine's cache (``user_cache()``), and read from there by later runs:
    a new data home does not build it again. A cache that cannot be written is left out."""
    import vl_convert

    name = f"vega-bundle-{vl_convert.__version__}.js"
    places = [d / name for d in (cache_dir, user_cache()) if d is not None]
    for cached in places:
        if cached.is_file():
            bundle = cached.read_text(encoding="utf-8")
            break
    else:
        # Inside a <script> element, "</script" would end it early.
        bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")
    for cached in places:
        if cached.is_file():
            continue
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(bundle, encoding="utf-8")
            partial.replace(cached)  # whole or not at all
        except OSError:  # a read-only or full disk: built again next time
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
    return bundle


def unit_words(path: Path = UNIT_WORDS) -> dict[str, str]:
    """unit as the mart writes it -> its Russian words on the page."""
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def page_data(data: dict) -> str:
    """The figures and labels as JSON for a <script type="application/json"> element."""
    payload = {k: data[k] for k in ("indicators", "territories", "figures", "levels")}
    payload["air"] = data.get("air")
    payload["unit_words"] = {"ru": unit_words()}
    return json.dumps(payload, ensure_ascii=False, default=str).replace("</", "<\\/")


def render_html(data: dict, generated_at: str, cache_dir: Path | None = None) -> str:
    return render(
        TEMPLATES,
        "dashboard.html.j2",
        d=data,
        data_json=page_data(data),
        vega=vega_bundle(cache_dir),
        generated_at=generated_at,
    )
