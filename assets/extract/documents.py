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
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from assets.ingest.decode import decode

KINDS = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}


class DocumentError(ValueError):
    """A document ecostat cannot read text from; the message says why and what to do."""


@dataclass(frozen=True)
class Paragraph:
    number: int  # 1-based, in reading order
    start: int  # offset of its first character in Document.text
    text: str
    page: int | None = None  # 1-based page of a PDF

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
            "of those (a scanned image needs OCR first)"
        )
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(f"{path.name} is empty: nothing to read")
    pages = _pages(path, kind, data)
    document = from_pages(path.name, hashlib.sha256(data).hexdigest(), kind, pages)
    if not document.paragraphs:
        if kind == "pdf":
            raise DocumentError(
                f"{path.name} has no text layer (a scanned image?): ecostat reads the text of "
                "a PDF, not its pictures; run OCR on it first, or use the publisher's text version"
            )
        raise DocumentError(f"{path.name} holds no text: nothing to read")
    return document


def from_pages(name: str, sha256: str, kind: str, pages: list[tuple[int | None, str]]) -> Document:
    """A document from its pages' text (page number, text): each non-empty line a paragraph,
    stripped, the paragraphs joined by newlines into the document's text."""
    text_parts: list[str] = []
    paragraphs: list[Paragraph] = []
    offset = 0
    for page_number, page_text in pages:
        for line in page_text.splitlines():
            line = line.strip()
            if not line:
                continue
            if text_parts:
                text_parts.append("\n")
                offset += 1
            paragraphs.append(
                Paragraph(len(paragraphs) + 1, offset, line, page_number if kind == "pdf" else None)
            )
            text_parts.append(line)
            offset += len(line)
    return Document(name, sha256, kind, "".join(text_parts), tuple(paragraphs))


def _pages(path: Path, kind: str, data: bytes) -> list[tuple[int, str]]:
    """(page, text) of a document; one page for every kind but PDF."""
    if kind == "text":
        return [(1, decode(data)[0].lstrip("\ufeff"))]
    if kind == "html":
        parser = _TextOfHtml()
        parser.feed(decode(data)[0])
        parser.close()
        return [(1, "".join(parser.parts))]
    if kind == "docx":
        return [(1, _docx_text(path))]
    return _pdf_pages(path)


def _docx_text(path: Path) -> str:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as e:  # python-docx raises many kinds for a damaged or mislabelled file
        raise DocumentError(
            f"{path.name} is not a readable Word document ({type(e).__name__}); open it in Word "
            "or LibreOffice and save it again as .docx"
        ) from None
    lines = [p.text for p in document.paragraphs]
    # Figures often sit in tables: each cell's paragraphs, row by row.
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)


def _pdf_pages(path: Path) -> list[tuple[int, str]]:
    import pdfplumber

    try:
        with pdfplumber.open(str(path)) as pdf:
            return [(n, page.extract_text() or "") for n, page in enumerate(pdf.pages, 1)]
    except Exception as e:  # pdfminer raises many kinds for a damaged or mislabelled file
        raise DocumentError(
            f"{path.name} is not a readable PDF ({type(e).__name__}); ask for the original or a "
            "text version"
        ) from None


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
    """The visible text of an HTML page, a line per block element; scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data.replace("\n", " "))


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
