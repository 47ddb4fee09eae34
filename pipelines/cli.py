"""The `ecostat` command.

ecostat run        run the whole pipeline (seeding an empty data home first) and summarise
ecostat init       create the data home and its Dagster config without running anything
ecostat home       print the data home's path
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
    print(f"Reports:   {home.reports}", file=out)
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
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
