"""Reading a landed submission into rows of text, exactly as written.

Handles what real submissions look like: UTF-8 with or without BOM, Windows-1251 (or KOI8-R,
CP866), `,` `;` tab or `|` delimiters, title rows above the header, Excel sheets whose table does
not start at A1, merged cells, Russian or English headers with the unit in the header
("Собрано, т"). Values are not interpreted here: that is staging's job. The result keeps every
non-blank row with its row number in the file, so that nothing is lost between landing and raw.

The steps each have their module: decode (bytes to text, one encoding detector), cells (files to
cells), header (the header row and the column map) and stream (large CSV files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import polars as pl

from assets.ingest.cells import read_csv_cells, read_excel_cells
from assets.ingest.decode import SubmissionError
from assets.ingest.header import (
    HeaderMatcher,
    Layout,
    find_header,
    layout_of,
    non_blank,
    row_exprs,
    unpivot,
)
from assets.ingest.stream import STREAM_BYTES, stream_csv
from contracts import Contract, SourceSpec
from contracts.column_map import ColumnMap, MappedColumn
from contracts.vocabulary import Units

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
CSV_SUFFIXES = {".csv", ".txt", ".tsv"}


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
    there (see assets/ingest/stream.py), so that memory does not grow with the file.
    """
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES and spill_dir is not None and path.stat().st_size > STREAM_BYTES:
        streamed = stream_csv(path, contract, spec, units, spill_dir)
        if streamed is not None:
            layout = streamed.layout
            return Submission(
                None,
                None,
                streamed.encoding,
                streamed.delimiter,
                layout.header_row,
                layout.column_map,
                layout.unmapped,
                rows_file=streamed.rows_file,
            )
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
        layout_of(frame.select(cell_cols).row(h), cell_cols, matcher, frame.item(h, "row_number")),
        read_error="read_error" in frame.columns,
    )
    body = frame.slice(h + 1).filter(non_blank(layout.cell_cols))
    common = row_exprs(layout)
    column_map = layout.column_map
    for column, value in title_values(frame.slice(0, h).select(cell_cols), spec, layout).items():
        common.append(pl.lit(value, dtype=pl.String).alias(column))
        column_map[f"title: {value}"] = {"column": column, "unit": None}
    if layout.wide:
        rows = unpivot(body, common, layout.wide, spec, layout.taken)
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


def title_values(above: pl.DataFrame, spec: SourceSpec, layout: Layout) -> dict[str, str]:
    """The values the title above the header gives every row (``from_title`` of the spec): a
    bulletin's month, "январь 2023". A title that does not give one refuses the file."""
    if not spec.from_title:
        return {}
    text = " ".join(
        str(cell).strip() for row in above.iter_rows() for cell in row if cell and str(cell).strip()
    )
    found = {}
    for column, pattern in spec.from_title.items():
        if column in layout.taken:
            raise SubmissionError(
                f"the source spec takes {column} from the title, but a header maps to it too: "
                "map one of them"
            )
        match = re.search(pattern, text)
        if match is None:
            shown = text[:200] or "nothing (the header is the first row)"
            raise SubmissionError(
                f"the title above the table should give {column} (source spec {spec.name}: "
                f"{pattern}), but it reads: {shown}. Write it above the header, as the "
                "publisher does"
            )
        found[column] = (match.group(1) if match.groups() else match.group(0)).strip()
    return found


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
            f"source spec for this layout with `sheet: {name}` (see docs/onboarding.md)"
        ) from error


def column_map_of(sub: Submission, spec: SourceSpec) -> ColumnMap:
    """The file's column map as audit.source_files keeps it: how each header was read, and the
    source spec's staging options (contracts/column_map.py)."""
    return ColumnMap(
        source_spec=spec.name,
        columns={header: MappedColumn(**mapped) for header, mapped in sub.column_map.items()},
        constants=spec.constants,
        territories=spec.territories,
        country=spec.country,
        unmapped=sub.unmapped,
        decimal_separator=spec.decimal_separator,
    )
