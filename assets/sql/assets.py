"""Core and mart assets: one per SQL model (warehouse/<layer>/<name>.sql + .yaml), with their
checks: the Great Expectations suite generated from the YAML, and the YAML's SQL rules."""

import dagster as dg

from assets.audit.checks import to_dagster
from assets.metadata import catalog_schema, column_schema, preview
from warehouse import SqlModel, build_model, by_file, ensure_schemas, scalar, sql_models
from warehouse.expectations import suite_spec, validate
from warehouse.resources import Warehouse
from warehouse.results import SAMPLE_ROWS, CheckResult, record_results

# Tables written by assets other than SQL models; a SQL model may read them.
_NOT_ASSETS = {"audit.source_files", "audit.rejected_rows", "audit.validation_results"}


def _key(table: str) -> dg.AssetKey:
    return dg.AssetKey(table.split("."))


def _sql_checks(model: SqlModel) -> list[tuple[str, str, str, str]]:
    """(name, severity, description, SQL selecting the rows that break it) of the rules the
    model's YAML declares in SQL: what a table-level expectation cannot state (rules across
    tables, like for like, balances)."""
    return [
        (
            declared["name"],
            "warning" if declared.get("severity") == "warn" else "error",
            declared["description"],
            declared["sql"],
        )
        for declared in model.checks
    ]


def _run_sql_checks(con, model: SqlModel) -> list[CheckResult]:
    if not model.checks:
        return []  # most models have none: their table is not counted for nothing
    rows = scalar(con, f"select count(*) from {model.table}")
    results = []
    for name, severity, description, sql in _sql_checks(model):
        # Counted in DuckDB, sampled with a limit: a check that fails on millions of rows never
        # brings them into Python.
        failed = scalar(con, f"select count(*) from ({sql})")
        broken = con.sql(f"select * from ({sql}) limit {SAMPLE_ROWS}").pl()
        results.append(
            CheckResult(
                model.table, name, "sql", severity, failed == 0, rows, failed, description, broken
            )
        )
    return results


SUITE_CHECK = "expectations"


def _suite_to_dagster(
    results: list[CheckResult], key: dg.AssetKey, carried_from: str | None = None
) -> dg.AssetCheckResult:
    """A model's whole Great Expectations suite as one Dagster check: failed as an error when an
    error expectation failed, as a warning when only warnings did. Each expectation's own
    result is in audit.validation_results and the report; here, the failed ones by name, and
    the run that validated the table when its content and suite had not changed since."""
    failed = [r for r in results if not r.passed]
    errors = [r for r in failed if r.severity == "error"]
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=SUITE_CHECK,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR
        if errors or not failed
        else dg.AssetCheckSeverity.WARN,
        metadata={
            "expectations": len(results),
            "failed": ", ".join(f"{r.check_name} ({r.severity})" for r in failed) or "none",
            "rows_checked": max((r.rows_checked or 0 for r in results), default=0),
            "validated_in_run": carried_from or "this run",
        },
    )


def check_specs(model: SqlModel) -> list[dg.AssetCheckSpec]:
    """The model's checks as Dagster sees them: its Great Expectations suite, generated from its
    YAML (columns, key, non-negative columns, declared expectations), as one check,
    ``expectations``; and each of its declared SQL rules as a check of its own. (A Dagster
    check per expectation doubled the run's event-log writes.)

    Every check is blocking: only a failed error stops what depends on the table (the step
    fails after recording every result); a warning does not.
    """
    expectations = suite_spec(model)
    key = _key(model.table)
    specs = [
        dg.AssetCheckSpec(name, asset=key, description=description, blocking=True)
        for name, _, description, _ in _sql_checks(model)
    ]
    if expectations:
        described = "; ".join(f"{e['name']} ({e['severity']})" for e in expectations)
        specs.insert(
            0,
            dg.AssetCheckSpec(
                SUITE_CHECK,
                asset=key,
                description=f"Great Expectations suite of {model.table}, run in DuckDB: {described}.",
                blocking=True,
            ),
        )
    return specs


def sql_asset(model: SqlModel) -> dg.AssetsDefinition:
    """The model's table and its checks, in one step: built, then checked on the same
    connection, and every result recorded in audit.validation_results before the step ends, so
    that what depends on the table (the report last) sees them."""
    specs = check_specs(model)
    has_suite = bool(suite_spec(model))
    key = _key(model.table)

    @dg.asset(
        key=key,
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        deps=[_key(d) for d in model.deps if d not in _NOT_ASSETS],
        description=f"{model.description}\n\nGrain: {model.grain}\n\nSQL: warehouse/{model.layer}/{model.name}.sql",
        metadata={"grain": model.grain, "dagster/column_schema": column_schema(model.columns)},
        check_specs=specs,
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        built = None
        with warehouse.get_connection() as con:
            if model.partitioned_by:  # only the changed file versions' rows are built
                ensure_schemas(con)
                built = by_file.build(con, model)
                rows = built.rows
            else:
                rows = build_model(con, model)
            # A view's first rows cost what the whole view costs (audit.finding_cases
            # aggregates every source row: 2 s at a million reports): its preview says how to
            # read it instead.
            head = (
                con.sql(f"select * from {model.table} limit 10").pl()
                if model.materialized == "table"
                else None
            )
            schema = catalog_schema(con, model.table, model.columns)
            summary = con.sql(model.summary).pl() if model.summary else None
            checks: list[dg.AssetCheckResult] = []
            if specs:
                suite, carried_from = validate(con, model, context.run.run_id)
                rules = _run_sql_checks(con, model)
                record_results(con, context.run.run_id, suite + rules)
                if has_suite:
                    checks.append(_suite_to_dagster(suite, key, carried_from))
                checks += [to_dagster(result, key) for result in rules]
        shown = (
            preview(head)
            if head is not None
            else dg.MetadataValue.md(
                f'A view, computed when read: `ecostat query "select * from {model.table} '
                f'limit 10"`'
            )
        )
        metadata = {"preview": shown, "dagster/column_schema": schema}
        if rows is not None:  # a view's rows are computed when it is read
            metadata["dagster/row_count"] = rows
        if summary is not None:
            metadata["summary"] = preview(summary, limit=50)
        if built is not None:
            metadata["build"] = built.describe()
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return _asset


def sql_model_assets() -> list[dg.AssetsDefinition]:
    return [sql_asset(m) for m in sql_models()]
