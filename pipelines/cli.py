"""The `ecostat` command.

ecostat run        run the whole pipeline (seeding an empty data home first) and summarise;
                   when nothing changed since the last good run, say so and stop (--force)
ecostat reload     stage every loaded file (of one dataset) again from raw, then run
ecostat init       create the data home and its Dagster config without running anything
ecostat home       print the data home's path
ecostat trace      show where one row of a mart came from: source files and rows, readings,
                   reference figures, checks
ecostat query      run one read-only SQL statement on the published warehouse; print or save it
ecostat export     write every mart as CSV, Parquet and Excel with a codebook, in one folder
ecostat check      read and validate one file as a run would, write nothing, and say what
                   would load and what would be rejected, and why
ecostat extract    find candidate figures in narrative reports (.txt, .md, .html, .docx, .pdf)
                   and write a review workbook; --accept REVIEW lands the accepted ones
ecostat docs       regenerate docs/data_dictionary.md from the declarations
ecostat digest     a digest of every table's content (JSON); --against FILE names the tables
                   whose content differs from a digest written before
ecostat reference build
                   rebuild the generated reference tables (gazetteer, population, exchange
                   rates) in seeds/reference/ from their sources; --check only compares
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from warehouse.home import Home, ensure_home, file_states, home_path, refuse_output_inside

_started = time.perf_counter()  # when the command started (main sets it): a run's time is wall time


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
    from datetime import UTC, datetime

    out = sys.stdout
    since = datetime.now(UTC).replace(tzinfo=None)  # as audit.source_files.landed_at is kept
    home = _prepare(out)
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
        return 2
    problem = _warehouse_problem(home, args.wait_for_runs, out)
    if problem:
        print(f"ecostat run: {problem}", file=out)
        return 2
    level = "INFO" if args.verbose else "WARNING"
    loggers: dict = {"console": {"config": {"log_level": level}}}
    # -v prints Dagster's own log instead of the bar.
    steps = len(selection) if selection else len(job.graph.nodes)
    with progress.shown(steps, _started, quiet=args.verbose) as bar:
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
    elapsed = time.perf_counter() - _started  # the command's wall time, imports included
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
    if result.success and report_written and home.published.exists():
        last_run.record(home, result.run_id, started, reads, previous, only)
    full = _disk_full_line(home, [m for _, m in failures] + file_errors)
    if full:
        print(full, file=out)
        return 1
    damaged = next((m for _, m in failures if _damaged(home, m)), None)
    if damaged:
        from warehouse.resources import damaged_message

        print(f"ecostat run: {damaged_message(str(home.warehouse), Exception(damaged))}", file=out)
    return 0 if result.success else 1


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


def _disk_full_line(home: Home, messages: list[str]) -> str | None:
    """The last line of a run that failed for space: which disk, how much is free, what to do."""
    import shutil

    free_mb = shutil.disk_usage(home.root).free / 2**20
    said = any(mark in m for m in messages for mark in _NO_SPACE)
    # SQLite (Dagster's run storage) says only "disk I/O error" when it cannot write its
    # journal: taken for a full disk when the disk is all but full, never otherwise.
    io_error = any("disk I/O error" in m for m in messages) and free_mb < _ALMOST_FULL_MB
    if not (said or io_error):
        return None
    return (
        f"ecostat: the disk holding {home.root} is full ({free_mb:,.0f} MB free). Nothing "
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
    """A run with nothing to do: say so, and show the published copy's summary."""
    import duckdb  # not warehouse.resources: it imports Dagster, seconds this path does not need

    from pipelines.summary import summary_lines

    files = len(file_states(home.landing))
    print(
        f"Nothing new since run {previous.run_id[:8]} (finished {previous.finished_at}): the "
        f"{files} files in landing/, the source specs, reference overlays and code are as they "
        "were then, and nothing has written the warehouse since. No run was started; the "
        "published copy is current (`ecostat run --force` runs anyway).",
        file=out,
    )
    con = duckdb.connect(str(home.published), read_only=True)
    try:
        for line in summary_lines(con):
            print(line, file=out)
    finally:
        con.close()
    _where_lines(home, True, out)
    return 0


def cmd_reload(args: argparse.Namespace) -> int:
    """Mark loaded files to be staged again under today's rules, then run. A run does this by
    itself for files whose rules changed; reload is for when you want it regardless."""
    from contracts import datasets
    from warehouse import ensure_schemas
    from warehouse.resources import Warehouse

    if args.dataset and args.dataset not in datasets():
        print(
            f"ecostat reload: no dataset {args.dataset!r}; the datasets are {', '.join(datasets())}",
            file=sys.stderr,
        )
        return 2
    out = sys.stdout
    home = _prepare(out)
    if home.warehouse.exists():
        import dagster as dg

        from assets.staging.release import request_reload

        # The same waits as a run's, said as they happen: a run in progress, then the file.
        if not _wait_for_runs(dg.DagsterInstance.get(), "reload", args.wait_for_runs, out):
            return 2
        problem = _warehouse_problem(home, args.wait_for_runs, out)
        if problem:
            print(f"ecostat reload: {problem}", file=out)
            return 2
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
    print(
        f"ecostat {command}: still waiting after {limit_s:g} s; nothing was run. Let that run "
        "finish, or cancel it in the Dagster UI (Runs), then run again.",
        file=out,
    )
    return False


def _warehouse_problem(home: Home, limit_s: float, out) -> str | None:
    """Why the warehouse cannot be written now, in one line, or None. Held by another process
    (a DuckDB shell, a notebook): said at once and waited for, up to ``limit_s``. Damaged (a
    copy cut short, a disk error): said at once, with how to restore it."""
    import re

    import duckdb

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
        con = duckdb.connect(str(home.warehouse))
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
    home = _prepare(sys.stdout)
    print(f"Data home ready: {home.root}")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    import json

    from assets.extract.documents import quotes_from
    from warehouse.trace import TraceError, find_rows, format_trace, trace_rows

    where = {}
    for item in args.where:
        column, sep, value = item.partition("=")
        if not sep:
            print(f"ecostat trace: expected column=value, got {item!r}", file=sys.stderr)
            return 2
        where[column] = value
    opened = _open_reader(args, "trace")
    if opened is None:
        return 2
    con, _ = opened
    try:
        rows = find_rows(con, args.table, where, limit=args.limit + 1)
        if not rows:
            print(f"ecostat trace: no row of {args.table} where {where}", file=sys.stderr)
            return 1
        traces = trace_rows(
            con,
            args.table,
            rows[: args.limit],
            args.rows,
            quote=quotes_from(Home(home_path()).documents),
        )
    except TraceError as e:
        print(f"ecostat trace: {e}", file=sys.stderr)
        return 2
    finally:
        con.close()
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


def _reader(args: argparse.Namespace):
    """A read-only connection: the published copy, or the live warehouse with --live (or when
    nothing has been published yet). Says on stderr which one it reads."""
    from warehouse.query import connect_read_only

    home = Home(home_path())
    live = args.live or not home.published.exists()
    path = home.warehouse if live else home.published
    if not args.live and live:
        print(f"(no published copy yet: reading {path} directly)", file=sys.stderr)
    return connect_read_only(path, wait_s=args.wait if live else 10.0), path


def _open_reader(args: argparse.Namespace, command: str):
    """``_reader``, or None after saying on stderr why the warehouse cannot be read."""
    from warehouse.query import WarehouseUnavailable

    try:
        return _reader(args)
    except WarehouseUnavailable as e:
        print(f"ecostat {command}: {e}", file=sys.stderr)
        return None


def cmd_query(args: argparse.Namespace) -> int:
    from warehouse.query import (
        WarehouseUnavailable,
        WriteRefused,
        check_read_only,
        format_table,
        run_query,
        write_frame,
    )

    refused = refuse_output_inside(Home(home_path()), Path(args.out)) if args.out else None
    if refused:
        print(f"ecostat query: {refused}", file=sys.stderr)
        return 2
    try:
        check_read_only(args.sql)  # before opening anything
        con, _ = _reader(args)
    except (WriteRefused, WarehouseUnavailable) as e:
        print(f"ecostat query: {e}", file=sys.stderr)
        return 2
    try:
        frame = run_query(con, args.sql)
    except Exception as e:  # a SQL error: say it in one line, as DuckDB put it
        print(f"ecostat query: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        con.close()
    if args.out:
        try:
            out = write_frame(frame, Path(args.out))
        except ValueError as e:
            print(f"ecostat query: {e}", file=sys.stderr)
            return 2
        print(f"{frame.height} rows written to {out}")
    else:
        print(format_table(frame, max_rows=args.max_rows, wide=args.wide))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from warehouse.export import export_marts

    home = Home(home_path())
    out = (
        Path(args.out) if args.out else home.exports / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    )
    refused = refuse_output_inside(home, out)
    if refused:
        print(f"ecostat export: {refused}", file=sys.stderr)
        return 2
    opened = _open_reader(args, "export")
    if opened is None:
        return 2
    con, path = opened
    try:
        result = export_marts(con, out, path)
    finally:
        con.close()
    tables = result["tables"]
    print(f"Exported {len(tables)} marts ({sum(tables.values())} rows) from {path} to {out}:")
    print("  csv/, parquet/, marts.xlsx, codebook.csv, codebook.md, README.md")
    return 0


# `ecostat check`'s exit codes, one meaning each (README, `ecostat check --help`).
CHECK_LOADS, CHECK_REJECTS, CHECK_USAGE, CHECK_UNREADABLE, CHECK_DECLARATION = 0, 1, 2, 3, 4


def cmd_check(args: argparse.Namespace) -> int:
    import fnmatch

    from assets.ingest.decode import SubmissionError
    from assets.reference.load import OverlayError
    from assets.staging.check import check_file, format_check
    from contracts import (
        ANY_DATASET,
        SpecProblem,
        datasets,
        load_contract,
        load_source_specs,
        spec_for,
    )

    path = Path(args.file)
    if not path.is_file():
        print(f"ecostat check: no file {path}", file=sys.stderr)
        return CHECK_USAGE
    home = Home(home_path())  # read, never created: check writes nothing
    problems: list[SpecProblem] = []
    specs = load_source_specs(home.sources, problems=problems)
    # The dataset: given, else the landing/<dataset>/ folder the file is in, else the one
    # dataset whose own source specs (not the catch-all "*") match its name.
    by_match = sorted(
        {
            s.dataset
            for s in specs
            if s.dataset != ANY_DATASET
            and s.match != "*"
            and fnmatch.fnmatch(path.name.lower(), s.match.lower())
        }
    )
    dataset = (
        args.dataset
        or next((p.name for p in path.resolve().parents if p.name in datasets()), None)
        or (by_match[0] if len(by_match) == 1 else None)
    )
    if dataset not in datasets():
        print(
            f"ecostat check: which dataset is {path.name}? Give --dataset "
            f"({', '.join(datasets())}), or check it inside landing/<dataset>/",
            file=sys.stderr,
        )
        return CHECK_USAGE
    held = next((p for p in problems if p.matches(dataset, path.name)), None)
    if held is not None:  # a run would hold this file back too
        print(f"ecostat check: {held.message}", file=sys.stderr)
        return CHECK_DECLARATION
    for problem in problems:
        print(f"ecostat check: (another spec) {problem.message}", file=sys.stderr)
    if args.spec:
        spec = next((s for s in specs if s.name == args.spec), None)
        if spec is None or spec.dataset not in (dataset, ANY_DATASET):
            names = (
                ", ".join(s.name for s in specs if s.dataset in (dataset, ANY_DATASET)) or "none"
            )
            print(
                f"ecostat check: no source spec {args.spec!r} for {dataset} (there are: {names})",
                file=sys.stderr,
            )
            return CHECK_USAGE
    else:
        spec = spec_for(dataset, path.name, specs)
    overlays = home.reference if home.reference.is_dir() else None
    try:
        result = check_file(path, load_contract(dataset), spec, overlays)
    except SubmissionError as e:
        print(f"{path} ({dataset}, source spec {spec.name}): cannot be read: {e}")
        return CHECK_UNREADABLE
    except OverlayError as e:  # a run would stop on it too
        print(f"ecostat check: {e}", file=sys.stderr)
        return CHECK_DECLARATION
    print(format_check(result))
    return CHECK_REJECTS if result.rows_rejected else CHECK_LOADS


def cmd_extract(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from assets.extract.review import ReviewError, accept
    from contracts import datasets

    home = Home(home_path())
    if args.accept:
        try:
            done = accept(Path(args.accept), home.extractions, home.landing)
        except ReviewError as e:
            print(f"ecostat extract: {e}", file=sys.stderr)
            return 2
        print(
            f"Accepted {done.accepted + done.edited} figure(s) ({done.edited} edited), "
            f"rejected {done.rejected}; {done.not_reviewed} not reviewed (not loaded)."
        )
        for line in done.edits:
            print(f"  edited: {line}")
        for path in done.files:
            print(f"  wrote {path}")
        for line in done.warnings:
            print(f"  warning: {line}")
        if done.files:
            print("Next: `ecostat run` validates and loads them like any submission.")
        else:
            print("Nothing to load: no row is marked accept or edit.")
        return 0
    if not args.documents:
        print(
            "ecostat extract: name one or more documents, or --accept REVIEW.xlsx", file=sys.stderr
        )
        return 2
    unknown = sorted(set(args.dataset or []) - set(datasets()))
    if unknown:
        print(
            f"ecostat extract: no dataset {', '.join(unknown)} (there are: {', '.join(datasets())})",
            file=sys.stderr,
        )
        return 2
    from assets.extract.candidates import find_candidates
    from assets.extract.documents import DocumentError, read_document, store_document
    from assets.extract.review import save_candidates, write_review
    from assets.reference.load import OverlayError, reference_in_memory

    try:
        units, territories = reference_in_memory(
            home.reference if home.reference.is_dir() else None
        )
    except OverlayError as e:
        print(f"ecostat extract: {e}", file=sys.stderr)
        return 2
    found, failed = [], 0
    for name in args.documents:
        path = Path(name)
        if not path.is_file():
            print(f"{name}: no such file", file=sys.stderr)
            failed += 1
            continue
        try:
            document = read_document(path)
        except DocumentError as e:
            print(f"{e}", file=sys.stderr)
            failed += 1
            continue
        kept = store_document(home.documents, path, document.sha256)
        candidates = find_candidates(document, territories, units, args.dataset or None)
        save_candidates(home.extractions, document.sha256, candidates)
        found += candidates
        if candidates:
            by_dataset: dict[str, int] = {}
            for c in candidates:
                by_dataset[c.dataset] = by_dataset.get(c.dataset, 0) + 1
            counts = ", ".join(f"{d} {n}" for d, n in sorted(by_dataset.items()))
            print(f"{path.name}: {len(candidates)} candidate figure(s) ({counts}); kept as {kept}")
        else:
            print(
                f"{path.name}: no figure any dataset's rules recognise "
                f"({len(document.paragraphs)} paragraphs read); nothing to review. Kept as {kept}"
            )
    if found:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = Path(args.out) if args.out else home.extractions / f"review-{stamp}.xlsx"
        xlsx, csv_path = write_review(found, out)
        print(f"Review workbook: {xlsx} (and {csv_path.name})")
        print(
            "Mark each row accept, edit or reject in its 'decision' column (blank rows are not "
            f"loaded), then: ecostat extract --accept {xlsx}"
        )
    return 1 if failed else 0


def cmd_digest(args: argparse.Namespace) -> int:
    import json

    from warehouse.digest import compare, table_digests

    opened = _open_reader(args, "digest")
    if opened is None:
        return 2
    con, path = opened
    try:
        digests = table_digests(con)
    finally:
        con.close()
    if not args.against:
        print(json.dumps(digests, indent=1))
        return 0
    before = json.loads(Path(args.against).read_text(encoding="utf-8"))
    differences = compare(before, digests)
    for line in differences:
        print(line)
    print(
        f"{len(digests)} tables of {path}: "
        + (f"{len(differences)} differ from {args.against}" if differences else "all unchanged")
    )
    return 1 if differences else 0


def cmd_docs(args: argparse.Namespace) -> int:
    from warehouse.dictionary import write_dictionary

    print(f"Wrote {write_dictionary()}")
    return 0


def cmd_reference(args: argparse.Namespace) -> int:
    from assets.reference.build import build, stale, write
    from warehouse.home import SEEDS_DIR

    shared = Path(args.shared)
    if not shared.is_dir():
        print(
            f"ecostat reference build: the source files are read from {shared}, which is not a "
            "folder; give it with --shared",
            file=sys.stderr,
        )
        return 2
    reference = SEEDS_DIR / "reference"
    tables = build(shared, SEEDS_DIR / "curated", reference)
    if args.check:
        out_of_date = stale(tables, reference)
        if out_of_date:
            print(
                "Out of date in seeds/reference/: "
                + ", ".join(f"{name}.csv" for name in out_of_date)
                + " (run `ecostat reference build`)"
            )
            return 1
        print("seeds/reference/ is what its sources give.")
        return 0
    for path in write(tables, reference):
        print(f"Wrote {path.relative_to(SEEDS_DIR.parent)} ({tables[path.stem].height} rows)")
    return 0


def cmd_home(args: argparse.Namespace) -> int:
    print(home_path())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    global _started
    _started = time.perf_counter()
    parser = argparse.ArgumentParser(
        prog="ecostat", description="ecostat: waste and emissions statistics warehouse"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="run the whole pipeline on the data home (ECOSTAT_HOME, default data/ of the "
        "repository)",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="show Dagster's step log")
    run.add_argument(
        "--force",
        action="store_true",
        help="run even when nothing changed since the last good run (by default such a run "
        "says so and stops)",
    )
    wait_help = (
        "how long to wait for a run in progress (from the Dagster UI, the sensor or the "
        "schedule), and then for a warehouse another program holds, before giving up (default "
        "3600 s); each wait is announced"
    )
    run.add_argument("--wait-for-runs", type=float, default=3600.0, metavar="S", help=wait_help)
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
    reload.add_argument("-v", "--verbose", action="store_true", help="show Dagster's step log")
    reload.add_argument("--wait-for-runs", type=float, default=3600.0, metavar="S", help=wait_help)
    reload.set_defaults(func=cmd_reload)
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
    trace.add_argument(
        "--rows",
        type=int,
        default=20,
        help="source rows to show cell by cell per traced row (the others are counted by file)",
    )
    trace.set_defaults(func=cmd_trace)
    query = sub.add_parser(
        "query",
        help="run one read-only SQL statement and print the result (or --out a file)",
        description="Runs one SELECT (or DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) on the published "
        "copy of the warehouse, which a pipeline run never locks. Statements that would write "
        'are refused. Example: ecostat query "from marts.cleanup_comparison where year = 2023"',
    )
    query.add_argument("sql", help="one SQL statement that reads")
    query.add_argument("--out", help="write the result to a .csv, .parquet or .xlsx file")
    query.add_argument("--max-rows", type=int, default=50, help="rows to print (default 50)")
    query.add_argument(
        "--wide",
        action="store_true",
        help="never wrap long text: one line per row, however wide (for a pager: | less -S)",
    )
    export = sub.add_parser(
        "export",
        help="write every mart as CSV, Parquet and Excel with a codebook",
        description="Writes csv/, parquet/, marts.xlsx, codebook.csv, codebook.md and README.md "
        "into one folder (default <home>/exports/<UTC time>).",
    )
    export.add_argument("--out", help="folder to write (created if missing)")
    check = sub.add_parser(
        "check",
        help="read and validate one file as a run would; write nothing",
        description="Reads FILE with its source spec (the one that matches its name, or --spec) "
        "and validates it against its dataset's contract and the reference data with this data "
        "home's overlays, exactly as a run would, and writes nothing. Prints the header "
        "mapping, the units read, the rows that would load and those that would be rejected, "
        "grouped by rule with examples. Exit 0: every row would load; 1: some would be "
        "rejected; 2: no such file, or its dataset or --spec is unknown; 3: the file cannot "
        "be read as a table; 4: a source spec that matches it, or a reference overlay, cannot "
        "be used.",
    )
    check.add_argument("file", help="a CSV, TXT, TSV or Excel file")
    check.add_argument(
        "--dataset",
        help="its dataset (default: the landing/<dataset>/ folder it is in, else the dataset "
        "whose source spec matches its name)",
    )
    check.add_argument("--spec", help="the source spec to read it with (default: as a run picks)")
    check.set_defaults(func=cmd_check)
    digest = sub.add_parser(
        "digest",
        help="print a digest of every table's content, or compare it with one written before",
        description="One MD5 per table over its rows (timestamps, run ids and rule fingerprints "
        "left out), to prove that a change of the code changed no figure. `make digest` writes "
        "the embedded default's to tests/digests/embedded_default.json, which a test compares.",
    )
    digest.add_argument("--against", help="a digest JSON written before; exit 1 if any differs")
    digest.set_defaults(func=cmd_digest)
    for p in (query, export, trace, digest):
        p.add_argument(
            "--live",
            action="store_true",
            help="read the warehouse itself rather than its published copy (waits while a run "
            "writes; see --wait)",
        )
        p.add_argument(
            "--wait", type=float, default=10.0, help="seconds to wait for a lock with --live"
        )
    query.set_defaults(func=cmd_query)
    export.set_defaults(func=cmd_export)
    extract = sub.add_parser(
        "extract",
        help="find candidate figures in narrative reports and write a review workbook",
        description="Reads each DOC (.txt, .md, .html, .docx, or a .pdf with a text layer), "
        "keeps it in <home>/documents/ by its SHA-256, and finds the figures each dataset's "
        "rules recognise (contracts/<dataset>/extract.yaml): value as written and as read, "
        "unit, territory, period and the sentence it stands in. Writes a review workbook "
        "(.xlsx and .csv) with one row per candidate. Nothing is loaded until a person marks "
        "rows accept or edit and runs `ecostat extract --accept REVIEW`, which writes "
        "landing/<dataset>/extracted_<sha256>.csv for the next run. Exit 1 when a document "
        "could not be read (the others are still read).",
    )
    extract.add_argument("documents", nargs="*", metavar="DOC", help="documents to read")
    extract.add_argument("--out", help="the review workbook to write (default <home>/extractions/)")
    extract.add_argument(
        "--dataset", action="append", help="only this dataset's figures (repeatable)"
    )
    extract.add_argument(
        "--accept", metavar="REVIEW", help="land the accepted and edited rows of a review"
    )
    extract.set_defaults(func=cmd_extract)
    sub.add_parser("docs", help="regenerate docs/data_dictionary.md").set_defaults(func=cmd_docs)
    reference = sub.add_parser(
        "reference",
        help="rebuild the generated reference tables from their sources",
        description="Rebuilds seeds/reference/{regions, territory_names, territory_codes, "
        "population, fx_rates}.csv from pycountry, the public files in ../shared/data and our "
        "own seeds/curated/ (see assets/reference/build.py).",
    )
    reference.add_argument("action", choices=["build"])
    reference.add_argument(
        "--shared",
        default=str(Path(__file__).resolve().parents[2] / "shared" / "data"),
        help="folder of the public source files (default: ../shared/data beside the repository)",
    )
    reference.add_argument(
        "--check", action="store_true", help="only say whether the committed files are current"
    )
    reference.set_defaults(func=cmd_reference)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as e:
        # A full disk can strike anywhere (the Dagster instance's log, DuckDB's write-ahead
        # log, a copy): said in one last line, whichever library raised it.
        full = _disk_full_line(Home(home_path()), [f"{type(e).__name__}: {e}"])
        if full is None or getattr(args, "verbose", False):
            raise
        print(full, file=sys.stdout)
        return 1


def quiet_exit() -> None:
    """Send what the interpreter writes while it shuts down to /dev/null.

    With Great Expectations and the DuckDB SQLAlchemy dialect both imported, DuckDB's bindings
    report their module constants as "leaked" when the interpreter frees them at exit: a page
    of noise after a run that went well, about memory the process is giving back anyway. Every
    line ecostat prints comes before this (atexit runs before modules are freed)."""
    sys.stdout.flush()
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)


def entry() -> None:
    """The ``ecostat`` command (pyproject.toml [project.scripts])."""
    code = main()
    atexit.register(quiet_exit)
    sys.exit(code)


if __name__ == "__main__":
    entry()
