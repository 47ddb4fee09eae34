"""Scanned pages read by OCR (#32): Tesseract from Debian's packages (`tesseract-ocr` with its
Russian, Kazakh and Kyrgyz data, installed by `make test` and `make ocr`), through pytesseract.

A PDF page without a text layer is rendered at 300 dpi (pypdfium2, which pdfplumber already
brings) and read word by word with each word's box and confidence; the words then go through
the same layout reading as a PDF's text layer (assets/extract/layout.py), so a scan gives
paragraphs, not lines. A missing engine or language is a DocumentError that says how to install
it, never a traceback.

Grain: one Box per word Tesseract reads, in the page's pixels, with its confidence (0..1); a
word stands on its line's top and bottom, with the page's usual line height as its size.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from assets.extract.layout import Box, PageWords

DPI = 300
# Russian first: most reports are in Russian; Kazakh and Kyrgyz add their letters (ә, ғ, қ, ң,
# ө, ұ, ү, һ, і). ECOSTAT_OCR_LANGUAGES ("rus+eng") narrows or widens the set.
LANGUAGES = ("rus", "kaz", "kir", "eng")
_INSTALL = (
    "install Tesseract with `make ocr` (Debian: apt-get install tesseract-ocr tesseract-ocr-rus "
    "tesseract-ocr-kaz tesseract-ocr-kir)"
)


def _error(message: str) -> Exception:
    from assets.extract.documents import DocumentError

    return DocumentError(message)


@cache
def languages() -> str:
    """The Tesseract languages to read with: ECOSTAT_OCR_LANGUAGES, else those of LANGUAGES
    installed. Raises DocumentError when Tesseract or every language is missing."""
    import pytesseract

    try:
        installed = set(pytesseract.get_languages())
    except (pytesseract.TesseractNotFoundError, OSError):
        raise _error(f"reading it needs OCR, but Tesseract is not installed: {_INSTALL}") from None
    wanted = os.environ.get("ECOSTAT_OCR_LANGUAGES", "+".join(LANGUAGES)).split("+")
    missing = [w for w in wanted if w not in installed]
    if "ECOSTAT_OCR_LANGUAGES" in os.environ and missing:
        raise _error(
            f"ECOSTAT_OCR_LANGUAGES asks for {'+'.join(missing)}, which Tesseract does not have "
            f"here (it has {'+'.join(sorted(installed)) or 'none'}): {_INSTALL}"
        )
    have = [w for w in wanted if w in installed]
    if not have:
        raise _error(f"Tesseract has none of the languages {'+'.join(wanted)}: {_INSTALL}")
    return "+".join(have)


def _ready(path: Path, what: str) -> None:
    """Raise DocumentError, naming the file, when OCR cannot run here."""
    from assets.extract.documents import DocumentError

    try:
        languages()
    except DocumentError as e:
        raise DocumentError(f"{path.name}{what}: {e}") from None


def _read(path: Path, where: str, image, number: int = 1) -> PageWords:
    """ocr_words, with Tesseract's own failure (a broken language file, an image it cannot
    take) said as this document's DocumentError: the other documents are still read."""
    import pytesseract

    try:
        return ocr_words(image, number)
    except pytesseract.TesseractError as e:
        raise _error(
            f"{path.name}{where}: Tesseract could not read it ({e.message.strip() or e.status}); "
            f"check its installation: {_INSTALL}"
        ) from None


def ocr_words(image, number: int = 1) -> PageWords:
    """The words of a page image (PIL) with their boxes and confidences. A word takes its
    line's top, bottom and height, so that the words of one line stand on one baseline."""
    import pytesseract

    # Tesseract's OpenMP threads fight over two cores: a page takes 22 s with them, 3 s without.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    data = pytesseract.image_to_data(
        image, lang=languages(), config="--psm 3", output_type=pytesseract.Output.DICT
    )
    line_of: dict[tuple[int, int, int], list[int]] = {}
    for i, text in enumerate(data["text"]):
        if text.strip() and float(data["conf"][i]) >= 0:
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            line_of.setdefault(key, []).append(i)
    boxes: list[Box] = []
    spans = {
        key: (
            min(data["top"][i] for i in indices),
            max(data["top"][i] + data["height"][i] for i in indices),
        )
        for key, indices in line_of.items()
    }
    # One size for the page: a line's height varies with its letters ("законов:" has no
    # ascender, "№" is tall), and a change of size would start a paragraph. Headings on a scan
    # are told by the space around them.
    heights = sorted(bottom - top for top, bottom in spans.values())
    size = float(heights[len(heights) // 2]) * 0.8 if heights else 0.0
    for key, indices in line_of.items():
        top, bottom = spans[key]
        for i in indices:
            left = data["left"][i]
            boxes.append(
                Box(
                    data["text"][i],
                    float(left),
                    float(left + data["width"][i]),
                    float(top),
                    float(bottom),
                    size,
                    round(float(data["conf"][i]) / 100, 3),
                )
            )
    width, height = image.size
    return PageWords(number, float(width), float(height), boxes)


def ocr_pdf_page(path: Path, number: int) -> PageWords:
    """OCR of page ``number`` (1-based) of a PDF, rendered at DPI."""
    import pypdfium2

    _ready(path, f" (page {number} is a scan)")  # said before the page is rendered
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        image = pdf[number - 1].render(scale=DPI / 72).to_pil()
    finally:
        pdf.close()
    return _read(path, f" (page {number})", image, number)


def ocr_image(path: Path) -> PageWords:
    """OCR of a scanned page saved as an image (PNG, JPEG, TIFF)."""
    from PIL import Image, UnidentifiedImageError

    _ready(path, " (an image)")
    try:
        with Image.open(path) as image:
            return _read(path, "", image.convert("RGB"))
    except (UnidentifiedImageError, OSError) as e:
        raise _error(
            f"{path.name} is not a readable image ({type(e).__name__}); scan it again or save it "
            "as PNG"
        ) from None
