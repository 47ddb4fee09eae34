"""Reading a landed submission into rows of text, exactly as written.

Handles what real submissions look like: UTF-8 with or without BOM, Windows-1251 (or KOI8-R,
CP866), `,` `;` tab or `|` delimiters, title rows above the header, Excel sheets whose table does
not start at A1, merged cells, Russian or English headers with the unit in the header
("Собрано, т"). Values are not interpreted here: that is staging's job. The result keeps every
non-blank row with its row number in the file, so that nothing is lost between landing and raw.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path

import polars as pl
from charset_normalizer import from_bytes

from contracts import ColumnMapping, Contract, SourceSpec
from contracts.vocabulary import Units, normalise_key

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
HEADER_SEARCH_ROWS = 30
_CYRILLIC_CODEPAGES = ["cp1251", "koi8_r", "cp866"]
# A table's own row numbering ("№ п/п") is not data: kept in raw.extra, not reported as unknown.
ROW_NUMBER_HEADERS = {"№", "№ п п", "n", "no", "nr", "#", "п п", "номер"}


class SubmissionError(Exception):
    """A file that cannot be read as a table at all. The message says what and where."""


@dataclass
class Cells:
    """A sheet of text cells: ``row_number`` (1-based, as a spreadsheet shows it) and c0..cN."""

    frame: pl.DataFrame
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass
class Submission:
    """One file read into raw rows: contract columns as text plus where each row came from.

    The rows are in memory (``rows``) or, for a large CSV file read in a stream, in a Parquet file
    (``rows_file``) that the caller loads and then deletes with its spill folder."""

    rows: pl.DataFrame | None  # row_number, <contract columns as text>, extra, overflow (JSON)
    sheet: str | None
    encoding: str | None
    delimiter: str | None
    header_row: int
    column_map: dict[str, dict[str, str | None]]  # header -> {column, unit}
    unmapped: list[str] = field(default_factory=list)
    rows_file: Path | None = None

    @property
    def rows_read(self) -> int:
        if self.rows is not None:
            return self.rows.height
        return pl.scan_parquet(self.rows_file).select(pl.len()).collect().item()


# ---------------------------------------------------------------------------------------------
# Bytes to text


_NOT_TEXT = (
    "not a text file in any supported encoding (UTF-8, UTF-16 with a BOM, Windows-1251, KOI8-R, "
    "CP866): it holds binary data. Land the table as CSV or TXT, or as an .xlsx workbook"
)


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Decode file bytes. ``auto``: a BOM decides; else strict UTF-8; else the Cyrillic code page
    that charset-normalizer finds most plausible (Windows-1251 for almost every real file)."""
    if encoding != "auto":
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as e:
            raise SubmissionError(
                f"cannot decode the file as {encoding} (from the source spec): {e}"
            ) from e
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(name), name
    if b"\x00" in data[:_SNIFF_CHARS]:
        raise SubmissionError(_NOT_TEXT)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000], cp_isolation=_CYRILLIC_CODEPAGES).best()
    name = best.encoding if best is not None else "cp1251"
    try:
        return data.decode(name, errors="strict"), name
    except UnicodeDecodeError as e:
        raise SubmissionError(_NOT_TEXT) from e


_SNIFF_CHARS = 1_000_000


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that gives the most columns, consistently, in the first lines."""
    # Only the head is looked at: splitting a million-row file into lines to keep the first few
    # cost seconds and hundreds of MB. A line cut by the head's end is dropped.
    head = text[:_SNIFF_CHARS]
    lines = head.splitlines()
    if len(head) < len(text) and len(lines) > 1:
        lines = lines[:-1]
    lines = [ln for ln in lines[:HEADER_SEARCH_ROWS] if ln.strip()]
    if not lines:
        raise SubmissionError("the file is empty")
    best, best_score = ",", (0, 0)
    for d in (";", "\t", ",", "|"):
        widths = [len(r) for r in csv.reader(lines, delimiter=d)]
        most = max(set(widths), key=widths.count)
        # Many lines of the same width beat a few wide ones; decimal commas make ',' look wide.
        score = (widths.count(most) if most > 1 else 0, most)
        if score > best_score:
            best, best_score = d, score
    return best


# ---------------------------------------------------------------------------------------------
# Files to cells


def read_csv_cells(data: bytes, spec: SourceSpec) -> Cells:
    text, encoding = decode(data, spec.encoding)
    delimiter = sniff_delimiter(text) if spec.delimiter == "auto" else _unescape(spec.delimiter)
    records = _csv_records(text, delimiter) if _has_open_quote_line(text) else None
    if records is not None and any(records[1]):
        # A quote left open swallowed the lines after it into one cell: read line by line instead.
        return Cells(_rows_frame(*records), None, encoding, delimiter)
    # Polars parses UTF-8 bytes; a UTF-8 file is handed over as it is, not copied through a str.
    utf8 = data if encoding == "utf-8" else text.encode("utf-8")
    try:
        frame = pl.read_csv(
            utf8,
            separator=delimiter,
            has_header=False,
            infer_schema=False,
            quote_char='"',
        )
        frame = frame.with_row_index("row_number", offset=1).with_columns(
            pl.col("row_number").cast(pl.Int64)
        )
    except pl.exceptions.ComputeError:
        # Rows of unequal width: Polars refuses them, the csv module does not. Short rows are
        # padded; no cell is dropped. An empty cell is null, as Polars reads it.
        frame = _rows_frame(list(csv.reader(io.StringIO(text), delimiter=delimiter)))
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns[1:])})
    return Cells(frame, None, encoding, delimiter)


def _rows_frame(rows: list[list[str]], read_errors: list[str | None] | None = None) -> pl.DataFrame:
    """Rows of the csv module as cells: row_number (from 1), then c0, c1, ... as text; with
    ``read_errors``, a last column read_error saying why a row could not be read as written."""
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


def _has_open_quote_line(text: str) -> bool:
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


def read_excel_cells(path: Path, spec: SourceSpec) -> Cells:
    from openpyxl import load_workbook  # only Excel submissions pay for the import

    try:
        book = load_workbook(path, data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged workbook
        raise SubmissionError(f"not a readable Excel workbook: {type(e).__name__}: {e}") from e
    if spec.sheet is not None and spec.sheet not in book.sheetnames:
        raise SubmissionError(f"no sheet '{spec.sheet}' (sheets: {', '.join(book.sheetnames)})")
    sheet = book[spec.sheet] if spec.sheet else book.worksheets[0]
    grid = [[_excel_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    # A merged cell holds its value in the top-left cell only; spread it over the range so that a
    # region name merged over several rows belongs to each of them.
    for rng in sheet.merged_cells.ranges:
        top = grid[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row - 1, rng.max_row):
            for c in range(rng.min_col - 1, rng.max_col):
                grid[r][c] = top
    width = max((len(r) for r in grid), default=0)
    frame = (
        pl.DataFrame(
            {f"c{i}": [r[i] if i < len(r) else None for r in grid] for i in range(width)},
            schema={f"c{i}": pl.String for i in range(width)},
        )
        .with_row_index("row_number", offset=1)
        .with_columns(pl.col("row_number").cast(pl.Int64))
    )
    return Cells(frame, sheet.title)


def _name_the_sheet_with_a_header(
    path: Path, spec: SourceSpec, matcher: HeaderMatcher, first: str | None, error: Exception
) -> None:
    """The first sheet has no header: when another sheet has one, say which (a cover sheet
    before the table is common), so that the engineer knows what to put in the source spec."""
    from openpyxl import load_workbook

    names = load_workbook(path, read_only=True).sheetnames
    for name in names[1:]:
        cells = read_excel_cells(path, spec.model_copy(update={"sheet": name}))
        try:
            find_header(cells.frame, matcher, None)
        except SubmissionError:
            continue
        raise SubmissionError(
            f"no header row on the first sheet '{first}', but sheet '{name}' has one: add a "
            f"source spec for this layout with `sheet: {name}` (see README, Adding a source)"
        ) from error


def _unescape(delimiter: str) -> str:
    return {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)


# ---------------------------------------------------------------------------------------------
# Headers


class HeaderMatcher:
    """Maps header text onto contract columns: the source spec's mapping first, then the contract's
    aliases; a trailing unit ("Собрано, т", "Volume (m3)") is split off and kept as the column's
    unit when it is a known unit."""

    def __init__(self, contract: Contract, spec: SourceSpec, units: Units):
        self.units = units
        self.explicit = {normalise_key(h): m for h, m in spec.mapping().items()}
        self.ignored = {normalise_key(h) for h in spec.ignore} | ROW_NUMBER_HEADERS
        self.wide = re.compile(spec.unpivot.columns) if spec.unpivot else None
        self.aliases: dict[str, str] = {}
        for c in contract.columns:
            for name in [c.name, *c.aliases]:
                self.aliases.setdefault(normalise_key(name), c.name)

    def is_wide(self, header: str | None) -> bool:
        """The header is one of the columns a wide table is unpivoted over (a year)."""
        return bool(self.wide and header and self.wide.search(header.strip()))

    def match(self, header: str | None) -> ColumnMapping | None:
        if not header:
            return None
        key = normalise_key(header)
        if key in self.explicit:
            return self.explicit[key]
        if key in self.aliases:
            return ColumnMapping(column=self.aliases[key])
        m = re.match(r"^(.*?)\s*(?:,|\(|\[)\s*([^,()\[\]]+?)\s*[)\]]?\s*$", header.strip())
        if m:
            base, unit = normalise_key(m[1]), m[2]
            if base in self.aliases and self.units.resolve(unit) is not None:
                return ColumnMapping(column=self.aliases[base], unit=unit)
        return None


def find_header(cells: pl.DataFrame, matcher: HeaderMatcher, header_row: int | None) -> int:
    """Index (0-based, in ``cells``) of the header row: the spec's, else the first of the top rows
    with the most recognised headers (at least two)."""
    if header_row is not None:
        idx = (
            cells.get_column("row_number").to_list().index(header_row)
            if header_row in cells.get_column("row_number")
            else None
        )
        if idx is None:
            raise SubmissionError(
                f"the source spec's header_row {header_row} is beyond the end of the file"
            )
        return idx
    best, best_hits = None, 1
    for i, row in enumerate(cells.head(HEADER_SEARCH_ROWS).drop("row_number").iter_rows()):
        hits = len({m.column for m in map(matcher.match, row) if m is not None})
        hits += any(matcher.is_wide(cell) for cell in row)  # a wide table's year columns count once
        if hits > best_hits:
            best, best_hits = i, hits
    if best is None:
        raise SubmissionError(
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows: no row has two or more "
            "headers the contract knows; add the headers as aliases or write a source spec"
        )
    return best


@dataclass(frozen=True)
class _Layout:
    """How a file's cell columns (c0..cN) map onto the contract, from its header row."""

    header_row: int  # 1-based row number of the header in the file
    header_cells: tuple[str | None, ...]
    cell_cols: list[str]
    mapped: dict[str, tuple[str, ColumnMapping]]  # cell column -> (header, mapping)
    taken: set[str]  # contract columns some header maps to
    wide: list[tuple[str, str]]  # cell column -> header, for a wide table's value columns
    unmapped: list[str]
    read_error: bool = False  # the cells carry a read_error column (a quote left open)

    @property
    def column_map(self) -> dict[str, dict[str, str | None]]:
        return {hd: {"column": m.column, "unit": m.unit} for hd, m in self.mapped.values()}


def _layout(
    header_cells: tuple[str | None, ...],
    cell_cols: list[str],
    matcher: HeaderMatcher,
    header_row: int,
) -> _Layout:
    mapped: dict[str, tuple[str, ColumnMapping]] = {}
    taken: dict[str, str] = {}
    unmapped: list[str] = []
    wide: list[tuple[str, str]] = []
    for col, header in zip(cell_cols, header_cells, strict=True):
        if matcher.is_wide(header):
            wide.append((col, header.strip()))
            continue
        m = matcher.match(header)
        if m is None:
            if (
                header is not None
                and header.strip()
                and normalise_key(header) not in matcher.ignored
            ):
                unmapped.append(header)
            continue
        if m.column in taken:
            raise SubmissionError(
                f"headers '{taken[m.column]}' and '{header}' both map to column {m.column}; "
                "map one of them explicitly in a source spec"
            )
        taken[m.column] = header
        mapped[col] = (header, m)
    return _Layout(header_row, header_cells, cell_cols, mapped, set(taken), wide, unmapped)


def _non_blank(cell_cols: list[str]) -> pl.Expr:
    return pl.any_horizontal(pl.col(c).str.strip_chars().str.len_chars() > 0 for c in cell_cols)


def _row_exprs(layout: _Layout) -> list[pl.Expr]:
    """row_number, the mapped columns, extra and overflow, from a body of cell columns."""
    cell_cols, header_cells = layout.cell_cols, layout.header_cells
    # Cells right of the header's last column: usually a delimiter inside an unquoted value that
    # shifted the row. They are kept (overflow) so that staging can refuse the row with a reason.
    width = max((i + 1 for i, hd in enumerate(header_cells) if hd and hd.strip()), default=0)
    beyond = cell_cols[width:]
    overflow = (
        pl.when(pl.any_horizontal(pl.col(c).is_not_null() for c in beyond)).then(
            pl.struct(
                [pl.col(c).alias(f"column {i + width + 1}") for i, c in enumerate(beyond)]
            ).struct.json_encode()
        )
        if beyond
        else pl.lit(None, dtype=pl.String)
    )
    wide_cols = {c for c, _ in layout.wide}
    named = [
        (c, hd)
        for c, hd in zip(cell_cols[:width], header_cells[:width], strict=True)
        if c not in layout.mapped and c not in wide_cols and hd
    ]
    extra = (
        pl.struct([pl.col(c).alias(str(hd).strip()) for c, hd in named]).struct.json_encode()
        if named
        else pl.lit(None, dtype=pl.String)
    )
    return [
        pl.col("row_number"),
        *[pl.col(c).alias(m.column) for c, (_, m) in layout.mapped.items()],
        extra.alias("extra"),
        overflow.alias("overflow"),
        (pl.col("read_error") if layout.read_error else pl.lit(None, dtype=pl.String)).alias(
            "read_error"
        ),
    ]


def read_submission(
    path: Path,
    contract: Contract,
    spec: SourceSpec,
    units: Units,
    spill_dir: Path | None = None,
) -> Submission:
    """Read one landed file into raw rows (every value as text) with its column map.

    Blank rows are skipped; every other row below the header is kept, footnotes included, so that
    staging can account for it. Raises SubmissionError for a file that is not a table.

    With ``spill_dir``, a CSV file larger than STREAM_BYTES is read in a stream into a Parquet file
    there (see _stream_csv), so that memory does not grow with the file.
    """
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES and spill_dir is not None and path.stat().st_size > STREAM_BYTES:
        streamed = _stream_csv(path, contract, spec, units, spill_dir)
        if streamed is not None:
            return streamed
    if suffix in EXCEL_SUFFIXES:
        cells = read_excel_cells(path, spec)
    elif suffix in CSV_SUFFIXES:
        cells = read_csv_cells(path.read_bytes(), spec)
    else:
        raise SubmissionError(
            f"unsupported file type '{suffix}': land .csv, .txt, .tsv or .xlsx files"
        )
    frame = cells.frame
    if frame.height == 0 or frame.width <= 1:
        raise SubmissionError("the file is empty")

    matcher = HeaderMatcher(contract, spec, units)
    cell_cols = [c for c in frame.columns[1:] if c != "read_error"]
    try:
        h = find_header(frame.select("row_number", *cell_cols), matcher, spec.header_row)
    except SubmissionError as e:
        if suffix in EXCEL_SUFFIXES and spec.sheet is None:
            _name_the_sheet_with_a_header(path, spec, matcher, cells.sheet, e)
        raise
    layout = replace(
        _layout(frame.select(cell_cols).row(h), cell_cols, matcher, frame.item(h, "row_number")),
        read_error="read_error" in frame.columns,
    )
    body = frame.slice(h + 1).filter(_non_blank(layout.cell_cols))
    common = _row_exprs(layout)
    column_map = layout.column_map
    if layout.wide:
        rows = _unpivot(body, common, layout.wide, spec, layout.taken)
        column_map[f"{len(layout.wide)} columns {layout.wide[0][1]}..{layout.wide[-1][1]}"] = {
            "column": spec.unpivot.value_to,
            "unit": spec.unpivot.unit,
        }
    else:
        rows = body.select(*common, source_column=pl.lit(""))
    return Submission(
        rows,
        cells.sheet,
        cells.encoding,
        cells.delimiter,
        layout.header_row,
        column_map,
        layout.unmapped,
    )


# ---------------------------------------------------------------------------------------------
# Large CSV files, in a stream

# CSV files above this size are read in a stream (when the caller gives a spill folder).
STREAM_BYTES = 32 * 2**20
_HEAD_BYTES = 1 * 2**20
_BLOCK_BYTES = 16 * 2**20


def _encoding_of(head: bytes, declared: str) -> str:
    """The file's encoding, decided from its first MB as decode() decides from the whole file. A
    UTF-8 head with invalid bytes further on makes Polars fail, and the file is read whole."""
    if declared != "auto":
        return declared
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return name
    if b"\x00" in head:
        raise SubmissionError(_NOT_TEXT)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a character cut at the end is fine
        return "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(head[:200_000], cp_isolation=_CYRILLIC_CODEPAGES).best()
        return best.encoding if best is not None else "cp1251"


def _as_utf8(path: Path, encoding: str, spill_dir: Path) -> Path:
    """The file itself if it is UTF-8, else a UTF-8 copy in ``spill_dir``, written block by block."""
    if encoding == "utf-8":
        return path
    out = spill_dir / "utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as src, out.open("wb") as dst:
            while block := src.read(_BLOCK_BYTES):
                dst.write(decoder.decode(block).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except (UnicodeDecodeError, LookupError) as e:
        raise SubmissionError(f"cannot decode the file as {encoding}: {e}") from e
    return out


def _stream_csv(
    path: Path, contract: Contract, spec: SourceSpec, units: Units, spill_dir: Path
) -> Submission | None:
    """Read a large CSV file with the Polars streaming engine into ``spill_dir``/rows.parquet.

    The header is found in the file's first MB, exactly as for a file read whole; the body is then
    shaped by the same expressions. Returns None, so that the file is read whole instead, where
    the stream cannot give the same rows: a wide table to unpivot, a header beyond the first MB,
    or rows wider than the header row (Polars refuses them; the csv module keeps every cell).
    """
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES)
    encoding = _encoding_of(head, spec.encoding)
    try:
        head_text = codecs.getincrementaldecoder(encoding)(errors="strict").decode(head)
    except (UnicodeDecodeError, LookupError) as e:
        raise SubmissionError(f"cannot decode the file as {encoding}: {e}") from e
    delimiter = (
        sniff_delimiter(head_text) if spec.delimiter == "auto" else _unescape(spec.delimiter)
    )
    lines = head_text.splitlines(keepends=True)
    if len(head) == _HEAD_BYTES:
        lines = lines[:-1]  # cut by the head's end
    head_rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))
    if not head_rows:
        return None
    width = max(len(r) for r in head_rows)
    cells = _rows_frame(head_rows)
    matcher = HeaderMatcher(contract, spec, units)
    try:
        h = find_header(cells, matcher, spec.header_row)
    except SubmissionError:
        return None  # the whole-file reader says what is wrong
    utf8 = _as_utf8(path, encoding, spill_dir)
    if _has_open_quote_file(utf8):
        return None  # a cell runs over a line break: the whole-file reader tells text from a quote left open
    scan = pl.scan_csv(
        utf8,
        separator=delimiter,
        has_header=False,
        infer_schema=False,
        quote_char='"',
        skip_rows=h,
    )
    scan = scan.rename({c: f"c{i}" for i, c in enumerate(scan.collect_schema().names())})
    cell_cols = scan.collect_schema().names()
    header_cells = tuple(cells.row(h)[1:]) + (None,) * max(0, len(cell_cols) - width)
    try:
        first = scan.head(1).collect().row(0)
    except pl.exceptions.ComputeError:
        return None  # rows wider than the header row
    # The stream starts at the header row: skip_rows counts lines, so a quoted line break above
    # the header would shift it. The header must read the same both ways.
    if [c or "" for c in first] != [c or "" for c in header_cells[: len(first)]]:
        return None
    layout = _layout(header_cells[: len(cell_cols)], cell_cols, matcher, h + 1)
    if layout.wide:
        return None
    rows_file = spill_dir / "rows.parquet"
    try:
        (
            scan.with_row_index("row_number", offset=h + 1)
            .slice(1)
            .with_columns(pl.col("row_number").cast(pl.Int64))
            .filter(_non_blank(cell_cols))
            .select(*_row_exprs(layout), source_column=pl.lit(""))
            # The spill lives for one insert: LZ4 writes faster than the default zstd (10 million
            # rows: 5.0 s against 6.3 s) for 1.7x the temporary disk.
            .sink_parquet(rows_file, compression="lz4")
        )
    except pl.exceptions.ComputeError:
        rows_file.unlink(missing_ok=True)
        return None
    return Submission(
        None,
        None,
        encoding,
        delimiter,
        layout.header_row,
        layout.column_map,
        layout.unmapped,
        rows_file=rows_file,
    )


def _has_open_quote_file(path: Path) -> bool:
    """_has_open_quote_line for a large UTF-8 file, in a stream: a byte scan for a quote first
    (most machine exports have none below their header), then the lines' quotes counted."""
    with path.open("rb") as f:
        if not any(b'"' in block for block in iter(lambda: f.read(_BLOCK_BYTES), b"")):
            return False
    lines = pl.scan_csv(
        path,
        separator="\x1f",
        has_header=False,
        quote_char=None,
        infer_schema=False,
        truncate_ragged_lines=True,
        new_columns=["line"],
    ).select(pl.col("line"))
    odd = lines.select((pl.col("line").str.count_matches('"', literal=True) % 2 == 1).any())
    return bool(odd.collect(engine="streaming").item())


def _unpivot(
    body: pl.DataFrame,
    common: list[pl.Expr],
    wide: list[tuple[str, str]],
    spec: SourceSpec,
    taken: set[str],
) -> pl.DataFrame:
    """A wide table's rows as one record per non-empty value column (source_column = its
    header). A row with no value in any of them still gives one record, so that staging can
    account for it."""
    u = spec.unpivot
    if u.name_to in taken or u.value_to in taken:
        raise SubmissionError(
            f"the source spec unpivots into {u.name_to} and {u.value_to}, but a header already maps to one of them"
        )
    filled = lambda c: (pl.col(c).str.strip_chars().str.len_chars() > 0).fill_null(False)  # noqa: E731
    records = [
        body.filter(filled(c)).select(
            *common,
            pl.lit(header).alias(u.name_to),
            pl.col(c).alias(u.value_to),
            source_column=pl.lit(header),
        )
        for c, header in wide
    ]
    empty = body.filter(~pl.any_horizontal(filled(c) for c, _ in wide)).select(
        *common,
        pl.lit(None, dtype=pl.String).alias(u.name_to),
        pl.lit(None, dtype=pl.String).alias(u.value_to),
        source_column=pl.lit(""),
    )
    order = {header: i for i, (_, header) in enumerate(wide)}
    return (
        pl.concat([*records, empty], how="vertical")
        .with_columns(
            _order=pl.col("source_column").replace_strict(order, default=-1, return_dtype=pl.Int64)
        )
        .sort("row_number", "_order")
        .drop("_order")
    )


def describe_column_map(sub: Submission, spec: SourceSpec) -> str:
    """The column map and constants as JSON, for audit.source_files."""
    return json.dumps(
        {
            "source_spec": spec.name,
            "columns": sub.column_map,
            "constants": spec.constants,
            "territories": spec.territories,
            "country": spec.country,
            "unmapped": sub.unmapped,
            "decimal_separator": spec.decimal_separator,
        },
        ensure_ascii=False,
    )
