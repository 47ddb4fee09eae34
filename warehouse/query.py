"""Read-only access for analysts: the published warehouse, statements that only read,
readable tables in a terminal, and results written for spreadsheets safely.

The pipeline writes ``<home>/warehouse.duckdb``; at the end of every run whose checks passed it
publishes it into ``<home>/lake/``, a DuckLake, as one snapshot (warehouse/lake.py). Analysts
read the lake at its last snapshot, or at an earlier one: any number of readers at once, while a
run writes and while it publishes, and no reader can hold up a run. A home last published to
before the lake existed has a whole-file copy, ``<home>/published/warehouse.duckdb``, which is
read until its next run publishes into the lake and removes it.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from warehouse import lake
from warehouse.engine import connect, newer_format_message
from warehouse.home import Home

# Statement types that only read. DESCRIBE, SHOW and SUMMARIZE parse as SELECT.
READING = {"SELECT", "EXPLAIN"}
# Text a spreadsheet program would take for a formula (CSV injection): =, +, -, @, and the tab and
# carriage return that some programs strip before looking.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class WriteRefused(ValueError):
    """The statement would change something; ecostat query only reads."""


class WarehouseUnavailable(RuntimeError):
    """No warehouse to read, or the live one stayed locked by a run."""


# EXPLAIN [ANALYZE] [(options)] before the statement it explains (which ANALYZE runs).
_EXPLAIN = re.compile(r"^\s*explain\s+(?:analy[sz]e\s+)?(?:\([^)]*\)\s*)?", re.IGNORECASE)


def check_read_only(sql: str) -> None:
    """Refuse anything but one statement that reads, with a message naming what it would do.
    An EXPLAIN is judged by the statement it explains: EXPLAIN ANALYZE runs it."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as e:
        raise WriteRefused(f"the statement does not parse: {e}") from e
    if len(statements) != 1:
        raise WriteRefused(f"give one statement, not {len(statements)}")
    kind = statements[0].type.name
    if kind == "EXPLAIN":
        inner = _EXPLAIN.sub("", statements[0].query, count=1)
        if inner.strip() == statements[0].query.strip():
            raise WriteRefused("cannot tell what this EXPLAIN explains; explain a SELECT")
        check_read_only(inner)
        return
    if kind not in READING:
        raise WriteRefused(
            f"ecostat query only reads, and this is a {kind} statement. The warehouse is changed "
            "by the pipeline only (drop files into landing/ and run it); to save a result, use "
            "--out file.csv|.parquet|.xlsx"
        )


# What an analyst's connection may not do, whatever the statement: write, or reach files and
# databases other than the warehouse, its raw snapshots and staged partitions (COPY ... TO,
# read_csv of another file, ATTACH, extensions); the settings are locked, so a statement cannot
# turn them back on.
_READER_CONFIG = {"autoload_known_extensions": False}


def _lock_down(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Files off but for the raw snapshots and staged partitions that raw.<dataset> and
    staging.<dataset> read (warehouse/raw.py, warehouse/staged.py): the home's ``raw/`` and
    ``staged/`` folders, beside the warehouse, above its published copy
    (``<home>/published/``) or above the lake (``<home>/lake/``), and the lake's own folder.
    DuckDB takes the allowed folders only once the database is open, before files are turned
    off."""
    folder = path.resolve() if path.is_dir() else path.resolve().parent
    home = folder.parent if folder.name in ("published", "lake") else folder
    allowed = [f"{home / layer}/" for layer in ("raw", "staged", "lake") if (home / layer).is_dir()]
    if allowed:
        con.execute("set allowed_directories = ?", [allowed])
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")


def _is_lock(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def connect_read_only(path: Path, wait_s: float = 10.0) -> duckdb.DuckDBPyConnection:
    """A read-only connection that can neither write nor reach other files, waiting up to
    ``wait_s`` while a writer holds the file. A file that is not a readable warehouse is said
    to be so at once, not taken for a locked one."""
    if not path.exists():
        raise WarehouseUnavailable(f"no warehouse at {path}: run `ecostat run` first")
    deadline = time.monotonic() + wait_s
    delay = 0.1
    while True:
        try:
            con = connect(path, read_only=True, config=_READER_CONFIG)
        except duckdb.Error as e:
            newer = newer_format_message(path)
            if newer:
                raise WarehouseUnavailable(newer) from e
            if not _is_lock(e):
                raise WarehouseUnavailable(
                    f"{path} is not a readable DuckDB warehouse (the file is damaged or is not "
                    "one). The next run that passes its checks publishes into the lake, which "
                    f"readers read instead (`ecostat run`). DuckDB said: {e}"
                ) from e
            if time.monotonic() + delay > deadline:
                raise WarehouseUnavailable(
                    f"{path} is being written by a pipeline run and stayed locked for "
                    f"{wait_s:.0f} s. Read the last publication instead (leave out --live), wait "
                    f"longer (--wait 300), or try again when the run ends. DuckDB said: {e}"
                ) from e
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
            continue
        try:
            _lock_down(con, path)
        except BaseException:
            con.close()
            raise
        return con


def connect_lake(home: Home, as_of: str | None = None) -> tuple[duckdb.DuckDBPyConnection, str]:
    """A read-only connection to the published lake at its last snapshot, or at the publication
    ``as_of`` names (a run id, a date or a date and time, UTC: warehouse/lake.py), locked down
    as :func:`connect_read_only`'s. Returns it with a line saying which publication it reads."""
    con = connect(config=_READER_CONFIG)
    where = lake.lake_of(home)
    try:
        # Under the name every query reads (current_database() is 'warehouse', as in the file).
        chosen, published = lake.attach_publication(con, where, "warehouse", as_of)
        con.execute("use warehouse")
        _lock_down(con, home.lake)
    except lake.LakeError as e:
        con.close()
        raise WarehouseUnavailable(str(e)) from e
    except duckdb.Error as e:
        con.close()
        raise WarehouseUnavailable(
            f"the lake {where} cannot be read ({where.scrub(str(e))}). The next run that passes "
            "its checks publishes into it again (`ecostat run`); --live reads the pipeline's "
            "own file"
        ) from e
    except BaseException:
        con.close()
        raise
    when = chosen.published_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
    latest = "" if chosen == published[-1] else f", not the last ({published[-1].snapshot_id})"
    return con, (
        f"{where} at snapshot {chosen.snapshot_id}{latest}: run {chosen.run_id}, published {when}"
    )


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> pl.DataFrame:
    check_read_only(sql)
    return con.sql(sql).pl()


# Integer columns that are codes or calendar values, not quantities: shown and exported as
# plain integers (2018, not "2,018"). A column named year, *_year, year_*, id, *_id, *_number,
# and an expression of one (max(year), min(t.year)); a count of them is a quantity.
_PLAIN = re.compile(r"(^|[_\W])(year|id|number)($|[_\W])", re.IGNORECASE)
_COUNT = re.compile(r"^\s*count\s*\(", re.IGNORECASE)


def plain_integer(name: str, dtype: pl.DataType) -> bool:
    """Whether an integer column holds a code or a year rather than a quantity."""
    return dtype.is_integer() and bool(_PLAIN.search(name)) and not _COUNT.search(name)


def _number(value: object) -> str:
    """A number for reading: thousands separated, never in scientific notation, with the
    decimals it needs (about seven significant digits, trailing zeros dropped)."""
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        text = f"{value:,f}"
    else:
        number = float(value)
        if not math.isfinite(number):
            return str(number)
        magnitude = math.floor(math.log10(abs(number))) if number else 0
        text = f"{number:,.{min(12, max(3, 6 - magnitude))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(value: object, plain: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value) if plain else _number(value)
    if isinstance(value, list):
        return " ".join("" if v is None else str(v) for v in value)
    if isinstance(value, date | datetime):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def format_table(
    frame: pl.DataFrame, max_rows: int = 50, wide: bool = False, width: int | None = None
) -> str:
    """A frame as a table for a terminal: a header of column names (no type rows), numbers right
    aligned with thousands separators and never in scientific notation, years and ids as plain
    integers, empty cells for missing values, lists space-separated. Long text wraps to fit the
    terminal's width (``width``, default the terminal's); ``wide`` never wraps. A number is
    never broken: a result too wide for the terminal is printed as records, one field a line."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    numeric = {name: dtype.is_numeric() for name, dtype in frame.schema.items()}
    plain = {name: plain_integer(name, dtype) for name, dtype in frame.schema.items()}
    rows = [
        [_cell(v, plain[n]) for n, v in zip(frame.columns, row, strict=True)]
        for row in frame.head(max_rows).iter_rows()
    ]
    width = 10**5 if wide else (width or shutil.get_terminal_size((120, 24)).columns)
    shown = f"{frame.height:,} row{'s' if frame.height != 1 else ''}"
    if frame.height > max_rows:
        shown += f", the first {max_rows:,} shown (--max-rows N, or --out FILE for all)"
    # The narrowest each column can be: a number whole, text wrapped at 12 characters, a
    # header at its longest word; each column adds 3 for its border and padding.
    least = {}
    for i, name in enumerate(frame.columns):
        longest = max((len(r[i]) for r in rows), default=0)
        words = max((len(w) for w in name.split("_")), default=1)
        least[name] = max(words, longest if numeric[name] else min(longest, 12))
    if sum(least.values()) + 3 * len(least) + 1 > width:
        return _records(frame.columns, rows, width) + f"\n{shown}"
    table = Table(box=box.SQUARE, show_edge=True, header_style="bold")
    for name in frame.columns:
        table.add_column(
            name,
            justify="right" if numeric[name] and not plain[name] else "left",
            overflow="fold",
            no_wrap=wide or numeric[name],
            min_width=least[name] if numeric[name] else None,
        )
    for row in rows:
        table.add_row(*row)
    console = Console(
        width=width,
        record=True,
        file=io.StringIO(),
        color_system=None,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(table, crop=False)
    text = "\n".join(line.rstrip() for line in console.export_text().splitlines())
    return f"{text}\n{shown}"


def _records(columns: list[str], rows: list[list[str]], width: int) -> str:
    """Rows as records, one field a line ("column │ value"), for results wider than the
    terminal: every value whole, long text wrapped after the column names."""
    import textwrap

    pad = max((len(c) for c in columns), default=0)
    room = max(20, width - pad - 3)
    out = []
    for n, row in enumerate(rows, start=1):
        out.append(f"─[ row {n} ]" + "─" * max(0, min(width, pad + 20) - len(f"─[ row {n} ]")))
        for name, value in zip(columns, row, strict=True):
            lines = textwrap.wrap(value, room, break_long_words=False) or [""]
            out.append(f"{name:<{pad}} │ {lines[0]}")
            out += [f"{'':<{pad}} │ {line}" for line in lines[1:]]
    return "\n".join(out)


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as formulas get a leading apostrophe; lists become
    space-separated text. Numbers stay numbers (a negative number is not text)."""
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            col = col.cast(pl.List(pl.String)).list.join(" ")
        elif dtype != pl.String:
            exprs.append(col)
            continue
        risky = pl.any_horizontal([col.str.starts_with(s) for s in FORMULA_START])
        exprs.append(pl.when(risky).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.select(exprs)


def write_frame(frame: pl.DataFrame, path: Path, sheet: str = "result") -> Path:
    """Write a result as CSV (UTF-8 with BOM, so Excel reads Cyrillic), Parquet or Excel, by the
    file's extension. CSV and Excel get spreadsheet-safe text; Parquet keeps the values as they
    are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.write_parquet(path)
    elif suffix == ".csv":
        spreadsheet_safe(frame).write_csv(path, include_bom=True)
    elif suffix == ".xlsx":
        write_excel({sheet: frame}, path)
    else:
        raise ValueError(f"cannot write {path.name}: use .csv, .parquet or .xlsx")
    return path


def write_excel(sheets: dict[str, pl.DataFrame], path: Path) -> Path:
    """One workbook, a sheet per frame, each an Excel table with a filter on its header row and
    the header frozen. Text is written as text, never as a formula."""
    from xlsxwriter import Workbook

    with Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False}) as book:
        for name, frame in sheets.items():
            spreadsheet_safe(frame).write_excel(
                workbook=book,
                worksheet=name[:31],
                autofit=True,
                autofilter=True,  # a filter button on every column of the header
                freeze_panes=(1, 0),
                # Years and ids as typed, 2018 (not "2,018"); quantities keep separators, with
                # the decimals their figures have (9,000 and 620.922, not 9,000.000).
                column_formats={
                    c: "0" if plain_integer(c, dtype) else _number_format(frame.get_column(c))
                    for c, dtype in frame.schema.items()
                    if dtype.is_numeric()
                },
            )
    return path


def _number_format(column: pl.Series, most: int = 6) -> str:
    """An Excel number format with thousands separators and as many decimals as the column's
    figures have (up to ``most``): a column of whole tonnes shows none."""
    if not column.dtype.is_float():
        return "#,##0"
    values = column.drop_nulls().drop_nans()
    for decimals in range(most + 1):
        scaled = values * 10**decimals
        # Within float error of a whole number at this many decimals (620.922 x 1,000).
        if values.is_empty() or (scaled - scaled.round(0)).abs().max() <= max(
            1e-6, 1e-12 * float(scaled.abs().max())
        ):
            break
    return "#,##0" + ("." + "0" * decimals if decimals else "")
