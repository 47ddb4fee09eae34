"""Publishing assets, built after the checks: the comparison dashboard, and the copy of the
warehouse analysts read.

publish/dashboard   <home>/reports/dashboard.html: every indicator across territories and years
publish/warehouse   one snapshot of <home>/lake/, the DuckLake analysts read, after every run
                    whose checks passed (a failed error check stops the run before it, so
                    analysts keep the last good snapshot); a damaged warehouse is restored from
                    it (`ecostat restore`)
"""

from datetime import UTC, datetime, timedelta

import dagster as dg

from assets.audit.assets import REPORT_KEY
from assets.extract.documents import quotes_from
from assets.publish.dashboard import collect, render_html
from contracts import datasets
from contracts.limits import limits
from warehouse import ensure_schemas, lake
from warehouse.keys import KeysBroken, duplicate_keys
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
    kinds={"ducklake"},
    deps=[REPORT_KEY, DASHBOARD_KEY],
    description=(
        "The published warehouse that analysts read (ecostat query, ecostat export, trace, "
        "notebooks): <home>/lake/, a DuckLake. Grain: one snapshot per run whose checks passed, "
        "holding every table, view and macro of the warehouse as that run left it; only what "
        "changed is written. Readers attach at the last snapshot (or an earlier one, --as-of), "
        "so they never block a run and never see half of one. A damaged warehouse is restored "
        "from it (ecostat restore)."
    ),
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: Warehouse, home: HomeResource
) -> dg.MaterializeResult:
    # Through the resource, so that a reader of the live file (ecostat query --live) is waited
    # out rather than failing the step.
    with warehouse.get_connection() as con:
        ensure_schemas(con)  # audit.publications, in a warehouse written before it existed
        # Keys are kept by the statements that write the tables, not by the database
        # (warehouse/keys.py): a key held twice is a fault of ecostat's, never published.
        broken = duplicate_keys(con)
        if broken:
            raise KeysBroken(
                "not published: " + "; ".join(broken) + ". This is a fault in ecostat, not in "
                "your files: readers keep the last good run's publication. Report it with "
                "this message"
            )
        # The publication's own row goes into the snapshot it makes: every run that publishes
        # is one snapshot, even when no figure changed, and --as-of can name it.
        now = datetime.now(UTC)
        target = lake.lake_of(home.home)
        con.execute("insert into audit.publications values (?, ?)", [context.run_id, now])
        kept = timedelta(days=limits().published_snapshots_kept_days)
        try:
            done = lake.publish(con, target, context.run_id, expire_before=now - kept)
        except BaseException:
            con.execute("delete from audit.publications where run_id = ?", [context.run_id])
            raise
        if done.expiry_error:
            # The publication stands; old snapshots are expired by the next run instead.
            context.log.warning(f"Old publications were not expired this time: {done.expiry_error}")
        # The staged partitions that the new publication does not read either (earlier
        # passes, retired file versions): the last publication was what they were kept for.
        removed = remove_unused(con, datasets())
    # The whole-file copy of the warehouse that homes published into before the lake: it would
    # go on showing that run's figures to whoever opens it.
    stale = home.home.published
    if stale.exists():
        stale.unlink()
        context.log.info(f"Removed {stale}, the copy published before the lake: read the lake")
    return dg.MaterializeResult(
        metadata={
            "lake": str(target),
            "snapshot_id": done.snapshot_id,
            "replaced": len(done.replaced),
            "unchanged_tables": done.unchanged,
            "dropped": len(done.dropped),
            "snapshots_expired": done.expired,
            "publish_seconds": round(done.seconds, 2),
            "staged_partitions_removed": removed,
        }
    )
