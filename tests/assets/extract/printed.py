"""A report in the formats ministries publish it in, made in the test run from its text: HTML,
a Word document, a PDF printed by Chromium (Debian's package, driven by Playwright), and a scan
of that PDF (its pages rasterised at 300 dpi into a PDF of pictures, with no text layer).

A line with tabs is a table row, as in the shared reports; every other non-empty line is a
paragraph."""

from __future__ import annotations

import html
from pathlib import Path

from tests.browser import FLAGS, chromium_path


def _blocks(text: str) -> list[str | list[list[str]]]:
    """Paragraphs, and tables as lists of rows, in order."""
    out: list[str | list[list[str]]] = []
    for line in text.splitlines():
        if "\t" in line:
            if out and isinstance(out[-1], list):
                out[-1].append(line.split("\t"))
            else:
                out.append([line.split("\t")])
        elif line.strip():
            out.append(line.strip())
    return out


def to_html(text: str, style: str = "", title: str = "report") -> str:
    body = []
    for block in _blocks(text):
        if isinstance(block, str):
            body.append(f"<p>{html.escape(block)}</p>")
        else:
            rows = "".join(
                "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                for row in block
            )
            body.append(f'<table border="1" cellspacing="0">{rows}</table>')
    return (
        f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>body{{font-family:'DejaVu Serif';font-size:12pt}}{style}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )


def to_docx(text: str, path: Path) -> Path:
    import docx

    document = docx.Document()
    for block in _blocks(text):
        if isinstance(block, str):
            document.add_paragraph(block)
        else:
            width = max(len(row) for row in block)
            table = document.add_table(rows=len(block), cols=width)
            for cells, row in zip(table.rows, block, strict=True):
                for cell, value in zip(cells.cells, row, strict=False):
                    cell.text = value
    document.save(str(path))
    return path


def print_pdf(html_path: Path, pdf_path: Path, header: str = "", footer: str = "") -> Path:
    """Print an HTML page to PDF as Chromium does, with a running header and footer when given
    (HTML; a <span class="pageNumber"> is the page's number)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(html_path.as_uri(), wait_until="load")
            page.pdf(
                path=str(pdf_path),
                format="A4",
                display_header_footer=bool(header or footer),
                header_template=header or "<span></span>",
                footer_template=footer or "<span></span>",
                margin={"top": "60px", "bottom": "60px", "left": "50px", "right": "50px"},
            )
        finally:
            browser.close()
    return pdf_path


def scan(pdf_path: Path, pages: list[int], out: Path) -> Path:
    """The given pages (1-based) of a PDF as a scan: pictures at 300 dpi, no text layer."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    try:
        images = [pdf[n - 1].render(scale=300 / 72).to_pil().convert("L") for n in pages]
    finally:
        pdf.close()
    images[0].save(out, save_all=True, append_images=images[1:], resolution=300)
    return out
