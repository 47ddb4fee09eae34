"""Files to cells: a CSV or Excel submission as a sheet of text cells, exactly as written.

Handles `,` `;` tab or `|` delimiters, rows of unequal width, a quote left open (its lines are
kept and marked, never merged into one cell), Excel sheets whose table does not start at A1 and
merged cells. Values are not interpreted here: that is staging's job.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import polars as pl

from assets.ingest.decode import (
    POLARS_CSV,
    SubmissionError,
    decode,
    delimiter_of,
    one_line_ending,
)
from contracts import SourceSpec
from contracts.limits import limits


@dataclass
class Cells:
    """A sheet of text cells: ``row_number`` (1-based, as a spreadsheet shows it) and c0..cN."""

    frame: pl.DataFrame
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


def read_csv_cells(data: bytes, spec: SourceSpec) -> Cells:
    """A CSV file's bytes as cells, in the spec's (or the detected) encoding and delimiter."""
    text, encoding = decode(data, spec.encoding)
    normalised = one_line_ending(text)
    if normalised is not text:  # CR-only or mixed line endings: the bytes handed on are LF too
        text, data = normalised, normalised.encode("utf-8")
        encoding_of_data = "utf-8"
    else:
        encoding_of_data = encoding
    delimiter = delimiter_of(text, spec.delimiter)
    records = _csv_records(text, delimiter) if has_open_quote_line(text) else None
    if records is not None and any(records[1]):
        # A quote left open swallowed the lines after it into one cell: read line by line instead.
        return Cells(rows_frame(*records), None, encoding, delimiter)
    # Polars parses UTF-8 bytes; a UTF-8 file is handed over as it is, not copied through a str.
    utf8 = data if encoding_of_data == "utf-8" else text.encode("utf-8")
    try:
        frame = pl.read_csv(utf8, separator=delimiter, **POLARS_CSV)
        frame = frame.with_row_index("row_number", offset=1).with_columns(
            pl.col("row_number").cast(pl.Int64)
        )
    except pl.exceptions.ComputeError:
        # Rows of unequal width: Polars refuses them, the csv module does not. Short rows are
        # padded; no cell is dropped. An empty cell is null, as Polars reads it.
        frame = rows_frame(list(csv.reader(io.StringIO(text), delimiter=delimiter)))
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns[1:])})
    return Cells(frame, None, encoding, delimiter)


def rows_frame(
    rows: list[list[str | None]], read_errors: list[str | None] | None = None
) -> pl.DataFrame:
    """Rows of cells (the csv module's, a sheet's) as row_number (from 1), then c0, c1, ... as
    text, short rows padded and an empty cell null; with ``read_errors``, a last column
    read_error saying why a row could not be read as written."""
    width = max((len(r) for r in rows), default=0)
    frame = (
        pl.DataFrame(
            {f"c{i}": [r[i] if i < len(r) and r[i] else None for r in rows] for i in range(width)},
            schema={f"c{i}": pl.String for i in range(width)},
        )
        .with_row_index("row_number", offset=1)
        .with_columns(pl.col("row_number").cast(pl.Int64))
    )
    if read_errors is not None:
        frame = frame.with_columns(read_error=pl.Series(read_errors, dtype=pl.String))
    return frame


def has_open_quote_line(text: str) -> bool:
    """Whether a line has an odd number of quotes: the only way a cell can run over a line
    break, rightly (a quoted cell with a line break in it) or not (a quote never closed)."""
    return '"' in text and any(line.count('"') % 2 for line in text.split("\n"))


def _csv_records(text: str, delimiter: str) -> tuple[list[list[str]], list[str | None]]:
    """The file's records as the csv module reads them, and for each why it cannot be trusted.

    A quote that is opened and not closed on its line makes the csv module read every line up
    to the next quote (or the file's end) as one cell, silently: four rows become one. Such a
    record (one that runs over a line break, and whose cell holds the delimiter after it) is
    given back as its lines, each split at the delimiter and marked with the line the quote
    opened on, so that staging rejects them all and the counts still add up. A quoted cell with
    a line break and no delimiter after it is text, and is kept."""
    lines = text.split("\n")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[str]] = []
    errors: list[str | None] = []
    last = 0
    for record in reader:
        first, last_line = last + 1, reader.line_num
        last = last_line
        swallowed = last_line > first and any(
            "\n" in cell and delimiter in cell.split("\n", 1)[1] for cell in record
        )
        if not swallowed:
            rows.append(record)
            errors.append(None)
            continue
        end = "the end of the file" if last_line >= len(lines) - 1 else f"line {last_line}"
        message = (
            f"a quote opened on line {first} is not closed before {end}: lines {first}-"
            f"{last_line} were read as one cell. Close the quote or remove it, and land the file "
            "again"
        )
        for line in lines[first - 1 : last_line]:
            if line.strip():
                rows.append(line.rstrip("\r").split(delimiter))
                errors.append(message)
    return rows, errors


def _excel_text(value: object) -> str | None:
    """A cell value as text, the way a person reads it (no float artefacts, ISO dates)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        text = repr(value)
        return format(float(text), "f").rstrip("0") if "e" in text else text
    return str(value)


def _guard_workbook(path: Path) -> None:
    """Refuse, before it is opened, a workbook that unpacks to more than a submission can hold
    or far more than XML compresses (a zip bomb): contracts/limits.yaml, in seconds."""
    import zipfile

    lim = limits()
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a zip at all: openpyxl's refusal below says what to do
    unpacked = sum(m.file_size for m in members)
    if unpacked > lim.xlsx_max_unpacked_mb * 2**20:
        raise SubmissionError(
            f"the workbook unpacks to {unpacked / 2**20:,.0f} MB, more than the "
            f"{lim.xlsx_max_unpacked_mb:,} MB a submission may (contracts/limits.yaml): save "
            "its table as CSV, or split it into several workbooks"
        )
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        if m.file_size > 2**20 and ratio > lim.xlsx_max_ratio:
            raise SubmissionError(
                f"{m.filename} in the workbook unpacks {ratio:,.0f} times its packed size "
                f"(more than {lim.xlsx_max_ratio:g}: real sheets compress 5-20 times); it is "
                "damaged or built to exhaust memory. Save the table again from Excel, or as CSV"
            )


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")
_SCAN_BLOCK = 4 * 2**20


def _merged_ranges(sheet) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a sheet read in read-only mode (which does not give them), as
    (min_col, min_row, max_col, max_row): read from the sheet's XML in blocks."""
    from openpyxl.utils.cell import range_boundaries

    found: set[bytes] = set()
    tail = b""
    with sheet.parent._archive.open(sheet._worksheet_path) as xml:
        while block := xml.read(_SCAN_BLOCK):
            chunk = tail + block
            found.update(m[1] for m in _MERGE.finditer(chunk))
            tail = chunk[-512:]  # a tag cut by the block's end is found with the next
    return sorted(range_boundaries(ref.decode()) for ref in found)


def read_excel_cells(path: Path, spec: SourceSpec) -> Cells:
    """The spec's sheet (else the first) of a workbook as cells, merged ranges spread out.

    Read in a stream (openpyxl's read-only mode) after the workbook's size and compression are
    checked (_guard_workbook): memory holds the cells as text, not the workbook's objects. A
    sheet over the declared rows or columns is refused."""
    from openpyxl import load_workbook  # only Excel submissions pay for the import

    _guard_workbook(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged workbook
        # What to do, not the library's words: an .xlsx is a zip archive, so a file that is not
        # one is an old .xls renamed, a password-protected workbook or a damaged copy.
        raise SubmissionError(
            "not a readable Excel workbook (an old .xls renamed to .xlsx, a password-protected "
            "or a damaged file): open it in Excel and save it as .xlsx without a password, or "
            "save its table as CSV, and land it again"
        ) from e
    try:
        if spec.sheet is not None and spec.sheet not in book.sheetnames:
            raise SubmissionError(f"no sheet '{spec.sheet}' (sheets: {', '.join(book.sheetnames)})")
        sheet = book[spec.sheet] if spec.sheet else book.worksheets[0]
        return Cells(_sheet_frame(sheet), sheet.title)
    finally:
        book.close()


_CHUNK_ROWS = 100_000


def _sheet_frame(sheet) -> pl.DataFrame:
    """A read-only sheet's cells as rows_frame gives them, built in chunks of rows (each
    chunk's Python values become Arrow text at once), merged ranges spread over their cells."""
    lim = limits()
    # Read every row the file has, not the used range its header claims: some programs write a
    # wrong one (A1), and read-only mode would stop there.
    sheet.reset_dimensions()
    merged = _merged_ranges(sheet)
    # A merged cell holds its value in the top-left cell only; spread it over the range so that
    # a region name merged over several rows belongs to each of them.
    starts: dict[int, list[tuple[int, int, int, int]]] = {}
    for rng in merged:
        starts.setdefault(rng[1], []).append(rng)
    active: list[tuple[tuple[int, int, int, int], str | None]] = []
    chunks: list[pl.DataFrame] = []
    rows: list[list[str | None]] = []
    width = 0
    for r, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if r > lim.xlsx_max_rows or len(values) > lim.xlsx_max_columns:
            raise SubmissionError(
                f"the sheet '{sheet.title}' goes beyond {lim.xlsx_max_rows:,} rows or "
                f"{lim.xlsx_max_columns:,} columns, more than Excel itself holds: the workbook "
                "is damaged. Save the table again from Excel, or as CSV"
            )
        row = [_excel_text(v) for v in values]
        for rng in starts.get(r, ()):
            active.append((rng, row[rng[0] - 1] if rng[0] - 1 < len(row) else None))
        if active:
            active = [(rng, top) for rng, top in active if rng[3] >= r]
            for (min_col, _, max_col, _), top in active:
                if len(row) < max_col:
                    row.extend([None] * (max_col - len(row)))
                for c in range(min_col - 1, max_col):
                    row[c] = top
        rows.append(row)
        width = max(width, len(row))
        if len(rows) == _CHUNK_ROWS:
            chunks.append(_chunk_frame(rows, r - len(rows) + 1))
            rows = []
    if rows or not chunks:
        chunks.append(_chunk_frame(rows, (sum(c.height for c in chunks)) + 1))
    frame = pl.concat(chunks, how="diagonal") if len(chunks) > 1 else chunks[0]
    cells = [f"c{i}" for i in range(width)]
    return frame.select(
        "row_number",
        *[
            pl.col(c) if c in frame.columns else pl.lit(None, dtype=pl.String).alias(c)
            for c in cells
        ],
    )


def _chunk_frame(rows: list[list[str | None]], first_row: int) -> pl.DataFrame:
    frame = rows_frame(rows)
    return frame.with_columns(pl.col("row_number") + (first_row - 1))
