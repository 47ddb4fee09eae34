"""Review before use (assets/extract/review.py): the workbook, accept, edit, reject, and
nothing landed without a person's mark."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assets.extract.candidates import find_candidates
from assets.extract.documents import read_document
from assets.extract.review import (
    COLUMNS,
    ReviewError,
    accept,
    read_review,
    save_candidates,
    write_review,
)
from contracts.vocabulary import Units
from tests.conftest import REFERENCE, mark_review

DOCS = Path(__file__).resolve().parents[4] / "shared" / "docs"
KG = DOCS / "kyrgyz_ministry_results_2023.txt"


@pytest.fixture(scope="module")
def extracted(territories, tmp_path_factory):
    """The Kyrgyz report's candidates, kept as `ecostat extract` keeps them, and a workbook."""
    units = Units.from_csv(REFERENCE / "units.csv", REFERENCE / "scales.csv")
    document = read_document(KG)
    candidates = find_candidates(document, territories, units)
    folder = tmp_path_factory.mktemp("extractions")
    save_candidates(folder, document.sha256, candidates)
    return document, candidates, folder


def _marked(extracted, tmp_path: Path, marks) -> Path:
    """A new workbook with ``marks(row) -> {column: value}`` applied to each row."""
    xlsx, _ = write_review(extracted[1], tmp_path / "review.xlsx")
    mark_review(xlsx, marks)
    return xlsx


def test_the_workbook_has_one_row_per_candidate_sorted_by_dataset_with_its_quote(
    extracted, tmp_path
):
    _, candidates, _ = extracted
    xlsx, csv_path = write_review(candidates, tmp_path / "r.xlsx")
    sheet = load_workbook(xlsx)["candidates"]
    header = [c.value for c in sheet[1]]
    assert header == COLUMNS
    assert header.index("quote") < header.index("document")  # the quote beside the values
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(candidates)
    datasets = [r[header.index("dataset")] for r in rows]
    assert datasets == sorted(datasets)
    assert all(r[header.index("decision")] is None for r in rows)  # nobody decided yet
    plastic = next(r for r in rows if r[header.index("column")] == "plastic_t")
    assert "425,885 тн" in plastic[header.index("quote")]
    assert sheet.data_validations.dataValidation[0].formula1 == '"accept,edit,reject"'
    with csv_path.open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == len(candidates)


def test_nothing_lands_without_a_mark(extracted, tmp_path):
    _, candidates, folder = extracted
    xlsx = _marked(extracted, tmp_path, lambda row: {})
    done = accept(xlsx, folder, tmp_path / "landing")
    assert (done.accepted, done.edited, done.not_reviewed) == (0, 0, len(candidates))
    assert done.files == [] and not (tmp_path / "landing").exists()


def test_accepted_and_edited_rows_land_as_one_row_per_record_with_the_edit_recorded(
    extracted, tmp_path
):
    national = next(c.record for c in extracted[1] if c.column == "plastic_t")

    def marks(row):
        if row["record"] != national:
            return {"decision": "reject"}
        if row["column"] == "plastic_t":
            return {"decision": "edit", "value": "425.9"}
        return {"decision": "accept"}

    done = accept(_marked(extracted, tmp_path, marks), extracted[2], tmp_path / "landing")
    assert (done.accepted, done.edited) == (7, 1) and done.rows == 1  # the 8 figures, one row
    (path,) = done.files
    assert path.parent.name == "cleanup" and path.name.startswith("extracted_")
    with path.open(encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["territory"], row["period"], row["plastic_t"], row["glass_t"]) == (
        "KG", "2023", "425.9", "197",
    )  # fmt: skip
    cells = json.loads(row["extracted_from"])["cells"]
    assert cells["plastic_t"]["edited"] == {"value": {"from": "425.885", "to": "425.9"}}
    assert cells["glass_t"]["edited"] == {}
    assert cells["plastic_t"]["as_written"] == "425,885 тн"
    assert any("425.885" in line and "425.9" in line for line in done.edits)
    # The same review accepted again lands the same file, unchanged.
    before = path.stat().st_mtime_ns
    accept(_marked(extracted, tmp_path, marks), extracted[2], tmp_path / "landing")
    assert path.stat().st_mtime_ns == before


def test_positions_come_from_the_extraction_not_from_the_workbook(extracted, tmp_path):
    """A reviewer cannot move a figure to another sentence by editing cells."""

    def marks(row):
        return (
            {"decision": "accept", "start": 1, "paragraph": 1} if row["column"] == "glass_t" else {}
        )

    done = accept(_marked(extracted, tmp_path, marks), extracted[2], tmp_path / "landing")
    with done.files[0].open(encoding="utf-8") as f:
        cells = json.loads(next(csv.DictReader(f))["extracted_from"])["cells"]
    glass = next(c for c in extracted[1] if c.column == "glass_t")
    assert (cells["glass_t"]["start"], cells["glass_t"]["paragraph"]) == (
        glass.start, glass.paragraph,
    )  # fmt: skip


def test_an_unknown_mark_stops_the_whole_review_and_names_the_rows(extracted, tmp_path):
    def marks(row):
        return {"decision": "maybe"} if row["column"] == "glass_t" else {"decision": "accept"}

    with pytest.raises(
        ReviewError, match=r"row \d+: decision 'maybe'; write accept, edit or reject"
    ):
        accept(_marked(extracted, tmp_path, marks), extracted[2], tmp_path / "landing")
    assert not (tmp_path / "landing").exists()


def test_a_review_from_another_home_says_to_extract_first(extracted, tmp_path):
    xlsx = _marked(extracted, tmp_path, lambda row: {"decision": "accept"})
    with pytest.raises(ReviewError, match="run `ecostat extract` on the document"):
        accept(xlsx, tmp_path / "elsewhere", tmp_path / "landing")


def test_a_row_the_run_would_reject_is_said_at_accept(extracted, tmp_path):
    def marks(row):
        return {"decision": "accept"} if row["dataset"] == "waste_facilities" else {}

    done = accept(_marked(extracted, tmp_path, marks), extracted[2], tmp_path / "landing")
    assert any("no facility_name" in w for w in done.warnings)

    def named(row):
        return (
            {
                "decision": "edit",
                "other_values": row["other_values"] + "; facility_name=Инсинератор",
            }
            if row["dataset"] == "waste_facilities"
            else {}
        )

    done = accept(_marked(extracted, tmp_path, named), extracted[2], tmp_path / "landing")
    assert done.warnings == [] and done.edited == 1


def test_the_csv_twin_is_accepted_too(extracted, tmp_path):
    _, candidates, folder = extracted
    _, csv_path = write_review(candidates, tmp_path / "r.xlsx")
    rows = read_review(csv_path)
    for r in rows:
        r["decision"] = "принять" if r["column"] == "plastic_t" else ""
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: r[k] for k in COLUMNS} for r in rows)
    done = accept(csv_path, folder, tmp_path / "landing")
    assert done.accepted == 1 and done.rows == 1


def test_a_damaged_workbook_is_refused_with_what_to_do(tmp_path):
    bad = tmp_path / "review.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ReviewError, match="save it again from Excel"):
        read_review(bad)
