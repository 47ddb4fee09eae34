"""Every file under landing/ is accounted for (#30.1): one in landing/ itself or in a folder
that is no dataset's vanished from the summary, the audit and the report while the run said
SUCCESS. It is recorded as skipped with where it belongs, named in the summary and the report
(with "did you mean" for a near-miss folder name), and forgotten once it is moved."""

from __future__ import annotations

from pathlib import Path

from assets.ingest.load import misplaced_files
from contracts import datasets
from tests.conftest import read_published
from tests.faults.test_files_that_change import _csv, _run


def test_files_in_no_datasets_folder_are_named_with_where_they_belong(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    _csv(landing / "cleanup" / "ok.csv", "Бишкек;2023;1")
    _csv(landing / "root.csv", "Бишкек;2023;1")
    _csv(landing / "emission" / "sub" / "e.csv", "Бишкек;2023;1")
    _csv(landing / "Cleanup" / "c.csv", "Бишкек;2023;1")
    _csv(landing / "misc" / "m.csv", "Бишкек;2023;1")
    (landing / ".DS_Store").write_bytes(b"\0")
    found = {s.path: s.reason for s in misplaced_files(landing, datasets())}
    assert set(found) == {
        ".DS_Store",
        "Cleanup/c.csv",
        "emission/sub/e.csv",
        "misc/m.csv",
        "root.csv",
    }
    assert found["root.csv"].startswith("in landing/ itself, not in a dataset's folder")
    assert (
        "in landing/emission/, which is no dataset's folder: did you mean emissions/?"
        in (found["emission/sub/e.csv"])
    )
    assert "did you mean cleanup/?" in found["Cleanup/c.csv"]
    assert (
        "did you mean" not in found["misc/m.csv"] and "cleanup/, coal_usage/" in found["misc/m.csv"]
    )
    assert found[".DS_Store"] == "a hidden file: not a submission"


def test_a_run_names_them_and_forgets_them_once_moved(tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    _csv(home / "landing" / "cleanup" / "ok.csv", "Бишкек;2023-04-01;1")
    _csv(home / "landing" / "root.csv", "Ош;2023-04-01;2")
    _csv(home / "landing" / "emission" / "e.csv", "Ош;2023-04-01;2")
    code, out = _run(home, capsys)
    assert code == 0, out
    assert "  cleanup/ok.csv: loaded 1 of 1 rows\n" in out  # #30.5: each file's outcome
    assert "  (files: current versions, loaded or failed; dupl.: copies" in out  # the columns said
    assert "skipped landing/root.csv: in landing/ itself" in out
    assert (
        "skipped landing/emission/e.csv: in landing/emission/, which is no dataset's folder: did you mean emissions/?"
        in out
    )
    report = (home / "reports" / "validation_report.html").read_text(encoding="utf-8")
    assert "landing/emission/e.csv" in report and "landing//" not in report
    con = read_published(home)
    try:
        skipped = con.execute(
            "select path from audit.source_files where dataset = '' and status = 'skipped' "
            "order by path"
        ).fetchall()
    finally:
        con.close()
    assert skipped == [("emission/e.csv",), ("root.csv",)]
    # Moved where it belongs: loaded, and no longer said to be in the wrong place.
    (home / "landing" / "root.csv").rename(home / "landing" / "cleanup" / "root.csv")
    code, out = _run(home, capsys)
    assert code == 0, out
    assert "skipped landing/root.csv" not in out
    assert "skipped landing/emission/e.csv" in out
    con = read_published(home)
    try:
        statuses = {
            (ds, path): status
            for ds, path, status in con.execute(
                "select dataset, path, status from audit.source_files"
            ).fetchall()
        }
    finally:
        con.close()
    assert statuses[("cleanup", "root.csv")] == "loaded"
    assert statuses[("", "root.csv")] == "removed"  # the audit keeps that it was there
    assert statuses[("", "emission/e.csv")] == "skipped"
