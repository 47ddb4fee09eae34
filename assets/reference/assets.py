"""Reference assets: core.<name> for every table declared in seeds/reference/tables.yaml, from
its seed and the data home's overlay."""

import dagster as dg

from assets.metadata import preview
from assets.reference.load import OverlayError, load_reference_table, reference_tables
from warehouse import ensure_schemas
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
    def _asset(warehouse: Warehouse, home: HomeResource) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            ensure_schemas(con)
            try:
                rows = load_reference_table(con, name, tables, overlay_dir=home.home.reference)
            except OverlayError as e:
                raise dg.Failure(description=str(e)) from None
            head = con.sql(f"select * from core.{name} limit 10").pl()
            overlay_rows = con.execute(
                f"select count(*) from core.{name} where origin <> 'seeds'"
            ).fetchone()[0]
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": rows,
                "overlay_rows": overlay_rows,
                "preview": preview(head),
            }
        )

    return _asset


def reference_assets() -> list[dg.AssetsDefinition]:
    tables = reference_tables()
    return [_reference_asset(name, tables) for name in tables]
