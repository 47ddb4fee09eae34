"""Cleaning text cells as submissions write them: spaces of every kind, HTML tags and entities,
table separators and lone dashes (which mean "no value").

Pure Polars expressions, one pass over millions of rows.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import polars as pl

# What makes a cell need more than trimming: HTML tags or entities, non-breaking or repeated
# spaces, tabs and line breaks.
_NEEDS_FULL_CLEAN = r"[<&\u00a0\u202f\t\n\r]|\s\s"
# Table separators ("-----", "|===|") and lone dashes are made of these characters only.
_SEPARATOR_CHARS = "-–—=_|:+ "


def clean_cells(expr: pl.Expr, full: bool = True) -> pl.Expr:
    """Trim a text column. Empty cells, lone dashes (the statistical "no data") and table
    separators ("-----", "|===|") become null; with ``full``, HTML pasted into a cell
    ("<p>...</p>", "&nbsp;") becomes plain text and runs of spaces become one.

    ``full=False`` is for columns where ``needs_full_clean`` found nothing to do: the regular
    expressions are most of the cost of staging a large file."""
    t = expr
    if full:
        t = (
            t.str.replace_all(r"<br\s*/?>|</p>\s*<p[^>]*>", " ")
            .str.replace_all(r"<[^>]+>", "")
            .str.replace_all("&nbsp;", " ", literal=True)
            .str.replace_all("&quot;", '"', literal=True)
            .str.replace_all("&amp;", "&", literal=True)
            .str.replace_all(r"[\s\u00a0\u202f]+", " ")
        )
    t = t.str.strip_chars()
    empty_or_separator = t.str.strip_chars(_SEPARATOR_CHARS).str.len_bytes() == 0
    return pl.when(empty_or_separator | t.is_in(["...", "…", "x", "х"])).then(None).otherwise(t)


def needs_full_clean(frame: pl.DataFrame, columns: list[str]) -> dict[str, bool]:
    """For each text column, whether any of its cells holds HTML or irregular whitespace. One
    query for all columns, so that Polars scans them in parallel."""
    if not columns:
        return {}
    return frame.select(pl.col(columns).str.contains(_NEEDS_FULL_CLEAN).any()).row(0, named=True)


_HTML = r"<[^>]+>|&(?:nbsp|amp|quot|lt|gt|#\d+);"


def html_cells(frame: pl.DataFrame, columns: list[str]) -> dict[str, int]:
    """For each text column, how many cells hold HTML that cleaning takes out (tags, entities):
    what was changed in the text is said, not done silently."""
    if not columns:
        return {}
    counts = frame.select(pl.col(columns).str.contains(_HTML).sum()).row(0, named=True)
    return {c: int(n) for c, n in counts.items() if n}


# A decimal digit of another script: full-width "１２３" (East Asian input methods), Arabic-Indic
# "١٢٣", Persian "۱۲۳", Devanagari ... Rust's \d matches them, a cast to a number does not.
_OTHER_DIGITS = r"[\d&&[^0-9]]"


@cache
def _digit_map() -> tuple[list[str], list[str]]:
    """Every decimal digit of Unicode that is not 0-9, and the ASCII digit it stands for."""
    others = [
        chr(c)
        for c in range(0x80, 0x1FC00)  # the last block of decimal digits ends at U+1FBF9
        if unicodedata.category(chr(c)) == "Nd"
    ]
    return others, [str(unicodedata.digit(ch)) for ch in others]


def other_digit_cells(frame: pl.DataFrame, columns: list[str]) -> dict[str, int]:
    """For each column, how many cells hold digits of another script (said in the audit)."""
    if not columns:
        return {}
    counts = frame.select(pl.col(columns).str.contains(_OTHER_DIGITS).sum()).row(0, named=True)
    return {c: int(n) for c, n in counts.items() if n}


def ascii_digits(expr: pl.Expr) -> pl.Expr:
    """Digits of every script as 0-9 ("１２３" and "١٢٣" are 123): a number is read as written
    in any script, never taken for an empty cell."""
    others, ascii_ = _digit_map()
    return expr.str.replace_many(others, ascii_)
