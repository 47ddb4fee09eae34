"""Headers: which row of a sheet is the header, and how its cells map onto the contract.

The source spec's mapping comes first, then the contract's aliases; a trailing unit ("Собрано,
т", "Volume (m3)") is split off and kept as the column's unit. The body's rows are then shaped
by Polars expressions (the mapped columns, the unmapped ones as ``extra``, cells beyond the
header as ``overflow``), the same for a file read whole and one read in a stream; a wide table
(a column per year) is unpivoted into one record per value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from assets.ingest.decode import HEADER_SEARCH_ROWS, SubmissionError
from contracts import ColumnMapping, Contract, SourceSpec
from contracts.vocabulary import Units, normalise_key

# A table's own row numbering ("№ п/п") is not data: kept in raw.extra, not reported as unknown.
ROW_NUMBER_HEADERS = {"№", "№ п п", "n", "no", "nr", "#", "п п", "номер"}


class HeaderMatcher:
    """Maps header text onto contract columns: the source spec's mapping first, then the contract's
    aliases; a trailing unit ("Собрано, т", "Volume (m3)") is split off and kept as the column's
    unit when it is a known unit."""

    def __init__(self, contract: Contract, spec: SourceSpec, units: Units):
        self.units = units
        self.explicit = {normalise_key(h): m for h, m in spec.mapping().items()}
        self.ignored = {normalise_key(h) for h in spec.ignore} | ROW_NUMBER_HEADERS
        self.wide = re.compile(spec.unpivot.columns) if spec.unpivot else None
        self.columns = [c.name for c in contract.columns]
        # Columns a file must give itself: required, with no default and no constant of the spec.
        self.needed = {
            c.name
            for c in contract.columns
            if c.required and c.default is None and c.name not in spec.constants
        }
        self.spec_headers = {normalise_key(h): (h, m) for h, m in spec.mapping().items()}
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
        if key in self.ignored:
            return None  # left unused on purpose, though a contract alias (AirNow's "Day")
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
        raise SubmissionError(_no_header_message(cells, matcher))
    return best


def _no_header_message(cells: pl.DataFrame, matcher: HeaderMatcher) -> str:
    """Why no header was found, with what was there: the fullest of the top rows (the header,
    most likely), which of its cells were recognised, and the contract's columns."""
    top = cells.head(HEADER_SEARCH_ROWS)
    rows = list(top.drop("row_number").iter_rows())
    message = (
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows: no row has two or more "
        "headers the contract knows"
    )
    if rows:
        i = max(range(len(rows)), key=lambda k: sum(c is not None for c in rows[k]))
        seen = [str(c).strip() for c in rows[i] if c is not None and str(c).strip()]
        known = [f"{h!r} -> {m.column}" for h in seen if (m := matcher.match(h)) is not None]
        shown = ", ".join(repr(h) for h in seen[:12]) + (" ..." if len(seen) > 12 else "")
        message += (
            f". The fullest row (row {top.item(i, 'row_number')}) reads {shown}; recognised: "
            f"{', '.join(known) or 'none'}"
        )
    return (
        f"{message}. The contract's columns are {', '.join(matcher.columns)}: add the headers "
        "as aliases or write a source spec"
    )


@dataclass(frozen=True)
class Layout:
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


def layout_of(
    header_cells: tuple[str | None, ...],
    cell_cols: list[str],
    matcher: HeaderMatcher,
    header_row: int,
) -> Layout:
    """The layout of a header row (``header_row``, 1-based in the file) over its cell columns.
    Two headers mapping to one column are refused: the engineer says which one is meant."""
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
    # A spec that names a header this file does not have, for a column the file must give: say
    # so, instead of "required and empty" on every row.
    missing = [
        (h, m.column)
        for h, m in matcher.spec_headers.values()
        if m.column in matcher.needed and m.column not in taken
    ]
    if missing:
        seen = ", ".join(
            repr(str(h).strip()) for h in header_cells if h is not None and str(h).strip()
        )
        said = "; ".join(f"header {h!r} for {c}" for h, c in missing)
        raise SubmissionError(
            f"the source spec maps {said}, which the file must give, but its header row (row "
            f"{header_row}) has no such header: it reads {seen}. Correct the header in the spec "
            "or in the file"
        )
    return Layout(header_row, header_cells, cell_cols, mapped, set(taken), wide, unmapped)


def non_blank(cell_cols: list[str]) -> pl.Expr:
    """True for a row with a visible character in any of ``cell_cols``."""
    return pl.any_horizontal(pl.col(c).str.strip_chars().str.len_chars() > 0 for c in cell_cols)


def row_exprs(layout: Layout) -> list[pl.Expr]:
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


_NO_VALUE = "-–— \t"


def unpivot(
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
    # A lone dash is "no value" in a statistical table (staging reads it so): a day or year
    # column holding one gives no record, as an empty cell does.
    filled = lambda c: (pl.col(c).str.strip_chars(_NO_VALUE).str.len_chars() > 0).fill_null(False)  # noqa: E731
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
