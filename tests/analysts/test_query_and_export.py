"""Analysts' tools as a person uses them: ecostat query and ecostat export on the embedded
default, the published lake that keeps readers and runs apart, and the data dictionary."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from pipelines.cli import main
from tests.conftest import run_pipeline
from warehouse.dictionary import DICTIONARY_PATH, markdown, table_docs
from warehouse.query import (
    FORMULA_START,
    WriteRefused,
    check_read_only,
    format_table,
    spreadsheet_safe,
)

KG_2023 = "select territory_name_ru, territory_name_en, year, waste_collected_t from marts.cleanup_comparison where year = 2023 order by territory_id"


@pytest.fixture
def home_env(seeded_home: Path, monkeypatch) -> Path:
    monkeypatch.setenv("ECOSTAT_HOME", str(seeded_home))
    return seeded_home


def test_query_prints_an_aligned_table_with_cyrillic(home_env, capsys) -> None:
    assert main(["query", KG_2023]) == 0
    out = capsys.readouterr().out
    assert "Кыргызская Республика" in out and "3,346.259" in out
    lines = [line for line in out.splitlines() if line.startswith(("│", "┌", "└", "├"))]
    assert len({len(line) for line in lines}) == 1  # every row as wide as the frame
    assert "str" not in out.split() and "f64" not in out.split()  # no rows of types


def test_the_terminal_shows_numbers_as_people_read_them() -> None:
    frame = pl.DataFrame(
        {
            "year": [2018, 2024],
            "territory_id": ["KG", "KG-GB"],
            "value": [1e6, 0.000000123],
            "participants": [133_500, None],
            "note": ["a long note " * 12, None],
        }
    )
    text = format_table(frame, width=80)
    assert "2018" in text and "2,018" not in text  # a year, not a quantity
    assert "1,000,000" in text and "0.000000123" in text and "e-07" not in text
    assert "133,500" in text and "null" not in text and "None" not in text
    assert max(len(line) for line in text.splitlines()) <= 80  # long text wraps to the width
    wide = format_table(frame, wide=True, width=80)
    assert max(len(line) for line in wide.splitlines()) > 120  # --wide: one line per row
    # #30.9: a year read through an expression prints plain too; a count of years is a count.
    summary = pl.DataFrame({"max(year)": [2025], "count(year)": [12_000]})
    shown = format_table(summary, width=80)
    assert "2025" in shown and "2,025" not in shown and "12,000" in shown
    assert format_table(frame, max_rows=1).endswith(
        "2 rows, the first 1 shown (--max-rows N, or --out FILE for all)"
    )


def test_a_result_wider_than_the_terminal_never_breaks_a_number() -> None:
    """#30.7: a wide mart printed 2-4-character vertical columns and numbers broken digit by
    digit. Too wide for the terminal, it prints as records, one field a line, every number
    whole; narrow enough, as a table whose numbers are never folded."""
    frame = pl.DataFrame(
        {"territory_id": ["KG", "RU-KEM"], "year": [2023, 2024]}
        | {f"indicator_{i}_per_1000": [1_234_567.891 * i, 42.5] for i in range(1, 15)}
    )
    text = format_table(frame, width=80)
    assert text.startswith("─[ row 1 ]")
    assert "indicator_14_per_1000 │ 17,283,950.474" in text
    assert "year                  │ 2023" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    narrow = format_table(frame.select("territory_id", "year", "indicator_9_per_1000"), width=50)
    assert " 11,111,111.019 │" in narrow and narrow.startswith("┌")


def test_excel_has_plain_years_a_filter_and_a_frozen_header(home_env, tmp_path) -> None:
    sql = "select territory_id, year, value, n_sources from marts.region_year_indicators limit 5"
    assert main(["query", sql, "--out", str(tmp_path / "r.xlsx")]) == 0
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    (table,) = sheet.tables.values()
    assert table.autoFilter is not None and table.autoFilter.ref == table.ref
    assert sheet.freeze_panes == "A2"
    formats = {sheet.cell(1, c).value: sheet.cell(2, c).number_format for c in range(1, 5)}
    assert formats["year"] == "0"  # 2018, never "2,018"
    assert formats["n_sources"].startswith("#,##0")


def test_excel_quantities_have_the_decimals_their_figures_have(tmp_path) -> None:
    """#30 polish: every float showed three decimals (9,000.000 t)."""
    import polars as pl

    from warehouse.query import write_frame

    frame = pl.DataFrame(
        {
            "whole_t": [9000.0, 12000.0, None],
            "tonnes": [9000.0, 620.922, 3346.259],
            "share": [0.5, 0.25, 0.125],
            "events": [4, 136, 1],
        }
    )
    write_frame(frame, tmp_path / "q.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "q.xlsx").active
    formats = {sheet.cell(1, c).value: sheet.cell(2, c).number_format for c in range(1, 5)}
    assert formats == {
        "whole_t": "#,##0",
        "tonnes": "#,##0.000",
        "share": "#,##0.000",
        "events": "#,##0",
    }
    assert sheet.cell(3, 2).value == 620.922  # the value itself is never rounded


@pytest.mark.parametrize(
    "sql",
    [
        "drop table marts.cleanup_comparison",
        "insert into marts.cleanup_comparison select * from marts.cleanup_comparison",
        "copy marts.cleanup_comparison to 'x.csv'",
        "attach 'other.duckdb'",
        "select 1; drop table marts.cleanup_comparison",
        "explain analyze copy (select 1) to 'x.csv'",
        "EXPLAIN (FORMAT json) copy (select 1) to 'x.csv'",
        "explain delete from marts.cleanup_comparison",
    ],
)
def test_a_statement_that_would_write_is_refused(home_env, capsys, sql) -> None:
    assert main(["query", sql]) == 2
    err = capsys.readouterr().err
    assert "ecostat query:" in err
    with pytest.raises(WriteRefused):
        check_read_only(sql)
    con = duckdb.connect(str(home_env / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from marts.cleanup_comparison").fetchall()[0][0] > 0
    finally:
        con.close()


def test_query_writes_csv_parquet_and_excel(home_env, tmp_path, capsys) -> None:
    for name in ("r.csv", "r.parquet", "r.xlsx"):
        assert main(["query", KG_2023, "--out", str(tmp_path / name)]) == 0
    assert "rows written to" in capsys.readouterr().out
    csv = pl.read_csv(tmp_path / "r.csv")
    parquet = pl.read_parquet(tmp_path / "r.parquet")
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx").active
    assert (
        csv.get_column("territory_name_ru").to_list()
        == parquet.get_column("territory_name_ru").to_list()
    )
    assert [c.value for c in sheet[1]] == parquet.columns
    assert sheet.cell(2, 1).value == "Кыргызская Республика"
    assert main(["query", KG_2023, "--out", str(tmp_path / "r.json")]) == 2


def test_reads_work_while_a_writer_holds_the_warehouse(home_env, capsys) -> None:
    """A writer (a pipeline run) holds the live file: the last publication still answers, and
    --live says clearly that it cannot."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(60)",
            str(home_env / "warehouse.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert main(["query", KG_2023]) == 0
        assert "Кыргызская Республика" in capsys.readouterr().out
        assert main(["query", KG_2023, "--live", "--wait", "1"]) == 2
        err = capsys.readouterr().err
        assert "is being written by a pipeline run" in err and "last publication" in err
    finally:
        holder.kill()
        holder.wait()


def test_a_reader_of_the_lake_keeps_its_publication_and_never_blocks_a_run(
    seeded_home: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    """A reader holds the last publication open while a run publishes the next: the run is not
    held up, the reader keeps reading the publication it opened, a new reader reads the new
    one, and --as-of reads the first again. (A copy of the session's home, published once.)"""
    from warehouse.home import Home
    from warehouse.query import connect_lake

    fresh_home = tmp_path / "home"
    shutil.copytree(seeded_home, fresh_home)  # copy2: sizes and modification times kept
    reader, _ = connect_lake(Home(fresh_home))
    q = "select count(*) as n, round(sum(value), 3) as total from marts.region_year_indicators"
    try:
        before = reader.execute(q).fetchall()
        campaigns = fresh_home / "landing" / "cleanup" / "kz_campaigns_2020_2025_en.csv"
        with campaigns.open("a", encoding="utf-8") as f:
            f.write(
                'Kazakhstan,2024-09-21,Test Day,"1,000",,"123",,,,,,,Test,https://example.org,high\n'
            )
        assert run_pipeline(fresh_home)  # publishes while the reader is open
        assert reader.execute(q).fetchall() == before
        first_run = reader.execute("select run_id from audit.publications").fetchone()[0]
    finally:
        reader.close()
    fresh, _ = connect_lake(Home(fresh_home))
    live = duckdb.connect(str(fresh_home / "warehouse.duckdb"), read_only=True)
    try:
        assert fresh.execute(q).fetchall() == live.execute(q).fetchall() != before
        assert fresh.execute("select count(*) from audit.publications").fetchone() == (2,)
    finally:
        fresh.close()
        live.close()
    monkeypatch.setenv("ECOSTAT_HOME", str(fresh_home))
    capsys.readouterr()
    assert (
        main(["query", q, "--as-of", first_run[:8], "--out", str(fresh_home.parent / "a.csv")]) == 0
    )
    assert f"run {first_run}" in capsys.readouterr().err
    assert pl.read_csv(fresh_home.parent / "a.csv").rows() == before


def test_the_lake_holds_the_warehouse_as_the_run_left_it(home_env, capsys) -> None:
    """The digest of every table read from the lake equals the live warehouse's: the move of
    the published warehouse into a DuckLake changed no content (#29)."""
    assert main(["digest"]) == 0
    published = capsys.readouterr().out
    assert main(["digest", "--live"]) == 0
    assert capsys.readouterr().out == published
    assert main(["query", "select 1", "--live", "--as-of", "2026-01-01"]) == 2
    assert "give one of them" in capsys.readouterr().err


def test_export_writes_every_mart_with_a_complete_codebook(home_env, tmp_path, capsys) -> None:
    out = tmp_path / "export"
    assert main(["export", "--out", str(out)]) == 0
    marts = [d for d in table_docs() if d.layer == "marts"]
    assert f"Exported {len(marts)} marts" in capsys.readouterr().out
    book = pl.read_csv(out / "codebook.csv")
    workbook = openpyxl.load_workbook(out / "marts.xlsx", read_only=True)
    for d in marts:
        name = d.table.split(".")[1]
        parquet = pl.read_parquet(out / "parquet" / f"{name}.parquet")
        csv = pl.read_csv(out / "csv" / f"{name}.csv", infer_schema=False)
        assert csv.height == parquet.height and csv.columns == parquet.columns
        assert name in workbook.sheetnames
        mine = book.filter(pl.col("table") == d.table)
        assert mine.get_column("column").to_list() == parquet.columns
        assert mine.get_column("description").null_count() == 0
        assert mine.get_column("type").null_count() == 0
        assert {"territory_name_en", "territory_name_ru"} <= set(parquet.columns)
        for column in csv.columns:  # no text cell a spreadsheet would run as a formula
            values = csv.get_column(column).drop_nulls()
            assert not values.str.starts_with("=").any(), (name, column)
    assert "codebook" in workbook.sheetnames
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "region_year_indicators" in readme and "apostrophe" in readme
    codebook_md = (out / "codebook.md").read_text(encoding="utf-8")
    assert "Licence notes" in codebook_md and "CC BY 4.0" in codebook_md


def test_text_that_would_be_a_formula_is_made_safe() -> None:
    frame = pl.DataFrame(
        {
            "text": ['=HYPERLINK("http://x")', "+7 777", "-", "@SUM(A1)", "ok", None],
            "number": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0],
            "ids": [["=a"], ["b"], [], None, ["c", "d"], ["e"]],
        }
    )
    safe = spreadsheet_safe(frame)
    assert safe.get_column("text").to_list() == [
        '\'=HYPERLINK("http://x")',
        "'+7 777",
        "'-",
        "'@SUM(A1)",
        "ok",
        None,
    ]
    assert safe.get_column("number").to_list() == frame.get_column("number").to_list()
    assert safe.get_column("ids").to_list() == ["'=a", "b", "", None, "c d", "e"]
    assert FORMULA_START[:4] == ("=", "+", "-", "@")


def test_the_data_dictionary_in_docs_is_current_and_complete() -> None:
    assert DICTIONARY_PATH.read_text(encoding="utf-8") == markdown(), "run `ecostat docs`"
    for d in table_docs():
        assert d.grain and d.description, d.table
        for c in d.columns:
            assert c.description, (d.table, c.name)


def test_the_lake_refuses_writes_and_files_by_itself(home_env, tmp_path) -> None:
    """Even a statement the check let through could not write a file or reach another one
    (defect #14.5: EXPLAIN ANALYZE COPY overwrote the published copy)."""
    from warehouse.home import Home
    from warehouse.query import connect_lake

    target = tmp_path / "out.csv"
    con, _ = connect_lake(Home(home_env))
    try:
        with pytest.raises(duckdb.Error):
            con.execute(f"copy (select 1) to '{target}'")
        with pytest.raises(duckdb.Error):
            con.execute(f"select * from read_csv('{home_env / 'warehouse.duckdb'}')")
        with pytest.raises(duckdb.Error):
            con.execute("set enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("delete from marts.cleanup_comparison")
        assert con.execute("select count(*) from marts.cleanup_comparison").fetchone()[0] > 0
        # The raw snapshots and staged partitions are the folders it may read besides the
        # lake's (raw.<dataset> and staging.<dataset> are views of them).
        assert con.execute("select count(*) from raw.cleanup").fetchone()[0] > 0
        assert con.execute("select count(*) from staging.cleanup").fetchone()[0] > 0
    finally:
        con.close()
    assert not target.exists()


def test_a_broken_published_copy_is_not_called_locked(tmp_path, capsys, monkeypatch) -> None:
    from warehouse.query import WarehouseUnavailable, connect_read_only

    broken = tmp_path / "published" / "warehouse.duckdb"
    broken.parent.mkdir()
    broken.write_bytes(b"not a database" * 1000)
    with pytest.raises(WarehouseUnavailable) as e:
        connect_read_only(broken, wait_s=0.5)
    assert "not a readable DuckDB warehouse" in str(e.value) and "locked" not in str(e.value)
