"""Core and mart assets: one per SQL model (warehouse/<layer>/<name>.sql + .yaml), with checks of
the declared key and non-negative columns."""

import dagster as dg

from assets.metadata import column_schema, preview
from pipelines.resources import Warehouse
from warehouse import SqlModel, build_model, scalar, sql_models

# Tables written by assets other than SQL models; a SQL model may read them.
_NOT_ASSETS = {"audit.source_files", "audit.rejected_rows"}


def _key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


def sql_asset(model: SqlModel) -> dg.AssetsDefinition:
    @dg.asset(
        key=_key(model.table),
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        deps=[_key(d) for d in model.deps if d not in _NOT_ASSETS],
        description=f"{model.description}\n\nGrain: {model.grain}\n\nSQL: warehouse/{model.layer}/{model.name}.sql",
        metadata={"grain": model.grain, "dagster/column_schema": column_schema(model.columns)},
    )
    def _asset(warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            rows = build_model(con, model)
            head = con.sql(f"select * from {model.table} limit 10").pl()
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, "preview": preview(head)})

    return _asset


def sql_checks(model: SqlModel) -> list[dg.AssetChecksDefinition]:
    checks = []
    if model.key:
        key_cols = ", ".join(model.key)

        @dg.asset_check(
            asset=_key(model.table),
            name="unique_key",
            blocking=True,
            description=f"One row per {key_cols}; no key column is NULL.",
        )
        def unique_key(warehouse: Warehouse) -> dg.AssetCheckResult:
            with warehouse.get_connection() as con:
                dupes = con.sql(
                    f"select {key_cols}, count(*) as n from {model.table} group by all having count(*) > 1"
                ).pl()
                nulls = scalar(
                    con,
                    f"select count(*) from {model.table} where "
                    + " or ".join(f"{c} is null" for c in model.key),
                )
            return dg.AssetCheckResult(
                passed=dupes.height == 0 and nulls == 0,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "duplicate_keys": dupes.height,
                    "null_keys": nulls,
                    "sample": preview(dupes),
                },
            )

        checks.append(unique_key)
    if model.non_negative:

        @dg.asset_check(
            asset=_key(model.table),
            name="non_negative",
            blocking=True,
            description="No negative value in: " + ", ".join(model.non_negative),
        )
        def non_negative(warehouse: Warehouse) -> dg.AssetCheckResult:
            with warehouse.get_connection() as con:
                counts = con.sql(
                    "select "
                    + ", ".join(
                        f"count(*) filter (where {c} < 0) as {c}" for c in model.non_negative
                    )
                    + f" from {model.table}"
                ).pl()
            bad = {c: v for c, v in counts.row(0, named=True).items() if v}
            return dg.AssetCheckResult(
                passed=not bad,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"negative_values": bad or "none"},
            )

        checks.append(non_negative)
    checks += [_declared_check(model, declared) for declared in model.checks]
    return checks


def _declared_check(model: SqlModel, declared: dict) -> dg.AssetChecksDefinition:
    # A rule is an error that blocks what depends on the table, unless declared a warning.
    warn = declared.get("severity") == "warn"

    @dg.asset_check(
        asset=_key(model.table),
        name=declared["name"],
        blocking=not warn,
        description=declared["description"],
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            broken = con.sql(declared["sql"]).pl()
        return dg.AssetCheckResult(
            passed=broken.height == 0,
            severity=dg.AssetCheckSeverity.WARN if warn else dg.AssetCheckSeverity.ERROR,
            metadata={"rows_breaking_the_rule": broken.height, "sample": preview(broken)},
        )

    return _check


def sql_model_assets() -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    models = sql_models()
    return [sql_asset(m) for m in models], [c for m in models for c in sql_checks(m)]
