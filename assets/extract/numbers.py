"""Numbers in prose, as written and as read (#18): "3346,259" -> 3346.259, "3 600" and
"3 600" (no-break space) -> 3600, "360 тыс." -> 360000, "392,9 млн" -> 392900000, "10-15" ->
10 to 15, "2,3" -> 2.3. Each with its offsets in the text, so that the figure can be quoted.

Dates are not numbers here: "10-12.10.2023", "06.04.2023" and the like are left out (the
period reader takes them); a year ("2023") is a number flagged ``year``, for the rules to take
as a period or as a figure. The decimal separator is the text's: a comma in Russian text
("425,885" is 425.885), a point in English ("3,600" is 3600), given by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from assets.extract.words import TURKIC_ENDINGS
from contracts.vocabulary import normalise_key

_SPACE = "[ \u00a0\u202f]"  # space, no-break space, narrow no-break space (thousands)
_NUMBER = rf"\d{{1,3}}(?:{_SPACE}\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"


@cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """A number, a range, and the scale word after it (one of ``words``, longest first), with
    its full stop ("тыс.") or a Turkic case ending ("миллиондан")."""
    # The words are normalised keys (ё as е): either letter matches in the text.
    scale = "|".join(
        re.escape(w).replace("е", "[её]") for w in sorted(words, key=len, reverse=True)
    )
    endings = "|".join(TURKIC_ENDINGS)
    return re.compile(
        rf"(?<![\w.,])(?P<low>{_NUMBER})"
        rf"(?:\s*[-–—]\s*(?P<high>{_NUMBER}))?"
        rf"(?![\w])(?:\s*(?P<scale>(?P<word>{scale})(?:\.|-?(?:{endings}))?)(?![\w]))?",
        re.IGNORECASE,
    )


# 10.10.2023, 10-12.10.2023, 6.4.23: day(s).month.year
_DATE = re.compile(r"(?<![\w.])\d{1,2}(?:\s*[-–]\s*\d{1,2})?\.\d{1,2}\.\d{2,4}(?![\w])")


@dataclass(frozen=True)
class Number:
    start: int  # offset of the first character (of the number) in the text
    end: int  # offset after the last (of the scale word when there is one)
    as_written: str
    value: float  # the low end of a range
    high: float | None = None  # the high end of a range ("10-15")
    scale: str | None = None  # the scale word as written ("тыс.", "млн", "миллиондан")
    year: bool = False  # a four-digit integer from 1900 to 2100, without a scale

    @property
    def is_range(self) -> bool:
        return self.high is not None


def _read(text: str, decimal: str, factor: float) -> float:
    """The number's value times its scale, computed in decimal (32,3 млн is 32,300,000, not
    32,299,999.999999996)."""
    digits = re.sub(_SPACE, "", text)
    if decimal == ",":
        digits = digits.replace(".", "").replace(",", ".") if "," in digits else digits
    else:
        digits = digits.replace(",", "")
    return float(Decimal(digits) * Decimal(int(factor)))


def read_numbers(text: str, scales: Mapping[str, float], decimal: str = ",") -> list[Number]:
    """Every number of ``text`` outside dates, in order. ``scales`` are the scale words of
    seeds/reference/scales.csv (``Units.scales``: normalised word -> factor); ``decimal`` is ","
    (Russian) or "." (English)."""
    if decimal not in (",", "."):
        raise ValueError(f"decimal separator must be ',' or '.', not {decimal!r}")
    dates = [m.span() for m in _DATE.finditer(text)]
    out = []
    for m in _pattern(tuple(scales)).finditer(text):
        if any(a <= m.start() < b for a, b in dates):
            continue
        scale = m.group("scale")
        factor = scales[normalise_key(m.group("word"))] if scale else 1.0
        low = _read(m.group("low"), decimal, factor)
        high = _read(m.group("high"), decimal, factor) if m.group("high") else None
        plain = m.group("low")
        out.append(
            Number(
                start=m.start(),
                end=m.end(),
                as_written=m.group(0),
                value=low,
                high=high,
                scale=scale,
                year=high is None
                and scale is None
                and plain.isdigit()
                and len(plain) == 4
                and 1900 <= int(plain) <= 2100,
            )
        )
    return _compounds(text, out, scales)


def _compounds(text: str, numbers: list[Number], scales: Mapping[str, float]) -> list[Number]:
    """Numbers written in parts, each part below the scale before it: "620 тыс. 922" is
    620,922, "1 млн 603 тыс" is 1,603,000, "21 тысячи 425" is 21,425."""
    out: list[Number] = []
    for n in numbers:
        last = out[-1] if out else None
        if (
            last is not None
            and last.scale
            and not last.is_range
            and not n.is_range
            and not n.year
            and re.fullmatch(r"\s+", text[last.end : n.start])
            and n.value < (factor := _factor(last.scale, scales))
            and last.value % factor == 0
        ):
            out[-1] = Number(
                start=last.start,
                end=n.end,
                as_written=text[last.start : n.end],
                value=float(Decimal(str(last.value)) + Decimal(str(n.value))),
                scale=n.scale or last.scale,
            )
        else:
            out.append(n)
    return out


def _factor(written: str, scales: Mapping[str, float]) -> float:
    """The factor of a scale word as written (its full stop or case ending aside)."""
    for word in sorted(scales, key=len, reverse=True):
        if normalise_key(written).startswith(word):
            return scales[word]
    raise KeyError(written)
