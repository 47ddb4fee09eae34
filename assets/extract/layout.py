"""Paragraphs of a page as a reader sees them, from the positions of its words (#32).

A PDF's text layer (and an OCR engine's output) holds words with their boxes, not paragraphs:
each printed line ends where the page did. This module puts the words back into the order and
the units a reader sees, with nothing but geometry:

- a page with a gutter down its middle is read as two columns, left then right, a title or
  table that spans both read where it stands;
- words on one baseline form a line; lines form a paragraph until a wider gap, a change of
  font size, an indented first line, a list marker or the short last line of a paragraph says
  a new one begins; a paragraph broken by a page or a column goes on after it when its last
  line runs to the margin without ending a sentence and the next begins in lower case;
- a word hyphenated at the end of a line is put back together ("отхо-" + "дов" is "отходов";
  "научно-" + "практическая" keeps its hyphen, because only the first is a dictionary word);
- running headers and footers (the same line at the top or bottom of most pages, its digits
  aside) and page numbers are dropped;
- a table is one paragraph per row, its cells separated by tabs, as a tab-separated text
  gives it.

Grain: one Block per paragraph or table row, in reading order, with the page it starts on and,
for OCR, the mean confidence of its words. Coordinates are the page's (points for a PDF, pixels
for a scan); every threshold is relative to the font size, so both work.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

# A line that is only a page number: "3", "- 3 -", "стр. 3", "Страница 3 из 12", "Page 3 of 12".
_PAGE_NUMBER = re.compile(
    r"[-–—\s]*(?:(?:стр\.?|страница|page|бет|бет\.)\s*)?\d{1,4}"
    r"(?:\s*(?:/|из|of)\s*\d{1,4})?[-–—\s]*",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"[•·▪◦●■–—\-*]\s|\d{1,2}[.)]\s|[а-яa-z]\)\s")
_ENDS_SENTENCE = re.compile(r"[.!?:;…»\"”)]\s*$")
_HYPHENS = ("-", "\u00ad", "\u2010", "\u2011")


@dataclass(frozen=True)
class Box:
    """One word with its box on the page (top grows downwards). A glyph the PDF gives no
    character for ("(cid:7)", a bullet in a private font) is left out by the reader."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # font size; for OCR, the page's usual line height (ocr.py)
    confidence: float | None = None  # OCR's, 0..1; None for a text layer


@dataclass(frozen=True)
class Table:
    """A ruled table found on the page: its box and its cells' text, row by row."""

    x0: float
    x1: float
    top: float
    bottom: float
    rows: list[list[str]]


@dataclass
class PageWords:
    number: int  # 1-based
    width: float
    height: float
    words: list[Box]
    tables: list[Table] = field(default_factory=list)


@dataclass(frozen=True)
class Block:
    """A paragraph or a table row, in reading order."""

    page: int
    text: str
    confidence: float | None = None  # mean OCR confidence of its words


@dataclass
class _Line:
    page: int
    column: int  # 0 for a line across the page (or the left column), 1 for the right column
    boxes: list[Box]
    table: Table | None = None  # a table stands in the flow as one "line"

    @property
    def x0(self) -> float:
        return self.table.x0 if self.table else min(b.x0 for b in self.boxes)

    @property
    def x1(self) -> float:
        return self.table.x1 if self.table else max(b.x1 for b in self.boxes)

    @property
    def top(self) -> float:
        return self.table.top if self.table else min(b.top for b in self.boxes)

    @property
    def bottom(self) -> float:
        return self.table.bottom if self.table else max(b.bottom for b in self.boxes)

    @property
    def size(self) -> float:
        return statistics.median(b.size for b in self.boxes) if self.boxes else 0.0

    @property
    def text(self) -> str:
        return " ".join(b.text for b in self.boxes)


def read_pages(pages: list[PageWords], is_word: Callable[[str], bool] | None = None) -> list[Block]:
    """The paragraphs and table rows of ``pages`` in reading order. ``is_word`` says whether a
    word is in the dictionary, to tell a hyphenated word from a compound one at a line's end
    (without it, a hyphen at a line's end is kept only when the line after begins in upper
    case)."""
    flows = [_page_lines(page) for page in pages]
    _drop_running_lines(flows)
    return _paragraphs([line for flow in flows for line in flow], is_word)


def _page_lines(page: PageWords) -> list[_Line]:
    """The page's lines in reading order: its columns' lines, its tables as lines of their own."""
    inside = [t for t in page.tables if t.rows]
    words = [w for w in page.words if w.text.strip() and not any(_within(w, t) for t in inside)]
    gutter = _gutter(words)
    rows = _rows(words)
    lines: list[_Line] = []
    if gutter is None:
        lines = [_Line(page.number, 0, row) for row in rows]
    else:
        g0, g1 = gutter
        # Rows with a word across the gutter span both columns; between two of them, the left
        # column is read down, then the right.
        pending: list[list[Box]] = [[], []]

        def flush() -> None:
            for column in (0, 1):
                lines.extend(_Line(page.number, column, r) for r in _rows(pending[column]))
            pending[0], pending[1] = [], []

        for row in rows:
            if any(w.x0 < g1 and w.x1 > g0 for w in row):
                flush()
                lines.append(_Line(page.number, 0, row))
            else:
                for w in row:
                    pending[0 if w.x1 <= g0 else 1].append(w)
        flush()
    for t in inside:
        at = next((i for i, line in enumerate(lines) if line.top > t.top), len(lines))
        lines.insert(at, _Line(page.number, 0, [], t))
    return lines


def _within(w: Box, t: Table) -> bool:
    cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
    return t.x0 <= cx <= t.x1 and t.top <= cy <= t.bottom


def _rows(words: list[Box]) -> list[list[Box]]:
    """Words grouped by line: a word whose middle lies within the current line's height joins
    it; each line's words left to right."""
    rows: list[list[Box]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        middle = (w.top + w.bottom) / 2
        if rows:
            top = min(b.top for b in rows[-1])
            bottom = max(b.bottom for b in rows[-1])
            if top <= middle <= bottom:
                rows[-1].append(w)
                continue
        rows.append([w])
    return [sorted(r, key=lambda w: w.x0) for r in rows]


def _gutter(words: list[Box]) -> tuple[float, float] | None:
    """The empty band between two columns, if the page has two: in the middle half of the text's
    width, at least a font size wide, crossed by few lines, with a column's worth of lines on
    each side."""
    if len(words) < 20:
        return None
    left = min(w.x0 for w in words)
    right = max(w.x1 for w in words)
    size = statistics.median(w.size for w in words)
    width = right - left
    rows = _rows(words)
    if width < 20 * size or len(rows) < 6:
        return None
    step = max(size / 4, 0.5)
    bins = int(width / step) + 1
    cover = [0] * bins
    for row in rows:
        seen = set()
        for w in row:
            seen.update(range(int((w.x0 - left) / step), int((w.x1 - left) / step) + 1))
        for i in seen:
            if 0 <= i < bins:
                cover[i] += 1
    # The widest band of the middle half that at most a fifth of the lines cross (a title, a
    # signature, a table across both columns), as a run of bins.
    lo, hi = int(bins * 0.25), int(bins * 0.75)
    limit = 0.2 * len(rows)
    best: tuple[int, int] | None = None
    i = lo
    while i < hi:
        if cover[i] <= limit:
            j = i
            while j < hi and cover[j] <= limit:
                j += 1
            if best is None or j - i > best[1] - best[0]:
                best = (i, j)
            i = j
        else:
            i += 1
    if best is None or (best[1] - best[0]) * step < size:
        return None
    g0, g1 = left + best[0] * step, left + best[1] * step
    # A column's worth of lines on each side, and lines of prose in them: the left column's
    # lines run up to the gutter and the right column's fill it, where the cells of a table
    # without rules are ragged and short (such a table is read row by row).
    left_ends = [max(w.x1 for w in r if w.x1 <= g0) for r in rows if any(w.x1 <= g0 for w in r)]
    right_widths = [max(w.x1 for w in r) - g1 for r in rows if any(w.x0 >= g1 for w in r)]
    if min(len(left_ends), len(right_widths)) < max(3, 0.3 * len(rows)):
        return None
    if statistics.median(left_ends) < g0 - 0.25 * (g0 - left):
        return None
    if statistics.median(right_widths) < 0.6 * (right - g1):
        return None
    return g0, g1


def _drop_running_lines(flows: list[list[_Line]]) -> None:
    """Drop page numbers, and headers and footers: a line among the first or last two of its
    page whose text (digits aside) stands there on at least two pages and most of them."""

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", " ".join(line.text.lower().split()))

    def edges(flow: list[_Line]) -> list[_Line]:
        text = [line for line in flow if line.table is None]
        by_top = sorted(text, key=lambda line: line.top)
        return by_top[:2] + by_top[-2:]

    seen = Counter(k for flow in flows for k in {key(line) for line in edges(flow)})
    running = {k for k, n in seen.items() if n >= 2 and n >= 0.5 * len(flows)}
    for flow in flows:
        for line in edges(flow):
            if (key(line) in running or _PAGE_NUMBER.fullmatch(line.text)) and line in flow:
                flow.remove(line)


def _paragraphs(lines: list[_Line], is_word: Callable[[str], bool] | None) -> list[Block]:
    text_lines = [line for line in lines if line.table is None]
    gaps = [
        b.top - a.bottom
        for a, b in itertools.pairwise(text_lines)
        if (a.page, a.column) == (b.page, b.column) and 0 <= b.top - a.bottom < 2 * a.size
    ]
    # The space between two lines of one paragraph: the small gaps (a report of one-line
    # paragraphs has few), and never more than 0.6 of the type size (one and a half spacing
    # leaves 0.5; a space between paragraphs is wider).
    size = statistics.median(line.size for line in text_lines) if text_lines else 0.0
    usual_gap = min(sorted(gaps)[len(gaps) // 5], 0.6 * size) if gaps else 0.0
    # A column's margins over the whole document (one page may hold a line or two): most of
    # its lines start at the left one, and few run past the right one.
    margins: dict[int, tuple[float, float]] = {}
    for column in {line.column for line in text_lines}:
        own = [line for line in text_lines if line.column == column]
        ends = sorted(line.x1 for line in own)
        margins[column] = (
            statistics.median(line.x0 for line in own),
            ends[int(0.9 * (len(ends) - 1))],
        )

    blocks: list[Block] = []
    current: list[_Line] = []
    text = ""

    def close() -> None:
        nonlocal current, text
        if current and text.strip():
            confidences = [b.confidence for line in current for b in line.boxes]
            known = [c for c in confidences if c is not None]
            blocks.append(
                Block(
                    current[0].page,
                    " ".join(text.split()),
                    round(sum(known) / len(known), 3) if known else None,
                )
            )
        current, text = [], ""

    for line in lines:
        if line.table is not None:
            close()
            for row in line.table.rows:
                cells = [_join_cell(cell, is_word) for cell in row]
                if any(cells):
                    blocks.append(Block(line.page, "\t".join(cells)))
            continue
        if current and _starts_paragraph(current[-1], line, usual_gap, margins):
            close()
        text = _join(text, line.text, is_word) if current else line.text
        current.append(line)
    close()
    return blocks


def _starts_paragraph(
    prev: _Line,
    line: _Line,
    usual_gap: float,
    margins: dict[int, tuple[float, float]],
) -> bool:
    """Whether ``line`` begins a new paragraph after ``prev``."""
    size = max(prev.size, line.size)
    left, right = margins[prev.column]
    prev_ends = bool(_ENDS_SENTENCE.search(prev.text))
    prev_short = prev.x1 < right - 0.15 * (right - left)
    if (prev.page, prev.column) != (line.page, line.column):
        # Across a page or a column: the paragraph goes on only if it did not end.
        first = line.text[:1]
        return prev_ends or prev_short or not (first.islower() or first in '(«"')
    if line.top - prev.bottom > usual_gap + 0.5 * size:
        return True
    if abs(line.size - prev.size) > 0.15 * size:
        return True
    if _LIST_MARKER.match(line.text) and (prev_ends or prev_short):
        return True
    if line.x0 > prev.x0 + 0.8 * size and prev_ends:
        return True  # an indented first line
    return prev_short and prev_ends


def _join(text: str, more: str, is_word: Callable[[str], bool] | None) -> str:
    """Two lines of one paragraph joined: by a space, or, after a word hyphenated at the line's
    end, into one word."""
    if text.endswith(_HYPHENS) and len(text) > 1 and text[-2].isalpha() and more[:1].isalpha():
        head = re.search(r"(\w+)\W$", text)
        tail = re.match(r"\w+", more)
        soft = text.endswith("\u00ad")
        if head and tail:
            whole = head.group(1) + tail.group(0)
            if soft or _hyphenated(head.group(1), tail.group(0), whole, is_word):
                return text[:-1] + more
            return text + more  # a compound word: its hyphen stays
    if text.endswith(_HYPHENS) and text[-2:-1].isdigit() and more[:1].isdigit():
        return text + more  # a range broken after its hyphen: "10-" + "12.10.2023"
    return f"{text} {more}"


def _hyphenated(head: str, tail: str, whole: str, is_word: Callable[[str], bool] | None) -> bool:
    """Whether ``head-`` at a line's end and ``tail`` are one word broken in two."""
    if not tail[:1].islower():
        return False  # "Кыргыз-" + "Республикасы", "COVID-" + "19": a real hyphen
    if is_word is None:
        return True
    if is_word(whole):
        return True
    return not (is_word(head) and is_word(tail))


def _join_cell(cell: str | None, is_word: Callable[[str], bool] | None) -> str:
    text = ""
    for part in (cell or "").splitlines():
        part = part.strip()
        if part:
            text = _join(text, part, is_word) if text else part
    return " ".join(text.replace("\t", " ").split())
