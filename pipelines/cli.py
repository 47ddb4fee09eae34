"""The `ecostat` command.

ecostat run        run the whole pipeline (seeding an empty data home first) and summarise
ecostat init       create the data home and its Dagster config without running anything
ecostat home       print the data home's path
ecostat trace      show where one row of a mart came from: source files and rows, readings,
                   reference figures, checks
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence

from pipelines.home import Home, ensure_home, home_path


def _prepare(out) -> Home:
    home, seeded = ensure_home(home_path())
    os.environ["DAGSTER_HOME"] = str(home.dagster)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    if seeded:
        print(
            f"Seeded the empty data home {home.root} with the embedded default submissions "
            f"({len(seeded)} files from seeds/landing/).",
            file=out,
        )
    return home


def cmd_run(args: argparse.Namespace) -> int:
    out = sys.stdout
    home = _prepare(out)
    # Imported here so that `ecostat home` and `--help` stay instant.
    import dagster as dg
    import duckdb

    from assets.audit.assets import REPORT_KEY
    from pipelines.definitions import build_definitions
    from pipelines.jobs import ALL_JOB
    from pipelines.resources import Warehouse
    from pipelines.summary import summary_lines

    defs = build_definitions(str(home.root))
    job = defs.resolve_job_def(ALL_JOB)
    level = "INFO" if args.verbose else "WARNING"
    started = time.perf_counter()
    result = job.execute_in_process(
        instance=dg.DagsterInstance.get(),
        run_config={"loggers": {"console": {"config": {"log_level": level}}}},
        raise_on_error=False,
    )
    report_written = REPORT_KEY in {e.asset_key for e in result.get_asset_materialization_events()}
    if not report_written and home.warehouse.exists():
        # A failed error check stops what depends on its table, the report included; the
        # report is most needed then, so it is written on its own, for the run that stopped.
        report_only = job.execute_in_process(
            instance=dg.DagsterInstance.get(),
            asset_selection=[REPORT_KEY],
            run_config={"loggers": {"console": {"config": {"log_level": level}}}},
            raise_on_error=False,
        )
        report_written = report_only.success
    elapsed = time.perf_counter() - started
    print(
        f"\necostat run {result.run_id[:8]}: {'SUCCESS' if result.success else 'FAILURE'} in {elapsed:.1f} s",
        file=out,
    )
    if home.warehouse.exists():
        with Warehouse(database=str(home.warehouse)).read_connection() as con:
            try:
                for line in summary_lines(con):
                    print(line, file=out)
            except duckdb.CatalogException as e:  # the run stopped before the audit tables existed
                print(f"No summary: the warehouse has no audit tables yet ({e})", file=out)
    else:
        print(
            "No warehouse was written: the run stopped before loading anything (see the log above).",
            file=out,
        )
    failed_checks = [e for e in result.get_asset_check_evaluations() if not e.passed]
    for e in failed_checks:
        print(
            f"Check {e.asset_key.to_user_string()}:{e.check_name} "
            f"{'failed' if e.severity.value == 'ERROR' else 'warns'}",
            file=out,
        )
    print(f"Warehouse: {home.warehouse}", file=out)
    if report_written:
        print(f"Validation report: {home.reports / 'validation_report.html'}", file=out)
        print(f"  results as JSON: {home.reports / 'validation_results.json'}", file=out)
        print(
            f"  Data Docs (Great Expectations): {home.reports / 'data_docs' / 'index.html'}",
            file=out,
        )
    else:
        print("No validation report: the run stopped before any check was recorded.", file=out)
    print(
        "Rejected rows (read-only, works while nothing writes):\n"
        f"  .venv/bin/python -c \"import duckdb; duckdb.connect('{home.warehouse}', read_only=True)"
        ".sql('select path, row_number, column_name, rule, value, message from audit.rejected_rows')"
        '.show(max_width=200)"',
        file=out,
    )
    return 0 if result.success else 1


def cmd_init(args: argparse.Namespace) -> int:
    home = _prepare(sys.stdout)
    print(f"Data home ready: {home.root}")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    import json

    from pipelines.resources import Warehouse
    from warehouse.trace import TraceError, find_rows, format_trace, trace_row

    home = Home(home_path())
    where = {}
    for item in args.where:
        column, sep, value = item.partition("=")
        if not sep:
            print(f"ecostat trace: expected column=value, got {item!r}", file=sys.stderr)
            return 2
        where[column] = value
    if not home.warehouse.exists():
        print(
            f"ecostat trace: no warehouse at {home.warehouse}; run `ecostat run` first",
            file=sys.stderr,
        )
        return 2
    with Warehouse(database=str(home.warehouse)).read_connection() as con:
        try:
            rows = find_rows(con, args.table, where, limit=args.limit + 1)
            if not rows:
                print(f"ecostat trace: no row of {args.table} where {where}", file=sys.stderr)
                return 1
            traces = [trace_row(con, args.table, row) for row in rows[: args.limit]]
        except TraceError as e:
            print(f"ecostat trace: {e}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps([t.to_dict() for t in traces], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(format_trace(t) for t in traces))
    if len(rows) > args.limit:
        print(
            f"\n(more than {args.limit} rows match; add column=value conditions to narrow)",
            file=sys.stderr,
        )
    return 0


def cmd_home(args: argparse.Namespace) -> int:
    print(home_path())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ecostat", description="ecostat: waste and emissions statistics warehouse"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run", help="run the whole pipeline on the data home (ECOSTAT_HOME, default ./data)"
    )
    run.add_argument("-v", "--verbose", action="store_true", help="show Dagster's step log")
    run.set_defaults(func=cmd_run)
    sub.add_parser("init", help="create the data home and its Dagster config").set_defaults(
        func=cmd_init
    )
    sub.add_parser("home", help="print the data home's path").set_defaults(func=cmd_home)
    trace = sub.add_parser(
        "trace",
        help="where a mart row came from",
        description="Show, for rows of a table that keeps source row ids (the marts, core), the "
        "source files and rows, how each cell was read, the reference figures used and the "
        "checks of the latest run. Example: ecostat trace marts.region_year_indicators "
        "territory_id=KG year=2023 indicator=cleanup_waste_collected_t",
    )
    trace.add_argument("table", help="schema.table, e.g. marts.region_year_indicators")
    trace.add_argument("where", nargs="*", help="column=value conditions (compared as text)")
    trace.add_argument("--json", action="store_true", help="print the trace as JSON")
    trace.add_argument("--limit", type=int, default=10, help="trace at most this many rows")
    trace.set_defaults(func=cmd_trace)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
