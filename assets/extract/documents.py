"""Narrative reports as text with positions: the first step of extracting figures from prose
(#18). A document (.txt, .md, .html, .docx, or a .pdf with a text layer) is read into one text
and its paragraphs, each with its number, its page (PDF) and its character offsets in that
text, so that a figure found in it can be quoted exactly and found again. A document that
cannot give text (a scanned PDF, an empty file, a damaged one) is refused with a message that
says what to do.

Grain: one paragraph per non-empty line of the document's text as ecostat reads it (a line of a
text file, a paragraph or table cell of a Word document, a line of a PDF page, a block of an
HTML page). Offsets count characters of that text, not bytes of the file.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from assets.extract.layout import Block, Box, PageWords, Table, read_pages
from assets.extract.words import is_dictionary_word
from assets.ingest.decode import decode

KINDS = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
    ".png": "image",
    ".jpg": "image",
    ".jpeg": "image",
    ".tif": "image",
    ".tiff": "image",
}


class DocumentError(ValueError):
    """A document ecostat cannot read text from; the message says why and what to do."""


@dataclass(frozen=True)
class Paragraph:
    number: int  # 1-based, in reading order
    start: int  # offset of its first character in Document.text
    text: str
    page: int | None = None  # 1-based page of a PDF or a scan
    ocr_confidence: float | None = None  # mean OCR confidence of its words, for a scan

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True)
class Document:
    name: str
    sha256: str
    kind: str
    text: str
    paragraphs: tuple[Paragraph, ...]

    def quote(self, start: int, end: int) -> str:
        """The document's own characters between two offsets."""
        return self.text[start:end]


def read_document(path: Path) -> Document:
    """Read a document into its text and paragraphs, or raise DocumentError."""
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(
            f"{path.name}: ecostat reads {', '.join(sorted(KINDS))} documents; save it as one "
            "of those"
        )
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(f"{path.name} is empty: nothing to read")
    blocks = _blocks(path, kind, data)
    document = from_blocks(path.name, hashlib.sha256(data).hexdigest(), kind, blocks)
    if not document.paragraphs:
        if kind in ("pdf", "image"):
            raise DocumentError(
                f"{path.name} gives no text, even by OCR (a blank page, or a picture without "
                "words?): ask the publisher for a text version"
            )
        raise DocumentError(f"{path.name} holds no text: nothing to read")
    return document


def from_pages(name: str, sha256: str, kind: str, pages: list[tuple[int | None, str]]) -> Document:
    """A document from its pages' text (page number, text): each non-empty line a paragraph."""
    return from_blocks(
        name,
        sha256,
        kind,
        [Block(page or 1, line) for page, text in pages for line in text.splitlines()],
    )


def from_blocks(name: str, sha256: str, kind: str, blocks: list[Block]) -> Document:
    """A document from its blocks in reading order: each non-empty block a paragraph, stripped,
    the paragraphs joined by newlines into the document's text. Pages are kept for PDFs and
    scans, OCR confidences for scans."""
    text_parts: list[str] = []
    paragraphs: list[Paragraph] = []
    offset = 0
    paged = kind in ("pdf", "image")
    for block in blocks:
        line = block.text.strip()
        if not line:
            continue
        if text_parts:
            text_parts.append("\n")
            offset += 1
        paragraphs.append(
            Paragraph(
                len(paragraphs) + 1,
                offset,
                line,
                block.page if paged else None,
                block.confidence,
            )
        )
        text_parts.append(line)
        offset += len(line)
    return Document(name, sha256, kind, "".join(text_parts), tuple(paragraphs))


def _blocks(path: Path, kind: str, data: bytes) -> list[Block]:
    """The document's paragraphs (and table rows) in reading order."""
    if kind == "text":
        return _lines(decode(data)[0].lstrip("\ufeff"))
    if kind == "html":
        parser = _TextOfHtml()
        parser.feed(decode(data)[0])
        parser.close()
        return _lines("".join(parser.parts), cells=True)
    if kind == "docx":
        return _lines(_docx_text(path))
    if kind == "image":
        from assets.extract.ocr import ocr_image

        return read_pages([ocr_image(path)], is_word=is_dictionary_word)
    return read_pages(_pdf_pages(path), is_word=is_dictionary_word)


def _lines(text: str, cells: bool = False) -> list[Block]:
    """A block per line; with ``cells``, the spaces around each tab-separated cell closed up."""
    lines = text.splitlines()
    if cells:
        lines = [
            "\t".join(" ".join(c.split()) for c in line.split("\t")) if "\t" in line else line
            for line in lines
        ]
    return [Block(1, line) for line in lines]


def _docx_text(path: Path) -> str:
    """A Word document's paragraphs and tables in the order they stand; a table row is one
    line, its cells separated by tabs (a cell merged across columns once)."""
    import docx
    from docx.table import Table as DocxTable

    try:
        document = docx.Document(str(path))
    except Exception as e:  # python-docx raises many kinds for a damaged or mislabelled file
        raise DocumentError(
            f"{path.name} is not a readable Word document ({type(e).__name__}); open it in Word "
            "or LibreOffice and save it again as .docx"
        ) from None
    lines: list[str] = []

    def table_lines(table: DocxTable) -> None:
        for row in table.rows:
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) in seen:
                    continue  # a merged cell is listed once per column it spans
                seen.add(id(cell._tc))
                cells.append(" ".join(" ".join(p.text for p in cell.paragraphs).split()))
                for inner in cell.tables:
                    table_lines(inner)
            if any(cells):
                lines.append("\t".join(cells))

    for item in document.iter_inner_content():
        if isinstance(item, DocxTable):
            table_lines(item)
        else:
            lines.append(item.text)
    return "\n".join(lines)


def _pdf_pages(path: Path) -> list[PageWords]:
    """Every page's words with their boxes and its ruled tables; a page without a text layer
    (a scan) is read by OCR."""
    import pdfplumber

    pages: list[PageWords] = []
    try:
        with pdfplumber.open(str(path)) as pdf:
            for n, page in enumerate(pdf.pages, 1):
                page = page.filter(_not_phantom_space(page.chars))
                words = page.extract_words(extra_attrs=["size"])
                if not words:
                    pages.append(_scanned_page(path, n))
                    continue
                tables = []
                for t in page.find_tables():
                    x0, top, x1, bottom = t.bbox
                    rows = [
                        [_UNMAPPED.sub("", cell) if cell else cell for cell in row]
                        for row in t.extract()
                    ]
                    tables.append(Table(x0, x1, top, bottom, rows))
                pages.append(
                    PageWords(
                        n,
                        float(page.width),
                        float(page.height),
                        [
                            Box(text, w["x0"], w["x1"], w["top"], w["bottom"], w["size"])
                            for w in words
                            if (text := _UNMAPPED.sub("", w["text"]))
                        ],
                        tables,
                    )
                )
    except DocumentError:
        raise
    except Exception as e:  # pdfminer raises many kinds for a damaged or mislabelled file
        raise DocumentError(
            f"{path.name} is not a readable PDF ({type(e).__name__}); ask for the original or a "
            "text version"
        ) from None
    return pages


def _not_phantom_space(chars: list[dict]) -> Callable[[dict], bool]:
    """A test that keeps every object but a space that takes no room: a space character drawn
    where the next letter starts (Chromium writes each soft hyphen it did not break at so),
    which would split the word in two."""
    phantom = {
        id(c)
        for c, after in itertools.pairwise(chars)
        if c["text"] == " "
        and after["text"].strip()
        and abs(after["x0"] - c["x0"]) < 0.05 * c["size"]
        and abs(after["top"] - c["top"]) < 0.2 * c["size"]
    }
    return lambda obj: id(obj) not in phantom


# pdfminer writes a glyph without a Unicode mapping (a bullet of a symbol font) as "(cid:N)".
_UNMAPPED = re.compile(r"\(cid:\d+\)")


def _scanned_page(path: Path, number: int) -> PageWords:
    from assets.extract.ocr import ocr_pdf_page

    return ocr_pdf_page(path, number)


# Elements that start a line of their own, and elements whose text is not shown.
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "table",
        "ul",
        "ol",
        "blockquote",
        "pre",
    ]
)
_HIDDEN = frozenset({"script", "style", "head"})


class _TextOfHtml(HTMLParser):
    """The visible text of an HTML page, a line per block element and per table row (its cells
    separated by tabs, as a tab-separated text gives them); scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._cells = 0  # cells of the current row so far
        self._in_cell = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in ("td", "th"):
            self.parts.append("\t" if self._cells else "\n")
            self._cells += 1
            self._in_cell += 1
        elif tag in ("tr", "table"):
            self.parts.append("\n")
            self._cells = 0
        elif tag in _BLOCKS:
            # Within a cell a paragraph or a break is a space: the row stays one line.
            self.parts.append(" " if self._in_cell else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in ("td", "th"):
            self._in_cell = max(0, self._in_cell - 1)
        elif tag in ("tr", "table"):
            self.parts.append("\n")
            self._cells = 0
            self._in_cell = 0
        elif tag in _BLOCKS:
            self.parts.append(" " if self._in_cell else "\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data.replace("\n", " ").replace("\t", " "))


def store_document(documents_dir: Path, path: Path, sha256: str) -> Path:
    """Keep the document's bytes under the data home by their SHA-256, read-only, so a quote
    is always read from the document itself: <home>/documents/<sha256><suffix>. Written once
    (a temporary name, then a rename); a document already kept is left as it is."""
    kept = documents_dir / f"{sha256}{path.suffix.lower()}"
    if kept.exists():
        return kept
    documents_dir.mkdir(parents=True, exist_ok=True)
    partial = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
    shutil.copyfile(path, partial)
    partial.chmod(0o444)
    partial.replace(kept)
    return kept


def kept_document(documents_dir: Path, sha256: str) -> Path | None:
    """The document kept under ``sha256``, or None when this home does not hold it."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        return None
    return next(iter(sorted(documents_dir.glob(f"{sha256}.*"))), None)


def quotes_from(documents_dir: Path) -> Callable[[str, int, int], str | None]:
    """A function (sha256, start, end) -> the kept document's characters between the offsets,
    or None when the home does not hold the document (or holds other bytes under its name).
    Each document is read once."""
    read: dict[str, Document | None] = {}

    def quote(sha256: str, start: int, end: int) -> str | None:
        if sha256 not in read:
            path = kept_document(documents_dir, sha256)
            try:
                document = read_document(path) if path else None
            except DocumentError:
                document = None
            read[sha256] = document if document and document.sha256 == sha256 else None
        document = read[sha256]
        return document.quote(start, end) if document else None

    return quote
