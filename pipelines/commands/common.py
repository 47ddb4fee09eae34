"""What every `ecostat` command shares: its exit codes, one way of saying an error, the data
home it works on and the read-only connection the readers open.

Exit codes (one table for every command; docs/commands.md prints it):

    0  done
    1  done, and something needs a look: the run failed (a step or an error check), rows
       would be rejected (check), tables differ (digest), no row matches (trace), the SQL
       failed (query), a document could not be read (extract), the committed reference
       tables are out of date (reference build --check)
    2  not done: a wrong argument, no such file, dataset or spec, an output inside the data
       home, a statement that would write, the warehouse unreadable, held or waited for too
       long
    3  check: the file cannot be read as a table
    4  check: a source spec that matches the file, or a reference overlay, cannot be used

Errors go to stderr, one line, "ecostat <command>: what happened; what to do". Results and a
run's summary go to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from enum import IntEnum

from warehouse.home import Home, ensure_home, home_path


class Exit(IntEnum):
    """An `ecostat` command's exit code: the table in the module's docstring."""

    OK = 0
    FOUND = 1
    NOT_DONE = 2
    UNREADABLE = 3
    DECLARATION = 4


EXIT_CODES = """\
exit codes: 0 done; 1 done, and something needs a look (the run failed, rows would be
rejected, tables differ, no row matches, the SQL failed, a document was unreadable); 2 not
done (a wrong argument, no such file or dataset, the warehouse held or unreadable); check
only: 3 the file is not a table, 4 a source spec or overlay that applies cannot be used"""


def fail(command: str, message: str, code: Exit = Exit.NOT_DONE) -> Exit:
    """Say why ``ecostat <command>`` stops, on stderr in one line, and give its exit code."""
    prefix = f"ecostat {command}: " if command else "ecostat: "
    print(prefix + message, file=sys.stderr, flush=True)
    return code


class Clock:
    """When the command started (main sets it): a run's time is the command's wall time."""

    started = time.perf_counter()


def prepare(out) -> Home:
    """The data home, created (and seeded when empty) with Dagster pointed at it."""
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


# What --as-of takes, for every command that reads a publication (the readers, restore).
AS_OF_HELP = (
    "an earlier publication: a run id (or its first 8 characters; see audit.publications), a "
    "date (the last publication of that day) or a date and time, in UTC"
)


def add_reader_options(parser: argparse.ArgumentParser) -> None:
    """--as-of, --live and --wait: the readers read the last publication unless told
    otherwise."""
    parser.add_argument("--as-of", metavar="RUN_OR_DATE", help=f"read {AS_OF_HELP}")
    parser.add_argument(
        "--live",
        action="store_true",
        help="read the warehouse itself rather than its last publication (waits while a run "
        "writes; see --wait)",
    )
    parser.add_argument(
        "--wait", type=float, default=10.0, help="seconds to wait for a lock with --live"
    )


def reader(args: argparse.Namespace):
    """A read-only connection and a line naming what it reads: the lake at its last
    publication (or the one --as-of names); the live warehouse with --live; in a home published
    to before the lake existed, its published copy; the live warehouse when nothing has been
    published yet, said on stderr."""
    from warehouse import lake
    from warehouse.query import WarehouseUnavailable, connect_lake, connect_read_only

    home = Home(home_path())
    as_of = getattr(args, "as_of", None)
    if as_of and args.live:
        raise WarehouseUnavailable(
            "--as-of reads an earlier publication and --live the warehouse as a run left it "
            "now: give one of them"
        )
    try:
        published = not args.live and lake.exists(lake.lake_of(home))
    except lake.LakeError as e:
        raise WarehouseUnavailable(str(e)) from e
    if published:
        con, label = connect_lake(home, as_of)
        if as_of:
            print(f"(reading {label})", file=sys.stderr)
        return con, label
    if as_of:
        raise WarehouseUnavailable(
            f"nothing has been published into {lake.lake_of(home)} yet, so there is no earlier "
            "publication to read: run `ecostat run`, then --as-of names one of its runs"
        )
    live = args.live or not home.published.exists()
    path = home.warehouse if live else home.published
    if not args.live and live:
        print(f"(nothing published yet: reading {path} directly)", file=sys.stderr)
    return connect_read_only(path, wait_s=args.wait if live else 10.0), str(path)


def open_reader(args: argparse.Namespace, command: str):
    """``reader``, or None after saying on stderr why the warehouse cannot be read."""
    from warehouse.query import WarehouseUnavailable

    try:
        return reader(args)
    except WarehouseUnavailable as e:
        fail(command, str(e))
        return None
