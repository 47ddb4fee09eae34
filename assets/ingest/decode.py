"""Bytes to text: which encoding a submission is in, and which delimiter separates its cells.

One detector decides the encoding, for a file read whole and for the head of a file read in a
stream alike: a byte-order mark decides; else UTF-8 when the bytes are valid UTF-8; else the
Cyrillic code page charset-normalizer finds most plausible (Windows-1251 for almost every real
file). A file whose head is more than 1% NUL bytes (more than a few) is not text.
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
from pathlib import Path

from charset_normalizer import from_bytes

# Rows looked at for the delimiter and, by the header search, for the header.
HEADER_SEARCH_ROWS = 30
_CYRILLIC_CODEPAGES = ["cp1251", "koi8_r", "cp866"]
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The head of a file looked at for a NUL byte and for the delimiter.
_SNIFF_CHARS = 1_000_000
# What charset-normalizer reads to choose among the code pages.
_DETECT_BYTES = 200_000
# Text streamed from a legacy encoding into UTF-8 is transcoded in blocks of this size.
BLOCK_BYTES = 16 * 2**20


# How Polars reads a CSV file into cells: every value as text, no header (it is found later
# among the first rows, below any title), a double quote around a cell that holds a delimiter.
POLARS_CSV = {"has_header": False, "infer_schema": False, "quote_char": '"'}


# The csv module refuses a field over 131,072 characters and fails the whole file. A long cell
# is read like any other; staging rejects its row (the cell_too_long rule, contracts/limits.yaml).
csv.field_size_limit(sys.maxsize)

_LONE_CR = re.compile(r"\r(?!\n)")


def one_line_ending(text: str) -> str:
    """Text with CR-only (Excel for Mac's "CSV (Macintosh)", classic Mac OS) or mixed line
    endings as LF: every reader after this one sees one kind. Text without a lone CR is given
    back as it is (CRLF is read by every reader)."""
    if "\r" not in text or not _LONE_CR.search(text):
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def has_lone_cr(text: str) -> bool:
    """Whether some line ends in CR alone (see one_line_ending)."""
    return "\r" in text and _LONE_CR.search(text) is not None


class SubmissionError(Exception):
    """A file that cannot be read as a table at all. The message says what and where."""


_NOT_TEXT = (
    "not a text file in any supported encoding (UTF-8, UTF-16 with a BOM, Windows-1251, KOI8-R, "
    "CP866): it holds binary data. Land the table as CSV or TXT, or as an .xlsx workbook"
)


def detect_encoding(data: bytes, declared: str = "auto", whole: bool = True) -> str:
    """The encoding of ``data``: the declared one, or the detector's choice (module docstring).

    ``whole`` says whether ``data`` is the whole file; for a file's head, a UTF-8 character cut
    at its end does not count against UTF-8 (invalid bytes further on then fail the reader, and
    the file is read whole)."""
    if declared != "auto":
        return declared
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:_SNIFF_CHARS]
    # Text has no NUL bytes; a stray one (a damaged export) rejects its row in staging, wherever
    # it is (the cell_readable rule). A head with more than a few NULs that make up more than 1%
    # of it is binary, or UTF-16 with no byte-order mark: not a table we can read.
    nuls = head.count(b"\x00")
    if nuls > 8 and nuls * 100 > len(head):
        raise SubmissionError(_NOT_TEXT)
    try:
        if whole:
            data.decode("utf-8")
        else:
            codecs.getincrementaldecoder("utf-8")().decode(data)
        return "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data[:_DETECT_BYTES], cp_isolation=_CYRILLIC_CODEPAGES).best()
        return best.encoding if best is not None else "cp1251"


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """File bytes as text, and the encoding they were read in."""
    name = detect_encoding(data, encoding)
    try:
        return data.decode(name, errors="strict"), name
    except (UnicodeDecodeError, LookupError) as e:
        if encoding != "auto":
            raise SubmissionError(
                f"cannot decode the file as {encoding} (from the source spec): {e}"
            ) from e
        raise SubmissionError(_NOT_TEXT) from e


def decode_head(head: bytes, encoding: str) -> str:
    """The first bytes of a file as text; a character cut at the end is left out."""
    try:
        return codecs.getincrementaldecoder(encoding)(errors="strict").decode(head)
    except (UnicodeDecodeError, LookupError) as e:
        raise SubmissionError(f"cannot decode the file as {encoding}: {e}") from e


def as_utf8(path: Path, encoding: str, spill_dir: Path) -> Path:
    """The file itself if it is UTF-8, else a UTF-8 copy in ``spill_dir``, written block by block."""
    if encoding == "utf-8":
        return path
    out = spill_dir / "utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as src, out.open("wb") as dst:
            while block := src.read(BLOCK_BYTES):
                dst.write(decoder.decode(block).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except (UnicodeDecodeError, LookupError) as e:
        raise SubmissionError(f"cannot decode the file as {encoding}: {e}") from e
    return out


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


def delimiter_of(text: str, declared: str) -> str:
    """The source spec's delimiter (``\\t`` or ``tab`` for a tab), or the sniffed one."""
    if declared == "auto":
        return sniff_delimiter(text)
    return {"\\t": "\t", "tab": "\t"}.get(declared, declared)
