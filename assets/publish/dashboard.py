"""The comparison dashboard: one self-contained HTML page per run, built from
marts.region_year_indicators and marts.region_scorecard, to explore in a browser offline.

The page holds the mart's figures as JSON and draws each chart in the browser from a Vega-Lite
spec, with the Vega, Vega-Lite and Vega-Embed bundle that vl-convert ships inlined (no CDN, no
request leaves the page). An analyst picks an indicator, a level (or all levels side by side,
each with its own axis), the territories, absolute or per-capita figures and English or Russian;
the state is kept in the URL's fragment, so a view can be bookmarked or sent. Each chart
downloads as SVG or PNG and its data as CSV. Years sit on a continuous axis and a line breaks
where a year is missing. Below the chart, the same figures as a table; then the latest
scorecard per territory and the marts' data dictionary.

Grain of the page's data: one figure per territory x year x indicator, as the mart has it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import yaml

from assets.html import render
from contracts import reference_vocabulary
from warehouse import run_query
from warehouse.dictionary import table_docs
from warehouse.query import plain_integer

TEMPLATES = Path(__file__).parent / "templates"
LABELS = Path(__file__).parent / "indicators.yaml"
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


def collect(con: duckdb.DuckDBPyConnection) -> dict:
    """The dashboard's data: every figure of the mart (compact keys, for the page's JSON), the
    indicators with their titles and units, the territories, the latest scorecard and the
    marts' dictionary."""
    rows = run_query(con, "dashboard_indicators").pl()
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
        }
        for r in rows.iter_rows(named=True)
    ]
    scorecard = run_query(con, "dashboard_scorecard").pl()
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
    }


def vega_bundle(cache_dir: Path | None = None) -> str:
    """Vega, Vega-Lite and Vega-Embed as one script, from vl-convert (no download). Building it
    takes about 2 s, so it is kept in ``cache_dir`` under vl-convert's version and read from
    there by later runs."""
    import vl_convert

    cached = cache_dir / f"vega-bundle-{vl_convert.__version__}.js" if cache_dir else None
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    # Inside a <script> element, "</script" would end it early.
    bundle = vl_convert.javascript_bundle().replace("</script", "<\\/script")
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(bundle, encoding="utf-8")
        partial.replace(cached)  # whole or not at all
    return bundle


def page_data(data: dict) -> str:
    """The figures and labels as JSON for a <script type="application/json"> element."""
    payload = {k: data[k] for k in ("indicators", "territories", "figures", "levels")}
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
