"""Core and mart assets: one per SQL model (warehouse/<layer>/<name>.sql + .yaml), with checks of
the declared key and non-negative columns."""

import dagster as dg

from assets.audit.checks import report_check
from assets.metadata import column_schema, preview
from pipelines.resources import Warehouse
from warehouse import SqlModel, build_model, scalar, sql_models
from warehouse.results import CheckResult

# Tables written by assets other than SQL models; a SQL model may read them.
_NOT_ASSETS = {"audit.source_files", "audit.rejected_rows", "audit.validation_results"}


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
            summary = con.sql(model.summary).pl() if model.summary else None
        metadata = {"dagster/row_count": rows, "preview": preview(head)}
        if summary is not None:
            metadata["summary"] = preview(summary, limit=50)
        return dg.MaterializeResult(metadata=metadata)

    return _asset


def sql_checks(model: SqlModel) -> list[dg.AssetChecksDefinition]:
    """The model's checks: its key, its non-negative columns and the rules its YAML declares.

    Every check is blocking, so that what depends on a table waits until all its checks have
    run and been recorded (the validation report is built last). Only a failed error stops what
    depends on the table; a warning does not.
    """
    checks = []
    if model.key:
        key_cols = ", ".join(model.key)

        @dg.asset_check(
            asset=_key(model.table),
            name="unique_key",
            blocking=True,
            description=f"One row per {key_cols}; no key column is NULL.",
        )
        def unique_key(
            context: dg.AssetCheckExecutionContext, warehouse: Warehouse
        ) -> dg.AssetCheckResult:
            with warehouse.get_connection() as con:
                broken = con.sql(
                    f"""select {key_cols}, count(*) as n from {model.table} group by all
                        having count(*) > 1 or {" or ".join(f"{c} is null" for c in model.key)}"""
                ).pl()
                rows = scalar(con, f"select count(*) from {model.table}")
            failed = int(broken.get_column("n").sum()) if broken.height else 0
            return report_check(
                context,
                warehouse,
                CheckResult(
                    model.table,
                    "unique_key",
                    "sql",
                    "error",
                    broken.height == 0,
                    rows,
                    failed,
                    f"One row per {key_cols}; no key column is NULL.",
                    broken,
                ),
            )

        checks.append(unique_key)
    if model.non_negative:
        description = "No negative value in: " + ", ".join(model.non_negative)

        @dg.asset_check(
            asset=_key(model.table),
            name="non_negative",
            blocking=True,
            description=description,
        )
        def non_negative(
            context: dg.AssetCheckExecutionContext, warehouse: Warehouse
        ) -> dg.AssetCheckResult:
            with warehouse.get_connection() as con:
                broken = con.sql(
                    f"select * from {model.table} where "
                    + " or ".join(f"{c} < 0" for c in model.non_negative)
                ).pl()
                rows = scalar(con, f"select count(*) from {model.table}")
            return report_check(
                context,
                warehouse,
                CheckResult(
                    model.table,
                    "non_negative",
                    "sql",
                    "error",
                    broken.height == 0,
                    rows,
                    broken.height,
                    description,
                    broken,
                ),
            )

        checks.append(non_negative)
    checks += [_declared_check(model, declared) for declared in model.checks]
    return checks


def _declared_check(model: SqlModel, declared: dict) -> dg.AssetChecksDefinition:
    # A rule is an error that stops what depends on the table, unless declared a warning.
    severity = "warning" if declared.get("severity") == "warn" else "error"

    @dg.asset_check(
        asset=_key(model.table),
        name=declared["name"],
        blocking=True,
        description=declared["description"],
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            broken = con.sql(declared["sql"]).pl()
            rows = scalar(con, f"select count(*) from {model.table}")
        return report_check(
            context,
            warehouse,
            CheckResult(
                model.table,
                declared["name"],
                "sql",
                severity,
                broken.height == 0,
                rows,
                broken.height,
                declared["description"],
                broken,
            ),
        )

    return _check


def sql_model_assets() -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    models = sql_models()
    return [sql_asset(m) for m in models], [c for m in models for c in sql_checks(m)]
