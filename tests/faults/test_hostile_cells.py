"""Hostile files and cells (#27.3, #27.5, #27.6, #27.7): line endings of old Macs, cells longer
than any value, digits of other scripts, implausible years and NUL bytes. Each is read or
rejected row by row, with its reason; never a whole file lost, never a silent empty value."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from assets.staging.check import check_file
from contracts import default_spec, load_contract
from tests.conftest import read_published
from tests.faults.invariants import check_invariants
from tests.faults.test_files_that_change import HEADER, _csv, _run

CLEANUP = load_contract("cleanup")


def _check(tmp_path: Path, data: bytes):
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    return check_file(path, CLEANUP, default_spec("cleanup"))


def _rejected(c) -> dict[int, tuple[str, str, str]]:
    """row -> (rule, column, message) of each example rejection."""
    return {
        r["row_number"]: (r["rule"], r["column_name"], r["message"])
        for r in c.examples.iter_rows(named=True)
    }


@pytest.mark.parametrize("eol", ["\r", "\r\n", "\n"], ids=["cr-only (CSV Macintosh)", "crlf", "lf"])
def test_every_kind_of_line_ending_reads_the_same_rows(tmp_path: Path, eol: str) -> None:
    rows = [HEADER.strip(), "Бишкек;2023-04-01;1", "Ош;2023-04-01;2", "Нарын;2023;3"]
    c = _check(tmp_path, (eol.join(rows) + eol).encode("utf-8"))
    assert (c.rows_read, c.rows_loaded, c.rows_rejected) == (3, 3, 0)


def test_mixed_line_endings_read_every_row(tmp_path: Path) -> None:
    data = HEADER.strip() + "\rБишкек;2023;1\r\nОш;2023;2\nНарын;2023;3\r"
    c = _check(tmp_path, data.encode("cp1251"))
    assert (c.rows_read, c.rows_loaded, c.rows_rejected) == (3, 3, 0)


def test_a_cell_over_the_limit_rejects_its_row_not_the_file(tmp_path: Path) -> None:
    """131,072 characters failed the whole file before (the csv module's field limit); the row
    of rows wider than the header (read by the csv module) and of regular ones alike."""
    long = "x" * 200_000
    data = HEADER + f"Бишкек;2023;{long}\nОш;2023;2\nНарын;2023;3;extra\n"
    c = _check(tmp_path, data.encode("utf-8"))
    assert (c.rows_read, c.rows_loaded) == (3, 1)
    rule, column, message = _rejected(c)[2]
    assert (rule, column) == ("cell_readable", "waste_collected_t")
    assert "200000 characters" in message and "32,767" in message
    value = c.examples.filter(pl.col("row_number") == 2).get_column("value").item()
    assert len(value) < 120 and value.endswith("(200000 characters)")


@pytest.mark.parametrize(
    ("written", "expected"),
    [("１２３", 123.0), ("١٢٣,٥", 123.5), ("۱۲ ۳۴۵", 12345.0), ("१२३", 123.0)],
    ids=["full-width", "arabic-indic", "persian", "devanagari"],
)
def test_digits_of_other_scripts_are_read_never_an_empty_value(
    tmp_path: Path, written: str, expected: float
) -> None:
    from assets.reference.load import reference_in_memory
    from assets.staging.validate import stage

    units, territories, _ = reference_in_memory(None)
    raw = pl.DataFrame(
        {
            "row_number": [2],
            "territory": ["Бишкек"],
            "period": ["２０２３"],
            "waste_collected_t": [written],
        }
    )
    result = stage(raw, CLEANUP, units, territories)
    assert result.rejections.height == 0
    assert result.rows.get_column("waste_collected_t").to_list() == [expected]
    assert result.rows.get_column("period_start").dt.year().to_list() == [2023]
    assert result.digits_read == {"period": 1, "waste_collected_t": 1}


@pytest.mark.parametrize("year", ["0023", "1023", "12.05.0023", "2203"])
def test_an_implausible_year_is_rejected_with_what_was_meant(tmp_path: Path, year: str) -> None:
    c = _check(tmp_path, (HEADER + f"Бишкек;{year};5\n").encode("utf-8"))
    assert c.rows_rejected == 1
    rule, _, message = _rejected(c)[2]
    assert rule == "plausible_year"
    assert "outside 1950-2100" in message and "Did you mean 20" in message


@pytest.mark.parametrize("offset", ["first", "after a megabyte"])
def test_a_nul_byte_rejects_its_row_wherever_it_is(tmp_path: Path, offset: str) -> None:
    """A NUL in the first megabyte failed the whole file as binary; one after it was staged
    into a value. Both now reject their row, and say which."""
    filler = "Ош;2023;1\n" * (0 if offset == "first" else 120_000)
    data = HEADER + filler + "Бишкек;2023;12\x0045,6\n" + "Нарын;2023;3\n"
    c = _check(tmp_path, data.encode("utf-8"))
    assert c.rows_read == c.rows_loaded + 1
    row = len(filler.splitlines()) + 2
    rule, column, message = _rejected(c)[row]
    assert (rule, column) == ("cell_readable", "waste_collected_t")
    assert "NUL byte" in message and "character 3" in message


def test_a_binary_file_still_fails_as_one(tmp_path: Path) -> None:
    from assets.ingest.decode import SubmissionError

    with pytest.raises(SubmissionError, match="not a text file"):
        _check(tmp_path, bytes(range(256)) * 100)


def test_a_run_over_hostile_files_loads_the_rest_and_balances(tmp_path: Path, capsys) -> None:
    """One run: a CR-only file, a long cell, a NUL, full-width digits and a year 0023. Every
    file loads, each bad row is rejected with its rule, and every invariant holds."""
    landing = tmp_path / "home" / "landing" / "cleanup"
    landing.mkdir(parents=True)
    (landing / "mac.csv").write_bytes(
        (HEADER.strip() + "\rБишкек;2023;1\rОш;2023;2\r").encode("cp1251")
    )
    (landing / "cells.csv").write_text(
        HEADER
        + f"Бишкек;2022;{'9' * 40_000}\n"
        + "Ош;2022;１２\n"
        + "Нарын;0023;3\n"
        + "Талас;2022;4\x005\n",
        encoding="utf-8",
    )
    # 3,000 headers the contract does not know made a summary line of 365,677 characters.
    wide = ";".join(f"column {i}" for i in range(3_000))
    (landing / "wide.csv").write_text(
        f"{HEADER.strip()};{wide}\nНарын;2022;3;{';'.join('1' * 3_000)}\n", encoding="utf-8"
    )
    # A dataset folder that is a link out of the landing folder: skipped, said, not followed.
    elsewhere = tmp_path / "elsewhere"
    _csv(elsewhere / "outside.csv", "Бишкек;2022;1")
    (landing.parent / "emissions").symlink_to(elsewhere)
    (landing / "linked_folder").symlink_to(elsewhere)  # and one below a dataset's folder
    code, out = _run(tmp_path / "home", capsys)
    assert code == 0, out
    assert max(len(line) for line in out.splitlines()) < 500
    assert "cleanup/wide.csv: 3000 headers not in the contract" in out and "and 2990 more" in out
    assert "skipped emissions/outside.csv: a link to" in out and "outside the landing" in out
    assert "skipped cleanup/linked_folder: a link to" in out
    con = read_published(tmp_path / "home")
    try:
        files = dict(
            con.execute(
                "select path, (status, rows_read, rows_loaded, rows_rejected) from audit.source_files "
                "where path not in ('wide.csv', 'linked_folder') and dataset = 'cleanup'"
            ).fetchall()
        )
        rules = con.execute(
            "select row_number, rule from audit.current_rejections where path = 'cells.csv' "
            "order by row_number"
        ).fetchall()
        notes = con.execute("select notes from audit.source_files where path = 'cells.csv'")
        notes = notes.fetchone()[0]
    finally:
        con.close()
    assert files == {"mac.csv": ("loaded", 2, 2, 0), "cells.csv": ("loaded", 4, 1, 3)}
    assert rules == [
        (2, "cell_readable"),
        (4, "plausible_year"),
        (4, "plausible_year"),
        (5, "cell_readable"),
    ]
    assert "digits of another script read as 0-9 in 1 cell of waste_collected_t" in notes
    check_invariants(tmp_path / "home")


def _bomb(path: Path, unpacked_mb: int) -> Path:
    """A workbook whose sheet XML unpacks to ``unpacked_mb`` MB of one repeated row."""
    import zipfile

    from openpyxl import Workbook

    good = path.with_suffix(".good.xlsx")
    book = Workbook()
    book.active.append(["Территория", "Дата", "Собрано, т"])
    book.save(good)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, src.read(item))
                continue
            xml = src.read(item)
            head, tail = xml.split(b"</sheetData>")
            with dst.open(item.filename, "w", force_zip64=True) as out:
                out.write(head)
                block = row * (2**20 // len(row))
                for _ in range(unpacked_mb):
                    out.write(block)
                out.write(b"</sheetData>" + tail)
    good.unlink()
    return path


def test_a_zip_bomb_workbook_is_refused_in_seconds(tmp_path: Path) -> None:
    """A 6 GB sheet behind a small file was read until killed after 260 s: now the archive's
    sizes are checked before anything is unpacked."""
    import time

    from assets.ingest.decode import SubmissionError

    bomb = _bomb(tmp_path / "bomb.xlsx", unpacked_mb=64)
    assert bomb.stat().st_size < 2 * 2**20
    started = time.perf_counter()
    with pytest.raises(SubmissionError, match=r"unpacks .* times its packed size"):
        check_file(bomb, CLEANUP, default_spec("cleanup"))
    assert time.perf_counter() - started < 10  # a bound against reading it, not a benchmark


def test_a_workbook_over_the_declared_size_or_rows_is_refused(tmp_path: Path, monkeypatch):
    from openpyxl import Workbook

    import assets.ingest.cells as cells_module
    from assets.ingest.decode import SubmissionError
    from contracts.limits import limits

    book = Workbook()
    book.active.append(["Территория", "Дата", "Собрано, т"])
    for i in range(30):
        book.active.append(["Бишкек", 2000 + i, i])
    path = tmp_path / "rows.xlsx"
    book.save(path)
    assert check_file(path, CLEANUP, default_spec("cleanup")).rows_read == 30
    declared = limits()
    monkeypatch.setattr(
        cells_module, "limits", lambda: declared.model_copy(update={"xlsx_max_rows": 20})
    )
    with pytest.raises(SubmissionError, match="goes beyond 20 rows"):
        check_file(path, CLEANUP, default_spec("cleanup"))
    monkeypatch.setattr(
        cells_module,
        "limits",
        lambda: declared.model_copy(update={"xlsx_max_unpacked_mb": 0.001}),
    )
    with pytest.raises(SubmissionError, match=r"unpacks to .* MB, more than"):
        check_file(path, CLEANUP, default_spec("cleanup"))


def test_a_workbook_with_a_wrong_used_range_is_read_whole(tmp_path: Path) -> None:
    """Read in a stream, a sheet is read to its last row even when its header claims less
    (some programs write A1): no row is lost to the faster reader."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Территория", "Дата", "Собрано, т"])
    for i in range(5):
        book.active.append(["Бишкек", 2020 + i, i + 1])
    good = tmp_path / "good.xlsx"
    book.save(good)
    lying = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(lying, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:C6"/>', b'<dimension ref="A1"/>')
                assert b'<dimension ref="A1"/>' in data
            dst.writestr(item, data)
    assert check_file(lying, CLEANUP, default_spec("cleanup")).rows_loaded == 5
