"""`ecostat query`, `export`, `trace` and `digest`: the commands that read the warehouse.

They read the last publication in the lake (a run never holds it), or the one --as-of names,
unless --live asks for the warehouse itself, and never write inside the data home except
under exports/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.commands.common import Exit, add_reader_options, fail, open_reader, reader
from warehouse.home import Home, home_path, refuse_output_inside


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
        return fail("query", refused, Exit.NOT_DONE)
    try:
        check_read_only(args.sql)  # before opening anything
        con, _ = reader(args)
    except (WriteRefused, WarehouseUnavailable) as e:
        return fail("query", str(e), Exit.NOT_DONE)
    try:
        frame = run_query(con, args.sql)
    except Exception as e:  # a SQL error: say it in one line, as DuckDB put it
        return fail("query", f"{type(e).__name__}: {e}", Exit.FOUND)
    finally:
        con.close()
    if args.out:
        try:
            out = write_frame(frame, Path(args.out))
        except ValueError as e:
            return fail("query", str(e), Exit.NOT_DONE)
        print(f"{frame.height} rows written to {out}")
    else:
        print(format_table(frame, max_rows=args.max_rows, wide=args.wide))
    return Exit.OK


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from warehouse.export import export_marts

    home = Home(home_path())
    out = (
        Path(args.out) if args.out else home.exports / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    )
    refused = refuse_output_inside(home, out)
    if refused:
        return fail("export", refused, Exit.NOT_DONE)
    opened = open_reader(args, "export")
    if opened is None:
        return Exit.NOT_DONE
    con, path = opened
    try:
        result = export_marts(con, out, path)
    finally:
        con.close()
    tables = result["tables"]
    print(f"Exported {len(tables)} marts ({sum(tables.values())} rows) from {path} to {out}:")
    print("  csv/, parquet/, marts.xlsx, codebook.csv, codebook.md, README.md")
    return Exit.OK


def cmd_trace(args: argparse.Namespace) -> int:
    import json

    from assets.extract.documents import quotes_from
    from warehouse.trace import TraceError, find_rows, format_trace, trace_rows

    where = {}
    for item in args.where:
        column, sep, value = item.partition("=")
        if not sep:
            return fail("trace", f"expected column=value, got {item!r}", Exit.NOT_DONE)
        where[column] = value
    opened = open_reader(args, "trace")
    if opened is None:
        return Exit.NOT_DONE
    con, _ = opened
    try:
        rows = find_rows(con, args.table, where, limit=args.limit + 1)
        if not rows:
            return fail("trace", f"no row of {args.table} where {where}", Exit.FOUND)
        traces = trace_rows(
            con,
            args.table,
            rows[: args.limit],
            args.rows,
            quote=quotes_from(Home(home_path()).documents),
        )
    except TraceError as e:
        return fail("trace", str(e), Exit.NOT_DONE)
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
    return Exit.OK


def cmd_digest(args: argparse.Namespace) -> int:
    import json

    from warehouse.digest import compare, table_digests

    opened = open_reader(args, "digest")
    if opened is None:
        return Exit.NOT_DONE
    con, path = opened
    try:
        digests = table_digests(con)
    finally:
        con.close()
    if not args.against:
        print(json.dumps(digests, indent=1))
        return Exit.OK
    before = json.loads(Path(args.against).read_text(encoding="utf-8"))
    differences = compare(before, digests)
    for line in differences:
        print(line)
    print(
        f"{len(digests)} tables of {path}: "
        + (f"{len(differences)} differ from {args.against}" if differences else "all unchanged")
    )
    return Exit.FOUND if differences else Exit.OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add trace, query, export and digest to the `ecostat` parser."""
    trace = sub.add_parser(
        "trace",
        help="where a mart row came from",
        description="Show, for rows of a table that keeps source row ids (every mart, core, "
        "audit.findings), the source files and rows, how each cell was read, the reference "
        "figures used, which source was kept when sources disagree and by which rule, and the "
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
        description="Runs one SELECT (or DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) on the last "
        "publication of the warehouse (the lake), which a pipeline run never locks. Statements "
        "that would write "
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
    query.set_defaults(func=cmd_query)
    export = sub.add_parser(
        "export",
        help="write every mart as CSV, Parquet and Excel with a codebook",
        description="Writes csv/, parquet/, marts.xlsx, codebook.csv, codebook.md and README.md "
        "into one folder (default <home>/exports/<UTC time>).",
    )
    export.add_argument("--out", help="folder to write (created if missing)")
    export.set_defaults(func=cmd_export)
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
        add_reader_options(p)
