"""Large CSV files, in a stream: the Polars streaming engine writes the raw rows to Parquet, so
that memory does not grow with the file. The header is found and the rows shaped exactly as for
a file read whole (assets/ingest/header.py)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assets.ingest.cells import rows_frame
from assets.ingest.decode import (
    BLOCK_BYTES,
    POLARS_CSV,
    SubmissionError,
    as_utf8,
    decode_head,
    delimiter_of,
    detect_encoding,
    has_lone_cr,
)
from assets.ingest.header import HeaderMatcher, Layout, find_header, layout_of, non_blank, row_exprs
from contracts import Contract, SourceSpec
from contracts.vocabulary import Units


@dataclass(frozen=True)
class Streamed:
    """A file read in a stream: its raw rows in a Parquet file, and how they were read."""

    rows_file: Path
    encoding: str
    delimiter: str
    layout: Layout


# CSV files above this size are read in a stream (when the caller gives a spill folder).
STREAM_BYTES = 32 * 2**20
_HEAD_BYTES = 1 * 2**20


def stream_csv(
    path: Path, contract: Contract, spec: SourceSpec, units: Units, spill_dir: Path
) -> Streamed | None:
    """Read a large CSV file with the Polars streaming engine into ``spill_dir``/rows.parquet.

    The header is found in the file's first MB, exactly as for a file read whole; the body is then
    shaped by the same expressions. Returns None, so that the file is read whole instead, where
    the stream cannot give the same rows: a wide table to unpivot or values from a title above
    the header, a header beyond the first MB,
    or rows wider than the header row (Polars refuses them; the csv module keeps every cell).
    """
    with path.open("rb") as f:
        head = f.read(_HEAD_BYTES)
    encoding = detect_encoding(head, spec.encoding, whole=False)
    head_text = decode_head(head, encoding)
    if has_lone_cr(head_text):
        return None  # CR-only line endings: the whole-file reader makes them LF
    delimiter = delimiter_of(head_text, spec.delimiter)
    lines = head_text.splitlines(keepends=True)
    if len(head) == _HEAD_BYTES:
        lines = lines[:-1]  # cut by the head's end
    head_rows = list(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))
    if not head_rows:
        return None
    width = max(len(r) for r in head_rows)
    cells = rows_frame(head_rows)
    matcher = HeaderMatcher(contract, spec, units)
    try:
        h = find_header(cells, matcher, spec.header_row)
    except SubmissionError:
        return None  # the whole-file reader says what is wrong
    utf8 = as_utf8(path, encoding, spill_dir)
    if has_open_quote_file(utf8):
        return None  # a cell runs over a line break: the whole-file reader tells text from a quote left open
    scan = pl.scan_csv(utf8, separator=delimiter, skip_rows=h, **POLARS_CSV)
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
    layout = layout_of(header_cells[: len(cell_cols)], cell_cols, matcher, h + 1)
    if layout.wide or spec.from_title:
        return None  # a bulletin's day columns and title: read whole
    rows_file = spill_dir / "rows.parquet"
    try:
        (
            scan.with_row_index("row_number", offset=h + 1)
            .slice(1)
            .with_columns(pl.col("row_number").cast(pl.Int64))
            .filter(non_blank(cell_cols))
            .select(*row_exprs(layout), source_column=pl.lit(""))
            # The spill lives for one insert: LZ4 writes faster than the default zstd (10 million
            # rows: 5.0 s against 6.3 s) for 1.7x the temporary disk.
            .sink_parquet(rows_file, compression="lz4")
        )
    except pl.exceptions.ComputeError:
        rows_file.unlink(missing_ok=True)
        return None
    return Streamed(rows_file, encoding, delimiter, layout)


def has_open_quote_file(path: Path) -> bool:
    """_has_open_quote_line for a large UTF-8 file, in a stream: a byte scan for a quote first
    (most machine exports have none below their header), then the lines' quotes counted."""
    with path.open("rb") as f:
        if not any(b'"' in block for block in iter(lambda: f.read(BLOCK_BYTES), b"")):
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
