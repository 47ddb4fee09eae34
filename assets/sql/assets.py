"""Core and mart assets: one per SQL model (warehouse/<layer>/<name>.sql + .yaml), with checks of
the declared key and non-negative columns."""

import dagster as dg

from assets.audit.checks import to_dagster
from assets.metadata import column_schema, preview
from warehouse import SqlModel, build_model, scalar, sql_models
from warehouse.resources import Warehouse
from warehouse.results import SAMPLE_ROWS, CheckResult, record_results

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
        metadata = {"preview": preview(head)}
        if rows is not None:  # a view's rows are computed when it is read
            metadata["dagster/row_count"] = rows
        if summary is not None:
            metadata["summary"] = preview(summary, limit=50)
        return dg.MaterializeResult(metadata=metadata)

    return _asset


def _model_checks(model: SqlModel) -> list[tuple[str, str, str, str]]:
    """(name, severity, description, SQL selecting the rows that break it) of every check of a
    model: its key, its non-negative columns and the rules its YAML declares."""
    checks = []
    if model.key:
        key_cols = ", ".join(model.key)
        nulls = " or ".join(f"{c} is null" for c in model.key)
        checks.append(
            (
                "unique_key",
                "warning" if model.key_severity == "warn" else "error",
                f"One row per {key_cols}; no key column is NULL.",
                f"select {key_cols}, count(*) as n from {model.table} group by all "
                f"having count(*) > 1 or {nulls}",
            )
        )
    if model.non_negative:
        checks.append(
            (
                "non_negative",
                "error",
                "No negative value in: " + ", ".join(model.non_negative),
                f"select * from {model.table} where "
                + " or ".join(f"{c} < 0" for c in model.non_negative),
            )
        )
    for declared in model.checks:
        severity = "warning" if declared.get("severity") == "warn" else "error"
        checks.append((declared["name"], severity, declared["description"], declared["sql"]))
    return checks


def sql_checks(model: SqlModel) -> list[dg.AssetChecksDefinition]:
    """One Dagster step runs all of a model's checks (one connection, one step's overhead) and
    reports each as its own asset check.

    Every check is blocking, so that what depends on a table waits until all its checks have
    run and been recorded (the validation report is built last). Only a failed error stops what
    depends on the table; a warning does not.
    """
    checks = _model_checks(model)
    if not checks:
        return []
    key = _key(model.table)

    @dg.multi_asset_check(
        name=f"{model.layer}_{model.name}_checks",
        specs=[
            dg.AssetCheckSpec(name, asset=key, description=description, blocking=True)
            for name, _, description, _ in checks
        ],
    )
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
        results = []
        with warehouse.get_connection() as con:
            rows = scalar(con, f"select count(*) from {model.table}")
            for name, severity, description, sql in checks:
                # Counted in DuckDB, sampled with a limit: a check that fails on millions of
                # rows never brings them into Python.
                failed = scalar(
                    con,
                    f"select coalesce(sum(n), 0) from ({sql})"
                    if name == "unique_key"
                    else f"select count(*) from ({sql})",
                )
                broken = con.sql(f"select * from ({sql}) limit {SAMPLE_ROWS}").pl()
                results.append(
                    CheckResult(
                        model.table,
                        name,
                        "sql",
                        severity,
                        failed == 0,
                        rows,
                        failed,
                        description,
                        broken,
                    )
                )
            record_results(con, context.run.run_id, results)
        for result in results:
            yield to_dagster(result, key)

    return [_checks]


def sql_model_assets() -> tuple[list[dg.AssetsDefinition], list[dg.AssetChecksDefinition]]:
    models = sql_models()
    return [sql_asset(m) for m in models], [c for m in models for c in sql_checks(m)]
