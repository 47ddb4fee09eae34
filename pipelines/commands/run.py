"""`ecostat run`, `reload`, `init` and `home`: the commands that write the data home.

A run executes the Dagster job in this process, waiting first (visibly) for a run the
instance has in progress and for a warehouse another program holds, and prints the summary.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid

from pipelines.commands.common import AS_OF_HELP, Clock, Exit, fail, prepare
from warehouse.home import Home, file_states, home_path


def cmd_run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    out = sys.stdout
    since = datetime.now(UTC).replace(tzinfo=None)  # as audit.source_files.landed_at is kept
    home = prepare(out)
    from pipelines import last_run

    previous = last_run.read(home)
    # Taken before anything is read: a spec or overlay edited during the run is new next time.
    started = last_run.inputs(home)
    changes = (
        previous.changes(started, last_run.landing_sha256(home)) if previous is not None else []
    )
    if previous is not None and not changes and not args.force:
        return _nothing_new(home, previous, out)
    if changes:
        shown = ", ".join(changes[:3]) + (
            f" and {len(changes) - 3} more" if len(changes) > 3 else ""
        )
        print(f"Changed since the last good run {previous.run_id[:8]}: {shown}.", file=out)
    last_run.forget(home)
    _say_spec_problems(home, out)
    # Imported here so that `ecostat home` and `--help` stay instant.
    import dagster as dg
    import duckdb

    from assets.audit.assets import REPORT_KEY
    from pipelines import progress, queue
    from pipelines.definitions import definitions_for
    from pipelines.jobs import ALL_JOB
    from pipelines.summary import summary_lines
    from warehouse import run_query
    from warehouse.resources import Warehouse

    defs = definitions_for(home.root)
    job = defs.resolve_job_def(ALL_JOB)
    # When only some datasets' landing folders changed since the last good run, only those
    # are loaded, with what depends on them (marts, findings, report, dashboard, published
    # copy): the others' tables are as that run left them. Anything else changed: everything.
    only = last_run.changed_datasets(changes) if not args.force else None
    selection = None
    if only:
        selection = sorted(
            dg.AssetSelection.assets(*(dg.AssetKey(["raw", ds]) for ds in only))
            .downstream()
            .resolve(defs.resolve_asset_graph())
        )
        print(
            f"Only {', '.join(f'landing/{ds}/' for ds in only)} changed: this run loads "
            f"{'it' if len(only) == 1 else 'them'} and rebuilds what depends on "
            f"{'it' if len(only) == 1 else 'them'} ({len(selection)} of "
            f"{len(job.graph.nodes)} steps; `ecostat run --force` runs them all).",
            file=out,
        )
    instance = dg.DagsterInstance.get()
    if not _wait_for_runs(instance, "run", args.wait_for_runs, out):
        return Exit.NOT_DONE
    problem = _warehouse_problem(home, args.wait_for_runs, out)
    if problem:
        return fail("run", problem)
    level = "INFO" if args.verbose else "WARNING"
    loggers: dict = {"console": {"config": {"log_level": level}}}
    # -v prints Dagster's own log instead of the bar.
    steps = len(selection) if selection else len(job.graph.nodes)
    with progress.shown(steps, Clock.started, quiet=args.verbose) as bar:
        if bar:
            loggers[progress.LOGGER] = {}
            # The bar prints the steps' warnings and errors above itself (pipelines/progress.py).
            loggers["console"] = {"config": {"log_level": "CRITICAL"}}
        run_id = str(uuid.uuid4())
        if selection and previous is not None and home.warehouse.exists():
            # The checks of the tables this run leaves as they are stand for it too (with the
            # time they were checked): its report and traces show every table's checks.
            from warehouse.results import carry_results

            with Warehouse(database=str(home.warehouse)).get_connection() as con:
                carry_results(con, run_id, previous.run_id, [".".join(k.path) for k in selection])
        result = job.execute_in_process(
            instance=instance,
            run_id=run_id,
            asset_selection=selection,
            run_config={"loggers": loggers},
            raise_on_error=False,
            tags=queue.run_tags(),
        )
    report_written = REPORT_KEY in {e.asset_key for e in result.get_asset_materialization_events()}
    if not report_written and home.warehouse.exists():
        # A failed error check stops what depends on its table, the report included; the
        # report is most needed then, so it is written on its own, for the run that stopped.
        report_only = job.execute_in_process(
            instance=instance,
            asset_selection=[REPORT_KEY],
            run_config={"loggers": {"console": {"config": {"log_level": level}}}},
            raise_on_error=False,
            tags=queue.run_tags(),
        )
        report_written = report_only.success
    elapsed = time.perf_counter() - Clock.started  # the command's wall time, imports included
    print(
        f"\necostat run {result.run_id[:8]}: {'SUCCESS' if result.success else 'FAILURE'} in {elapsed:.1f} s",
        file=out,
    )
    failures = _step_failures(result)
    for step, message in failures:
        print(f"Step {step} failed: {message}", file=out)
    reads: dict[str, str] = {}
    file_errors: list[str] = []
    if home.warehouse.exists() and not any(_damaged(home, m) for _, m in failures):
        with Warehouse(database=str(home.warehouse)).read_connection() as con:
            try:
                for line in summary_lines(con, result.run_id):
                    print(line, file=out)
                for line in _done_elsewhere(con, instance, result.run_id, changes, since):
                    print(line, file=out)
                reads = dict(run_query(con, "run_file_reads", run_id=result.run_id).fetchall())
                errors = run_query(con, "run_file_errors", run_id=result.run_id).fetchall()
                file_errors = [e for (e,) in errors]
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
    _where_lines(home, report_written, out)
    if result.success and report_written and _published(home):
        last_run.record(home, result.run_id, started, reads, previous, only)
    full = disk_full_line(home, [m for _, m in failures] + file_errors)
    if full:
        return fail("", full, Exit.FOUND)
    damaged = next((m for _, m in failures if _damaged(home, m)), None)
    if damaged:
        from warehouse.resources import damaged_message

        return fail("run", damaged_message(str(home.warehouse), Exception(damaged)), Exit.FOUND)
    return Exit.OK if result.success else Exit.FOUND


def _published(home: Home) -> bool:
    """Whether the run's publication is there to record the run by (the lake exists)."""
    from warehouse import lake

    try:
        return lake.exists(lake.lake_of(home))
    except lake.LakeError:
        return False


# What DuckDB says of a warehouse file it cannot read (damage found during a run, not when the
# file was opened): the run's last line then says how to restore it.
_DAMAGED = ("Could not read enough bytes", "not a valid DuckDB database file")


def _damaged(home: Home, message: str) -> bool:
    """Whether a step failed because the warehouse file itself is damaged (not a snapshot)."""
    return str(home.warehouse) in message and any(d in message for d in _DAMAGED)


def _done_elsewhere(con, instance, run_id: str, changes: list[str], since) -> list[str]:
    """The files this run found new or changed when it started that another run (the sensor's,
    one from the UI) landed while it waited: what became of them, and which run it was."""
    from pipelines import queue
    from warehouse import run_query

    files = [
        c.removeprefix("landing/").rsplit(" (", 1)[0]
        for c in changes
        if c.startswith("landing/") and not c.endswith("(removed)")
    ]
    if not files:
        return []
    done = run_query(
        con, "run_files_done_elsewhere", files=files, run_id=run_id, since=since
    ).fetchall()
    lines = []
    for file, other, status, read, loaded, rejected, error in done:
        run = instance.get_run_by_id(other)
        who = f"run {other[:8]}" + (
            f" ({run.job_name}{queue.describe(run)})" if run is not None else ""
        )
        if status == "loaded":
            said = f"loaded {loaded:,} of {read:,} rows" + (
                f", {rejected:,} rejected" if rejected else ""
            )
        else:
            said = f"{status}: {error}"
        lines.append(f"{file}: {said}, by {who}, while this run waited")
    return lines


_NO_SPACE = ("No space left on device", "[Errno 28]", "ENOSPC", "database or disk is full")

_ALMOST_FULL_MB = 64


def disk_full_line(home: Home, messages: list[str]) -> str | None:
    """The last line of a run that failed for space: which disk, how much is free, what to do."""
    import shutil

    where = next(p for p in (home.root, *home.root.parents) if p.exists())
    free_mb = shutil.disk_usage(where).free / 2**20
    said = any(mark in m for m in messages for mark in _NO_SPACE)
    # SQLite (Dagster's run storage) says only "disk I/O error" when it cannot write its
    # journal: taken for a full disk when the disk is all but full, never otherwise.
    io_error = any("disk I/O error" in m for m in messages) and free_mb < _ALMOST_FULL_MB
    if not (said or io_error):
        return None
    return (
        f"the disk holding {home.root} is full ({free_mb:,.0f} MB free). Nothing "
        "that failed was published; free space there and run again"
    )


def _where_lines(home: Home, report_written: bool, out) -> None:
    print(f"Warehouse: {home.warehouse}", file=out)
    if report_written:
        print(f"Validation report: {home.reports / 'validation_report.html'}", file=out)
        print(f"  results as JSON: {home.reports / 'validation_results.json'}", file=out)
    else:
        print("No validation report: the run stopped before any check was recorded.", file=out)
    print(f"Dashboard: {home.reports / 'dashboard.html'}", file=out)
    print(
        "Rejected rows: .venv/bin/ecostat query "
        '"select path, row_number, column_name, rule, value, message from audit.current_rejections"',
        file=out,
    )


def _nothing_new(home: Home, previous, out) -> int:
    """A run with nothing to do: say so, and show the last publication's summary."""
    # Not warehouse.resources: it imports Dagster, seconds this path does not need.
    from pipelines.summary import summary_lines
    from warehouse.query import connect_lake

    files = len(file_states(home.landing))
    print(
        f"Nothing new since run {previous.run_id[:8]} (finished {previous.finished_at}): the "
        f"{files} files in landing/, the source specs, reference overlays and code are as they "
        "were then, and nothing has written the warehouse since. No run was started; the "
        "last publication is current (`ecostat run --force` runs anyway).",
        file=out,
    )
    con, _ = connect_lake(home)
    try:
        for line in summary_lines(con):
            print(line, file=out)
    finally:
        con.close()
    _where_lines(home, True, out)
    return Exit.OK


def cmd_reload(args: argparse.Namespace) -> int:
    """Mark loaded files to be staged again under today's rules, then run. A run does this by
    itself for files whose rules changed; reload is for when you want it regardless."""
    from contracts import datasets
    from warehouse import ensure_schemas
    from warehouse.resources import Warehouse

    if args.dataset and args.dataset not in datasets():
        return fail(
            "reload", f"no dataset {args.dataset!r}; the datasets are {', '.join(datasets())}"
        )
    out = sys.stdout
    home = prepare(out)
    if home.warehouse.exists():
        import dagster as dg

        from assets.staging.release import request_reload

        # The same waits as a run's, said as they happen: a run in progress, then the file.
        if not _wait_for_runs(dg.DagsterInstance.get(), "reload", args.wait_for_runs, out):
            return Exit.NOT_DONE
        problem = _warehouse_problem(home, args.wait_for_runs, out)
        if problem:
            return fail("reload", problem)
        with Warehouse(database=str(home.warehouse)).get_connection() as con:
            ensure_schemas(con)
            n = request_reload(con, args.dataset)
        print(
            f"{n} loaded files of {args.dataset or 'every dataset'} will be staged again from raw."
        )
    args.force = True
    return cmd_run(args)


def _say_spec_problems(home: Home, out) -> None:
    """Before a run: the source specs that cannot be used, one line each. The run holds back
    only the files each matches (failed, with the same message); everything else loads."""
    from contracts import SpecProblem, load_source_specs

    problems: list[SpecProblem] = []
    load_source_specs(home.sources, problems=problems)
    for p in problems:
        held = (
            f"files of landing/{p.dataset}/ matching {p.match!r} wait until it is fixed"
            if p.dataset
            else "no file is read with it"
        )
        print(f"{p.message} ({held}; the other files load)", file=out, flush=True)


def _wait_for_runs(instance, command: str, limit_s: float, out) -> bool:
    """Wait, visibly, for a run the Dagster instance has in progress (a UI run, the sensor's);
    False, said in one line, when it is still running after ``limit_s``."""
    from pipelines import queue

    if queue.wait_for_other_runs(
        instance, lambda line: print(line, file=out, flush=True), limit_s=limit_s
    ):
        return True
    fail(
        command,
        f"still waiting after {limit_s:g} s; nothing was run. Let that run finish, or cancel "
        "it in the Dagster UI (Runs), then run again.",
    )
    return False


def _warehouse_problem(home: Home, limit_s: float, out) -> str | None:
    """Why the warehouse cannot be written now, in one line, or None. Held by another process
    (a DuckDB shell, a notebook): said at once and waited for, up to ``limit_s``. Damaged (a
    copy cut short, a disk error): said at once, with how to restore it."""
    import re

    import duckdb

    from warehouse.engine import connect
    from warehouse.resources import (
        Warehouse,
        WarehouseBusy,
        WarehouseDamaged,
        damaged_message,
        is_lock_error,
    )

    if not home.warehouse.exists():
        return None
    try:
        con = connect(home.warehouse)
    except duckdb.IOException as e:
        if not is_lock_error(e):
            return damaged_message(str(home.warehouse), e)
        held = re.search(r"held in (.+?) \(PID (\d+)\)", str(e))
        holder = f"process {held[2]} ({held[1]})" if held else "another process"
        print(
            f"The warehouse is held by {holder}; waiting for it (up to {limit_s:g} s) ...",
            file=out,
            flush=True,
        )
        try:
            with Warehouse(database=str(home.warehouse), lock_timeout_s=limit_s).get_connection():
                return None
        except WarehouseBusy:
            return (
                f"the warehouse {home.warehouse} is still held by {holder} after {limit_s:g} s; "
                "nothing was run. Close that program (a DuckDB shell, a notebook), then run again"
            )
        except WarehouseDamaged as damaged:
            return str(damaged)
    try:
        con.execute("select count(*) from duckdb_tables()").fetchall()  # the catalog reads
        return None
    except duckdb.Error as e:
        return damaged_message(str(home.warehouse), e)
    finally:
        con.close()


def _step_failures(result) -> list[tuple[str, str]]:
    """(step, message) of every step that failed: what a data engineer must fix. A dg.Failure
    says it in its description; anything else in its error's first line."""
    out = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None and error.cause is not None and "Failure" not in error.cls_name:
            error = error.cause
        message = (error.message if error else "").strip()
        message = message.split(": ", 1)[1] if message.startswith("dagster.") else message
        out.append((event.step_key, message.splitlines()[0] if message else "see the log"))
    return out


def cmd_init(args: argparse.Namespace) -> int:
    home = prepare(sys.stdout)
    print(f"Data home ready: {home.root}")
    return Exit.OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Make the warehouse again from a publication of the lake: the last, or --as-of's."""
    import duckdb

    from pipelines import last_run
    from warehouse import lake
    from warehouse.engine import connect
    from warehouse.resources import is_lock_error

    home = prepare(sys.stdout)
    target = lake.lake_of(home)
    try:
        if not lake.exists(target):
            return fail(
                "restore",
                f"nothing has been published into {target} yet, so there is nothing to restore "
                f"from. Move {home.warehouse} aside and run `ecostat run`: it builds the "
                "warehouse again from the landing folder",
            )
    except lake.LakeError as e:
        return fail("restore", str(e))
    if home.warehouse.exists():
        try:
            connect(home.warehouse).close()
        except duckdb.Error as e:
            if is_lock_error(e):
                return fail(
                    "restore",
                    f"{home.warehouse} is held by another process (a run?); restore it when "
                    "that ends",
                )
            # Damaged: what restore is for.
    try:
        chosen, kept = lake.restore(target, home.warehouse, args.as_of)
    except lake.LakeError as e:
        return fail("restore", str(e))
    last_run.forget(home)  # the next run is a real one, whatever it finds
    print(
        f"Restored {home.warehouse} from the publication of run {chosen.run_id} (snapshot "
        f"{chosen.snapshot_id} of {target}, {chosen.published_at:%Y-%m-%d %H:%M %Z})."
    )
    if kept:
        print(f"The file it replaced is kept as {kept}; delete it when you no longer need it.")
    print("The next `ecostat run` loads what landed since that publication.")
    return Exit.OK


def cmd_home(args: argparse.Namespace) -> int:
    print(home_path())
    return Exit.OK


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """-v and --wait-for-runs: a run's, and reload's, which runs."""
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show Dagster's step log, and the trace of an unexpected error",
    )
    parser.add_argument(
        "--wait-for-runs",
        type=float,
        default=3600.0,
        metavar="S",
        help="how long to wait for a run in progress (from the Dagster UI, the sensor or the "
        "schedule), and then for a warehouse another program holds, before giving up (default "
        "3600 s); each wait is announced",
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add run, reload, init, home and restore to the `ecostat` parser."""
    run = sub.add_parser(
        "run",
        help="run the whole pipeline on the data home (ECOSTAT_HOME, default data/ of the "
        "repository)",
    )
    _add_run_options(run)
    run.add_argument(
        "--force",
        action="store_true",
        help="run even when nothing changed since the last good run (by default such a run "
        "says so and stops)",
    )
    run.set_defaults(func=cmd_run)
    reload = sub.add_parser(
        "reload",
        help="stage every loaded file again from raw under today's rules, then run",
        description="Rows rejected under earlier rules load when today's rules accept them, and "
        "the audit keeps what was released and why (audit.staging_passes, "
        "audit.rejection_history, audit.released_rows). A run does this by itself for files "
        "whose contract, gazetteer, overlays, units or source spec changed; reload forces it.",
    )
    reload.add_argument("--dataset", help="only this dataset's files")
    _add_run_options(reload)
    reload.set_defaults(func=cmd_reload)
    sub.add_parser("init", help="create the data home and its Dagster config").set_defaults(
        func=cmd_init
    )
    sub.add_parser("home", help="print the data home's path").set_defaults(func=cmd_home)
    restore = sub.add_parser(
        "restore",
        help="make the warehouse again from the last publication (a damaged warehouse)",
        description="Writes the warehouse anew from a publication of the lake: every table, "
        "view and macro as that run published them. A warehouse file already there (a damaged "
        "one) is kept beside it as warehouse.duckdb.damaged-<UTC time>. The next run loads "
        "what landed since.",
    )
    restore.add_argument("--as-of", metavar="RUN_OR_DATE", help=AS_OF_HELP)
    restore.set_defaults(func=cmd_restore)
