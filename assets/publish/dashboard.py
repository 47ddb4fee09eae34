"""The comparison dashboard: one self-contained HTML page per run (inline CSS, inline SVG charts,
no external link or script), built from marts.region_year_indicators and marts.region_scorecard.

Per indicator: a chart across territories and years (per capita where the mart has it for most
figures) and the table behind it with units, markers for derived, estimated, nearest-year and
conflicting figures, the note and the source count. Charts are declared in Vega-Lite (altair)
and rendered to SVG by vl-convert, so nothing draws geometry by hand and nothing runs in the
browser.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from assets.html import render
from warehouse import run_query
from warehouse.dictionary import table_docs

TEMPLATES = Path(__file__).parent / "templates"


def collect(con: duckdb.DuckDBPyConnection) -> dict:
    """The dashboard's data: indicators with their rows, the latest scorecard, the dictionary."""
    rows = run_query(con, "dashboard_indicators").pl()
    indicators = []
    for (dataset, indicator), group in rows.group_by(["dataset", "indicator"], maintain_order=True):
        per_capita_share = group.get_column("per_capita_value").is_not_null().mean()
        use_per_capita = per_capita_share is not None and per_capita_share >= 0.5
        units = group.get_column("unit").unique().to_list()
        pc_units = group.get_column("per_capita_unit").drop_nulls().unique().to_list()
        indicators.append(
            {
                "dataset": dataset,
                "indicator": indicator,
                "unit": ", ".join(sorted(units)),
                "per_capita_unit": ", ".join(sorted(pc_units)),
                "charted": "per_capita_value" if use_per_capita else "value",
                "chart_unit": (
                    ", ".join(sorted(pc_units)) if use_per_capita else ", ".join(sorted(units))
                ),
                "territories": group.get_column("territory_id").n_unique(),
                "years": sorted(group.get_column("year").unique().to_list()),
                "rows": group.to_dicts(),
            }
        )
    scorecard = run_query(con, "dashboard_scorecard").pl()
    return {
        "indicators": indicators,
        "territories": rows.select("territory_id", "territory_name_en", "level")
        .unique()
        .sort("territory_id")
        .to_dicts(),
        "scorecard": scorecard.to_dicts(),
        "scorecard_columns": scorecard.columns,
        "dictionary": [d for d in table_docs() if d.layer == "marts"],
    }


def chart(indicator: dict) -> str:
    """One indicator across territories and years, as inline SVG."""
    import altair as alt
    import vl_convert

    column = indicator["charted"]
    frame = pl.DataFrame(indicator["rows"]).filter(pl.col(column).is_not_null())
    if frame.height == 0:
        return ""
    frame = frame.with_columns(
        territory=pl.col("territory_name_en") + " (" + pl.col("level") + ")",
    ).select("territory", "year", column)
    title = f"{indicator['indicator']}, {indicator['chart_unit']}"
    base = alt.Chart(frame.to_pandas(), title=title).encode(
        # Years on a continuous axis, so that a missing year shows as a gap.
        x=alt.X("year:Q", title="year", axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y(f"{column}:Q", title=indicator["chart_unit"]),
        # Ten distinct colours while they suffice; beyond that, twenty in light/dark pairs.
        color=alt.Color(
            "territory:N",
            title="territory",
            scale=alt.Scale(
                scheme="category10"
                if frame.get_column("territory").n_unique() <= 10
                else "tableau20"
            ),
        ),
    )
    layered = (base.mark_line() + base.mark_point(filled=True, size=60)).properties(
        width=560, height=240
    )
    return vl_convert.vegalite_to_svg(layered.to_dict())


def render_html(data: dict, generated_at: str) -> str:
    charts = {i["indicator"]: chart(i) for i in data["indicators"]}
    return render(TEMPLATES, "dashboard.html.j2", d=data, charts=charts, generated_at=generated_at)
