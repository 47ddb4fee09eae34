"""The same candidates from every format a report is published in (#32): each shared report as
.txt, and made here from that text as .html, .docx and a PDF printed by Chromium; a PDF laid out
in two columns with running headers, page numbers and words hyphenated at line ends; and a scan
of printed pages, read by OCR.

What a format may change is stated where it does: nothing for .html, .docx and .pdf (the same
figures, with the same values, territories, periods and quotes); for a scan, OCR's reading of
the page, which these tests bound (every figure of the scanned pages found, each with its OCR
confidence)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pdfplumber
import pytest

from assets.extract.candidates import Candidate, find_candidates
from assets.extract.documents import read_document
from contracts.vocabulary import Units
from tests.assets.extract.printed import print_pdf, scan, to_docx, to_html
from tests.conftest import REFERENCE

DOCS = Path(__file__).resolve().parents[4] / "shared" / "docs"
REPORTS = [
    "kyrgyz_ministry_results_2023.txt",
    "kuzbass_eco_council_report_q4_2023.txt",
    "zhaik_caspian_aarhus_centre_activities.txt",
]


@pytest.fixture(scope="module")
def units() -> Units:
    return Units.from_csv(REFERENCE / "units.csv", REFERENCE / "scales.csv")


def _key(c: Candidate) -> tuple:
    """What a reviewer is shown of a candidate, its quote with its spacing closed up and without
    private-use characters (the report's bullets, U+F0BE: a PDF has no character for them)."""
    quote = " ".join(re.sub("[\ue000-\uf8ff]", "", c.quote).split())
    return (c.dataset, c.column, c.value, c.unit, c.territory_id, c.period, quote)


@pytest.fixture(scope="module")
def formats(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Each shared report as .txt (the original), .html, .docx and .pdf."""
    if not DOCS.is_dir():
        pytest.fail(f"shared documents not found at {DOCS}: tests expect ../shared/docs")
    out = tmp_path_factory.mktemp("formats")
    made: dict[str, dict[str, Path]] = {}
    for name in REPORTS:
        text = (DOCS / name).read_text(encoding="utf-8")
        stem = out / Path(name).stem
        html = stem.with_suffix(".html")
        html.write_text(to_html(text), encoding="utf-8")
        made[name] = {
            "txt": DOCS / name,
            "html": html,
            "docx": to_docx(text, stem.with_suffix(".docx")),
            "pdf": print_pdf(html, stem.with_suffix(".pdf")),
        }
    return made


@pytest.mark.parametrize("kind", ["html", "docx", "pdf"])
def test_every_format_gives_the_candidates_of_the_text(formats, territories, units, kind) -> None:
    for name, paths in formats.items():
        want = Counter(map(_key, find_candidates(read_document(paths["txt"]), territories, units)))
        document = read_document(paths[kind])
        got = Counter(map(_key, find_candidates(document, territories, units)))
        assert got == want, (name, kind, want - got, got - want)
        if kind == "pdf":
            # A printed line is not a paragraph: the PDF gives as many paragraphs as the text
            # has non-empty lines, give or take the title the text breaks over four lines.
            lines = [s for s in paths["txt"].read_text(encoding="utf-8").splitlines() if s.strip()]
            assert abs(len(document.paragraphs) - len(lines)) <= 4, (name, len(lines))


def test_the_printed_pdf_breaks_lines_where_the_text_does_not(formats) -> None:
    """The test is not trivial: Chromium wraps the report's paragraphs into many more lines."""
    path = formats[REPORTS[0]]["pdf"]
    with pdfplumber.open(path) as pdf:
        printed = sum(len((p.extract_text() or "").splitlines()) for p in pdf.pages)
    paragraphs = len(read_document(path).paragraphs)
    assert printed > 2 * paragraphs


# A report of our own words, for the layout a text export never has: two columns, a running
# header and page numbers, words hyphenated at line ends.
OWN_REPORT = [
    "Доклад об обращении с отходами в Кыргызской Республике за 2023 год",
    "Настоящий доклад подготовлен министерством по итогам года и описывает основные "
    "результаты работы в области обращения с отходами, охраны атмосферного воздуха и "
    "экологического просвещения населения.",
    "В течение года продолжалась работа по совершенствованию законодательства, "
    "подготовлены предложения по раздельному сбору отходов, проведены консультации с "
    "муниципалитетами, предприятиями и общественными организациями.",
    "Особое внимание уделялось состоянию полигонов твёрдых коммунальных отходов, их "
    "обустройству, рекультивации выработанных участков и предотвращению возгораний в "
    "летний период.",
    "В ходе общереспубликанских субботников в Бишкеке собрано 3346,259 тонн отходов "
    "морфологического состава.",
    "Собранные отходы вывезены на полигон, пригодные для переработки фракции переданы "
    "перерабатывающим предприятиям, а сведения о них внесены в отчётность муниципалитетов.",
    "Министерство продолжит совместную работу с органами местного самоуправления, "
    "международными партнёрами и общественными объединениями, а также расширит программу "
    "экологического просвещения в школах и колледжах.",
    "Научно-практическая конференция по итогам года собрала представителей ведомств, "
    "университетов и некоммерческих организаций, которые обсудили перспективы развития "
    "отрасли и подготовили рекомендации для правительства.",
] * 1
FIGURE_SENTENCE = OWN_REPORT[4]


def _hyphenable(text: str) -> str:
    """HTML of ``text`` with a soft hyphen every three letters inside words longer than seven,
    so that narrow columns end many lines in a hyphenated word."""

    def soften(m: re.Match[str]) -> str:
        w = m.group()
        return "&shy;".join(w[i : i + 3] for i in range(0, len(w), 3)) if len(w) > 7 else w

    return re.sub(r"[А-Яа-яЁё]+", soften, text)


def test_a_two_column_pdf_with_running_headers_and_hyphens_reads_as_its_paragraphs(
    tmp_path: Path, territories, units
) -> None:
    paragraphs = OWN_REPORT[1:] * 5  # two pages
    body = "".join(f"<p>{_hyphenable(p)}</p>" for p in paragraphs)
    html = tmp_path / "two_columns.html"
    html.write_text(
        '<!doctype html><html lang="ru"><head><meta charset="utf-8"><style>'
        "body{font-family:'DejaVu Serif';font-size:11pt;hyphens:manual}"
        "h1{font-size:16pt}.columns{columns:2;column-gap:28pt;text-align:justify}"
        f"</style></head><body><h1>{OWN_REPORT[0]}</h1><div class=columns>{body}</div>"
        "</body></html>",
        encoding="utf-8",
    )
    pdf = print_pdf(
        html,
        tmp_path / "two_columns.pdf",
        header='<div style="font-size:9px;width:100%;text-align:center">Министерство природных '
        "ресурсов · Доклад за 2023 год</div>",
        footer='<div style="font-size:9px;width:100%;text-align:center">– '
        '<span class="pageNumber"></span> –</div>',
    )
    with pdfplumber.open(pdf) as opened:
        raw = [line for p in opened.pages for line in (p.extract_text() or "").splitlines()]
        pages = len(opened.pages)
    hyphenated = [line for line in raw if re.search(r"[а-яё] ?[-\u00ad\u2010]$", line)]
    assert pages >= 2 and len(hyphenated) >= 5  # the layout this test is about did happen
    assert sum("Доклад за 2023 год" in line for line in raw) == pages  # a header on each page
    # The text layer read line by line interleaves the columns and breaks the figure's sentence.
    assert FIGURE_SENTENCE not in " ".join(raw)

    document = read_document(pdf)
    assert [p.text for p in document.paragraphs] == [OWN_REPORT[0], *paragraphs]
    assert [p.page for p in document.paragraphs][:2] == [1, 1]

    found = [
        c for c in find_candidates(document, territories, units) if c.column == "waste_collected_t"
    ]
    # The paragraph is there five times; each gives the figure once, with its sentence.
    assert len(found) == 5
    for c in found:
        assert (c.value, c.territory_id, c.period) == ("3346.259", "KG-GB", "2023")
        assert c.quote == FIGURE_SENTENCE and document.quote(c.start, c.end) == c.as_written
        assert c.ocr_confidence is None


def test_a_scanned_report_gives_its_figures_by_ocr_with_their_confidence(
    formats, tmp_path: Path, territories, units
) -> None:
    """The first page (for the document's year and country) and the page of the clean-up
    figures of the printed Kyrgyz report, as pictures. OCR's errors allowed: none among these
    figures (every value, territory and period as read from the text); elsewhere a word may be
    misread, so only these figures are compared."""
    printed = formats[REPORTS[0]]["pdf"]
    with pdfplumber.open(printed) as pdf:
        cleanup_page = next(
            n for n, p in enumerate(pdf.pages, 1) if "3346,259" in (p.extract_text() or "")
        )
    scanned = scan(printed, [1, cleanup_page], tmp_path / "scan.pdf")
    with pdfplumber.open(scanned) as pdf:
        assert not any(p.extract_words() for p in pdf.pages)  # no text layer at all

    document = read_document(scanned)
    assert {p.page for p in document.paragraphs} == {1, 2}
    assert all(p.ocr_confidence is not None for p in document.paragraphs)

    def cleanup(found: list[Candidate]) -> Counter:
        """The figures of the clean-up paragraph (one record: its sentence's figures)."""
        record = next(c.record for c in found if c.column == "waste_collected_t")
        return Counter(
            (c.column, c.value, c.territory_id, c.period) for c in found if c.record == record
        )

    text = read_document(formats[REPORTS[0]]["txt"])
    want = cleanup(find_candidates(text, territories, units))
    read = find_candidates(document, territories, units)
    assert len(want) == 8 and cleanup(read) == want
    for c in read:
        assert 0.8 <= c.ocr_confidence <= 1, (c.column, c.ocr_confidence)
