"""Reference assets: core.<name> for every table declared in seeds/reference/tables.yaml."""

import dagster as dg

from assets.metadata import preview
from assets.reference.load import load_reference_table, reference_tables
from pipelines.resources import Warehouse
from warehouse import ensure_schemas


def _reference_asset(name: str, meta: dict) -> dg.AssetsDefinition:
    @dg.asset(
        key=["core", name],
        group_name="reference",
        kinds={"duckdb", "csv"},
        description=f"{meta['description']}\n\nGrain: {meta['grain']}\n\nSource: {meta['source']}"
        f"\n\nLicence: {meta.get('licence', 'not stated')}",
        metadata={
            "grain": meta["grain"],
            "source": meta["source"],
            "licence": meta.get("licence", "not stated"),
            "seed": f"seeds/reference/{name}.csv",
        },
    )
    def _asset(warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            ensure_schemas(con)
            rows = load_reference_table(con, name, meta.get("types", {}))
            head = con.sql(f"select * from core.{name} limit 10").pl()
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, "preview": preview(head)})

    return _asset


def reference_assets() -> list[dg.AssetsDefinition]:
    return [_reference_asset(name, meta) for name, meta in reference_tables().items()]
