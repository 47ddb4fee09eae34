"""`ecostat extract` end to end (#18): a report read, its figures reviewed in the workbook,
accepted, loaded by a run like any file, and traced back to the sentence."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.cli import main
from tests.conftest import mark_review

DOCS = Path(__file__).resolve().parents[3] / "shared" / "docs"
KG = DOCS / "kyrgyz_ministry_results_2023.txt"


def _sentence_of(figure: str) -> str:
    """The sentence of the report that holds ``figure``, read from ../shared/docs (the
    repository holds no sentence of the documents)."""
    from assets.extract.candidates import _sentences

    for line in KG.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        for a, b in _sentences(line):
            if figure in line[a:b]:
                return line[a:b].strip()
    raise AssertionError(f"{figure} is not in {KG.name}")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A home whose only submission is the clean-up figures of the Kyrgyz report, one edited."""
    home = tmp_path_factory.mktemp("home")
    review = home / "review.xlsx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ECOSTAT_HOME", str(home))
        assert main(["extract", str(KG), "--out", str(review)]) == 0
        mark_review(
            review,
            lambda row: (
                {}
                if row["dataset"] != "cleanup"
                else {"decision": "edit", "value": "425.9"}
                if row["column"] == "plastic_t"
                else {"decision": "accept"}
            ),
        )
        assert main(["extract", "--accept", str(review)]) == 0
        assert main(["run"]) == 0
    return home


def _trace(home: Path, capsys) -> str:
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ECOSTAT_HOME", str(home))
        assert (
            main(
                ["trace", "marts.region_year_indicators", "territory_id=KG", "year=2023",
                 "indicator=cleanup_waste_collected_t"]
            )
            == 0
        )  # fmt: skip
    return capsys.readouterr().out


def test_a_figure_extracted_accepted_and_loaded_traces_to_its_sentence(loaded, capsys):
    out = _trace(loaded, capsys)
    assert "landing/cleanup/extracted_" in out and "spec extracted_figures" in out
    assert "from the report kyrgyz_ministry_results_2023.txt" in out
    assert "waste_collected_t “3346,259 тн”" in out
    assert f"quote: «{_sentence_of('3346,259 тн')}»" in out
    # The edit is loaded as edited, and recorded with what it replaced.
    assert "plastic_t: '425.9' -> 425.9" in out
    assert "edited in review: value '425.885' -> '425.9'" in out


def test_the_report_quotes_the_sentence(loaded):
    html = (loaded / "reports" / "validation_report.html").read_text(encoding="utf-8")
    assert "From the report <b>kyrgyz_ministry_results_2023.txt</b>" in html
    assert f"«{_sentence_of('3346,259 тн')}»" in html
    assert "Edited in review: value 425.885 → 425.9" in html


def test_without_the_document_the_trace_says_so(loaded, tmp_path, capsys):
    documents = loaded / "documents"
    shutil.move(documents, tmp_path / "away")  # the warehouse reads only inside its home
    try:
        out = _trace(loaded, capsys)
    finally:
        shutil.move(tmp_path / "away", documents)
    assert "paragraph 65" in out and "quote:" not in out
    assert "is not in this home's documents/ folder" in out


def test_only_reviewed_rows_landed(loaded):
    landed = sorted(
        p.relative_to(loaded / "landing").as_posix() for p in (loaded / "landing").rglob("*.csv")
    )
    assert len(landed) == 1 and landed[0].startswith("cleanup/extracted_")


def test_documents_ecostat_cannot_read_get_clear_messages(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ECOSTAT_HOME", str(tmp_path / "home"))
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    scanned = tmp_path / "scan.pdf"
    _image_only_pdf(scanned)
    old = tmp_path / "old.doc"
    old.write_bytes(b"\xd0\xcf\x11\xe0 old word")
    assert (
        main(
            [
                "extract",
                str(empty),
                str(scanned),
                str(old),
                str(DOCS / "zhaik_caspian_aarhus_centre_activities.txt"),
            ]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert "empty.txt is empty: nothing to read" in captured.err
    assert "scan.pdf gives no text, even by OCR" in captured.err
    assert "old.doc: ecostat reads" in captured.err and "save it as one of those" in captured.err
    # A readable document with no figure says so, and nothing is written to review.
    assert (
        "zhaik_caspian_aarhus_centre_activities.txt: no figure any dataset's rules recognise"
        in captured.out
    )
    assert "Review workbook" not in captured.out
    assert "Traceback" not in captured.out + captured.err
    assert not (tmp_path / "home" / "landing").exists()


def _image_only_pdf(path: Path) -> None:
    """A one-page PDF holding a picture and no text, as a scanner writes it."""
    from PIL import Image

    Image.new("RGB", (200, 100), "white").save(path, "PDF")


def test_the_dashboards_sources_view_quotes_the_sentence(loaded):
    """#30.8: a figure taken from a report shows, in the dashboard's Sources view, the document
    and the sentence it stands in (headless Chromium)."""
    from tests.browser import open_page

    fragment = "indicator=cleanup_waste_collected_t&level=country&figure=KG:2023"
    with open_page(loaded / "reports" / "dashboard.html", fragment=fragment) as visit:
        page = visit.page
        page.wait_for_selector("#sources-body:not([hidden])")
        view = page.locator("#sources-body")
        assert "landing/cleanup/extracted_" in view.inner_text()
        assert "kyrgyz_ministry_results_2023.txt" in view.inner_text()
        assert view.locator("blockquote").first.inner_text() == _sentence_of("3346,259 тн")
        assert visit.console_errors == [] and visit.external_requests == []
