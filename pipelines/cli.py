"""The `ecostat` command: the parser, and what every command shares at its ends.

ecostat run        run the whole pipeline (seeding an empty data home first) and summarise;
                   when nothing changed since the last good run, say so and stop (--force)
ecostat reload     stage every loaded file (of one dataset) again from raw, then run
ecostat init       create the data home and its Dagster config without running anything
ecostat home       print the data home's path
ecostat restore    make a damaged warehouse again from the last publication of the lake
ecostat trace      show where one row of a mart came from: source files and rows, readings,
                   reference figures, the rule that kept a figure, checks
ecostat query      run one read-only SQL statement on the published warehouse; print or save it
ecostat export     write every mart as CSV, Parquet and Excel with a codebook, in one folder
ecostat check      read and validate one file as a run would, write nothing, and say what
                   would load and what would be rejected, and why
ecostat extract    find candidate figures in narrative reports (.txt, .md, .html, .docx, .pdf)
                   and write a review workbook; --accept REVIEW lands the accepted ones
ecostat docs       regenerate docs/data_dictionary.md from the declarations
ecostat digest     a digest of every table's content (JSON); --against FILE names the tables
                   whose content differs from a digest written before
ecostat servers    start or stop PostgreSQL and Redis for the data home on this machine, which
                   puts it in the cluster profile (docs/cluster.md)
ecostat worker     a Celery worker that runs the data home's queued runs (cluster profile)
ecostat reference build
                   rebuild the generated reference tables (gazetteer, population, exchange
                   rates) in seeds/reference/ from their sources; --check only compares

The commands live in pipelines/commands/, one module per group; their exit codes are one table
(pipelines/commands/common.py, docs/commands.md).
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import time
from collections.abc import Sequence

from pipelines.commands import cluster, declarations, files, read, run
from pipelines.commands.common import EXIT_CODES, Clock, Exit, fail
from warehouse.cluster import SettingsError
from warehouse.home import Home, home_path


def parser() -> argparse.ArgumentParser:
    """The `ecostat` parser, every command's options included."""
    main_parser = argparse.ArgumentParser(
        prog="ecostat",
        description="ecostat: waste and emissions statistics warehouse",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = main_parser.add_subparsers(dest="command", required=True)
    for group in (run, read, files, declarations, cluster):
        group.register(sub)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    Clock.started = time.perf_counter()
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as e:  # the home's cluster.yaml, read by every command
        return fail(args.command, str(e))
    except Exception as e:
        # A full disk can strike anywhere (the Dagster instance's log, DuckDB's write-ahead
        # log, a copy): said in one last line, whichever library raised it.
        home = Home(home_path())
        full = run.disk_full_line(home, [f"{type(e).__name__}: {e}"])
        if getattr(args, "verbose", False) or os.environ.get("ECOSTAT_TRACEBACK"):
            raise
        if full is not None:
            return fail("", full, Exit.FOUND)
        return fail(args.command, _unexpected(home, e))


def _unexpected(home: Home, error: Exception) -> str:
    """An error no message was written for, in one line; its trace is kept in a log file."""
    import traceback
    from datetime import UTC, datetime

    first = (str(error).strip().splitlines() or [""])[0][:300]
    said = f"unexpected error: {type(error).__name__}: {first}"
    try:
        home.logs.mkdir(parents=True, exist_ok=True)
        log = home.logs / f"error-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}.log"
        log.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return f"{said} (run again with ECOSTAT_TRACEBACK=1 to see where)"
    return f"{said}. Its trace is in {log}; please report it with that file"


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
