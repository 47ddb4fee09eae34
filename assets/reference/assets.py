"""Reference assets: core.<name> for every table declared in seeds/reference/tables.yaml, from
its seed and the data home's overlay."""

import dagster as dg

from assets.metadata import catalog_schema, preview
from assets.reference.load import (
    OverlayError,
    built_from,
    load_reference_table,
    record_build,
    reference_inputs,
    reference_tables,
)
from warehouse import ensure_schemas, table_fingerprint
from warehouse.resources import HomeResource, Warehouse


def _reference_asset(name: str, tables: dict[str, dict]) -> dg.AssetsDefinition:
    meta = tables[name]

    @dg.asset(
        key=["core", name],
        group_name="reference",
        kinds={"duckdb", "csv"},
        description=f"{meta['description']}\n\nGrain: {meta['grain']}\n\nSource: {meta['source']}"
        f"\n\nLicence: {meta.get('licence', 'not stated')}\n\nA data home's "
        f"reference/{name}.csv adds rows (same columns); `origin` says where each came from.",
        metadata={
            "grain": meta["grain"],
            "source": meta["source"],
            "licence": meta.get("licence", "not stated"),
            "seed": f"seeds/reference/{name}.csv",
        },
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: Warehouse, home: HomeResource
    ) -> dg.MaterializeResult:
        overlays = home.home.reference
        with warehouse.get_connection() as con:
            ensure_schemas(con)
            inputs = reference_inputs(tables, overlay_dir=overlays)
            previous = built_from(con, name)
            rebuilt = previous != inputs
            if rebuilt:
                try:
                    rows = load_reference_table(con, name, tables, overlay_dir=overlays)
                except OverlayError as e:
                    raise dg.Failure(description=str(e)) from None
                content = table_fingerprint(con, f"core.{name}")
                record_build(con, name, inputs, content, rows, context.run_id)
            else:
                ((content, rows, built_in),) = con.execute(
                    "select table_fingerprint, rows_built, run_id from audit.reference_builds "
                    "where table_name = 'core.' || ?",
                    [name],
                ).fetchall()
            head = con.sql(f"select * from core.{name} limit 10").pl()
            schema = catalog_schema(con, f"core.{name}")
            overlay_rows = con.execute(
                f"select count(*) from core.{name} where origin <> 'seeds'"
            ).fetchall()[0][0]
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "overlay_rows": overlay_rows,
                "rebuilt": rebuilt,
                "built_in_run": context.run_id if rebuilt else built_in,
                "preview": preview(head),
                "dagster/column_schema": schema,
            },
            # The table's content: the same after a run that kept or rebuilt it unchanged, so
            # Dagster shows nothing downstream as stale because of it.
            data_version=dg.DataVersion(content),
        )

    return _asset


def reference_assets() -> list[dg.AssetsDefinition]:
    tables = reference_tables()
    return [_reference_asset(name, tables) for name in tables]
