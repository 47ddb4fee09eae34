"""Publishing assets, built after the checks: the comparison dashboard, and the copy of the
warehouse analysts read.

publish/dashboard   <home>/reports/dashboard.html: every indicator across territories and years
publish/warehouse   <home>/published/warehouse.duckdb, replaced whole after every run whose
                    checks passed (a failed error check stops the run before it, so analysts
                    keep the last good copy)
"""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from assets.audit.assets import REPORT_KEY
from assets.extract.documents import quotes_from
from assets.publish.dashboard import collect, render_html
from contracts import datasets
from warehouse.keys import KeysBroken, duplicate_keys
from warehouse.query import publish
from warehouse.resources import HomeResource, Warehouse
from warehouse.staged import remove_unused

DASHBOARD_KEY = dg.AssetKey(["publish", "dashboard"])
PUBLISHED_KEY = dg.AssetKey(["publish", "warehouse"])


@dg.asset(
    key=DASHBOARD_KEY,
    group_name="publish",
    kinds={"html"},
    deps=[
        dg.AssetKey(["marts", "region_year_indicators"]),
        dg.AssetKey(["marts", "region_scorecard"]),
    ],
    description=(
        "The comparison dashboard. Grain: one page per run holding every figure of "
        "marts.region_year_indicators, to explore by indicator, level, territories, absolute or "
        "per capita, in English or Russian (charts drawn in the page with the inlined Vega "
        "bundle; downloads as SVG, PNG and CSV; the view kept in the URL), the latest scorecard "
        "per territory and the marts' data dictionary; a Sources view gives each figure's "
        "source titles, links, files, rows and quotes, and the `ecostat trace` command. "
        "<home>/reports/dashboard.html: opens "
        "offline and fetches nothing."
    ),
)
def dashboard(warehouse: Warehouse, home: HomeResource) -> dg.MaterializeResult:
    with warehouse.get_connection() as con:
        data = collect(con, quotes_from(home.home.documents))
    page = home.home.reports / "dashboard.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(
        render_html(data, datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), home.home.cache),
        encoding="utf-8",
    )
    return dg.MaterializeResult(
        metadata={
            "dashboard": dg.MetadataValue.path(str(page)),
            "indicators": len(data["indicators"]),
            "territories": len(data["territories"]),
        }
    )


@dg.asset(
    key=PUBLISHED_KEY,
    group_name="publish",
    kinds={"duckdb"},
    deps=[REPORT_KEY, DASHBOARD_KEY],
    description=(
        "The published copy of the warehouse that analysts read (ecostat query, ecostat export, "
        "notebooks). Grain: one DuckDB file, the whole warehouse as of the end of the last run "
        "whose checks passed; replaced atomically, so readers never block a run and never see "
        "half of one."
    ),
)
def published_warehouse(warehouse: Warehouse, home: HomeResource) -> dg.MaterializeResult:
    # Through the resource, so that a reader of the live file (ecostat query --live) is waited
    # out rather than failing the step.
    with warehouse.get_connection() as con:
        # Keys are kept by the statements that write the tables, not by the database
        # (warehouse/keys.py): a key held twice is a fault of ecostat's, never published.
        broken = duplicate_keys(con)
        if broken:
            raise KeysBroken(
                "not published: " + "; ".join(broken) + ". This is a fault in ecostat, not in "
                "your files: the published copy stays the last good run's. Report it with "
                "this message"
            )
        con.execute("checkpoint")
    path = publish(Path(warehouse.database), home.home.published)
    # The staged partitions that the new copy does not read either (earlier passes, retired
    # file versions): the copy they were kept for is gone.
    with warehouse.get_connection() as con:
        removed = remove_unused(con, datasets())
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_bytes": path.stat().st_size,
            "staged_partitions_removed": removed,
        }
    )
