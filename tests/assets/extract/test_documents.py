"""Narrative reports read into text with positions (assets/extract/documents.py): every kind of
document a ministry publishes, and clear messages for those that give no text."""

from __future__ import annotations

import hashlib
import stat
import subprocess
from pathlib import Path

import docx
import pytest

from assets.extract.documents import DocumentError, read_document, store_document

SHARED_DOCS = Path(__file__).resolve().parents[4] / "shared" / "docs"


def _pdf(path: Path, text: str | None) -> Path:
    """A one-page PDF, with a line of text or none at all (as a scan without OCR is)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def test_a_published_report_is_read_with_the_offsets_of_every_paragraph() -> None:
    path = SHARED_DOCS / "kyrgyz_ministry_results_2023.txt"
    if not path.exists():
        pytest.fail(f"{path} not found: tests expect ../shared/docs beside the repository")
    doc = read_document(path)
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert doc.kind == "text" and len(doc.paragraphs) > 20
    for p in doc.paragraphs:
        assert doc.quote(p.start, p.end) == p.text and p.text == p.text.strip()
    found = [p for p in doc.paragraphs if "3346,259" in p.text]
    assert len(found) == 1  # the clean-up tonnage, in one paragraph
    at = doc.text.index("3346,259")
    assert found[0].start <= at < found[0].end


def test_html_word_and_pdf_give_their_text_in_reading_order(tmp_path: Path) -> None:
    html = tmp_path / "news.html"
    html.write_text(
        "<html><head><title>x</title><style>p{}</style></head><body>"
        "<h1>Итоги</h1><p>Собрано 620,922 т&nbsp;отходов.</p><script>var a = 1;</script>"
        "<table><tr><td>Пластик</td><td>425,885 т</td></tr></table></body></html>",
        encoding="utf-8",
    )
    assert [p.text for p in read_document(html).paragraphs] == [
        "Итоги",
        "Собрано 620,922 т\xa0отходов.",
        "Пластик\t425,885 т",  # a table row is a line, its cells separated by tabs
    ]
    word = tmp_path / "report.docx"
    document = docx.Document()
    document.add_paragraph("Собрано 3 346,259 т отходов.")
    document.add_table(rows=1, cols=2).rows[0].cells[1].text = "2,3 га"
    document.save(str(word))
    assert [p.text for p in read_document(word).paragraphs] == [
        "Собрано 3 346,259 т отходов.",
        "2,3 га",
    ]
    pdf = read_document(_pdf(tmp_path / "report.pdf", "Coal use fell by 3,600 t"))
    (line,) = pdf.paragraphs
    assert (line.text, line.page, pdf.kind) == ("Coal use fell by 3,600 t", 1, "pdf")


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("scan.pdf", None, "gives no text, even by OCR"),
        ("empty.txt", b"  \n", "is empty"),
        ("old.doc", b"\xd0\xcf\x11\xe0 old Word", "ecostat reads .docx, .htm, .html, .jpeg"),
        ("broken.docx", b"not a zip at all", "is not a readable Word document"),
        ("broken.pdf", b"%PDF-1.4 garbage", "is not a readable PDF"),
    ],
)
def test_documents_without_text_are_refused_with_what_to_do(
    tmp_path: Path, name: str, content: bytes | None, says: str
) -> None:
    path = tmp_path / name
    if name == "scan.pdf":
        _pdf(path, None)
    else:
        path.write_bytes(content)
    with pytest.raises(DocumentError, match=r".") as refused:
        read_document(path)
    assert says in str(refused.value) and name in str(refused.value)


def test_a_document_is_kept_by_its_checksum_read_only_and_once(tmp_path: Path) -> None:
    source = tmp_path / "Report 2023.TXT"
    source.write_text("Собрано 620,922 т", encoding="utf-8")
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    kept = store_document(tmp_path / "documents", source, sha)
    assert kept.name == f"{sha}.txt" and kept.read_bytes() == source.read_bytes()
    assert not kept.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert store_document(tmp_path / "documents", source, sha) == kept
    assert [p.name for p in (tmp_path / "documents").iterdir()] == [kept.name]


def test_a_word_document_gives_paragraphs_and_table_rows_in_the_order_they_stand(
    tmp_path: Path,
) -> None:
    word = tmp_path / "events.docx"
    document = docx.Document()
    document.add_paragraph("Мероприятия совета за IV квартал 2023 года")
    table = document.add_table(rows=3, cols=3)
    for cells, row in zip(
        table.rows,
        [["№", "Дата", "Мероприятие"], ["1", "04.10.2023", "Круглый стол"], ["2", "", ""]],
        strict=True,
    ):
        for cell, value in zip(cells.cells, row, strict=True):
            cell.text = value
    merged = table.rows[2].cells[1].merge(table.rows[2].cells[2])
    merged.text = "06.10.2023 Заседание"
    document.add_paragraph("Итого 2 мероприятия.")
    document.save(str(word))
    assert [p.text for p in read_document(word).paragraphs] == [
        "Мероприятия совета за IV квартал 2023 года",
        "№\tДата\tМероприятие",
        "1\t04.10.2023\tКруглый стол",
        "2\t06.10.2023 Заседание",  # a merged cell once
        "Итого 2 мероприятия.",
    ]


def _cyrillic_font() -> str:
    found = subprocess.run(
        ["fc-match", "-f", "%{file}", "DejaVu Sans:lang=ru"], capture_output=True, text=True
    ).stdout
    if not found:
        pytest.fail("no font with Cyrillic letters (fc-match): install fonts-dejavu-core")
    return found


def test_a_scanned_image_is_read_by_ocr_with_its_confidence(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1400, 220), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(_cyrillic_font(), 44)
    draw.text((40, 40), "В 2023 году собрано 3346,259 тонн", font=font, fill="black")
    draw.text((40, 110), "отходов морфологического состава.", font=font, fill="black")
    image.save(tmp_path / "page.png")
    (paragraph,) = read_document(tmp_path / "page.png").paragraphs
    assert paragraph.text == "В 2023 году собрано 3346,259 тонн отходов морфологического состава."
    assert paragraph.page == 1 and 0.8 <= paragraph.ocr_confidence <= 1


def test_a_scan_without_an_ocr_engine_says_how_to_install_one(tmp_path: Path, monkeypatch):
    import pytesseract

    from assets.extract import ocr

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "none"))
    ocr.languages.cache_clear()
    try:
        with pytest.raises(
            DocumentError,
            match=r"scan.pdf \(page 1 is a scan\): reading it needs OCR, but Tesseract is not "
            "installed: install Tesseract with `make ocr`",
        ):
            read_document(_pdf(tmp_path / "scan.pdf", None))
    finally:
        ocr.languages.cache_clear()
    monkeypatch.undo()  # Tesseract back; a language it does not have asked for
    monkeypatch.setenv("ECOSTAT_OCR_LANGUAGES", "rus+xyz")
    try:
        with pytest.raises(DocumentError, match="asks for xyz, which Tesseract does not have"):
            read_document(_pdf(tmp_path / "scan.pdf", None))
    finally:
        ocr.languages.cache_clear()


def test_tesseract_failing_on_a_scan_is_that_documents_message(tmp_path: Path, monkeypatch):
    import pytesseract
    from PIL import Image

    def fails(*args, **kwargs):
        raise pytesseract.TesseractError(1, "Failed loading language 'kir'")

    monkeypatch.setattr(pytesseract, "image_to_data", fails)
    Image.new("L", (200, 80), "white").save(tmp_path / "page.png")
    with pytest.raises(DocumentError, match=r"page.png: Tesseract could not read it \(Failed"):
        read_document(tmp_path / "page.png")
