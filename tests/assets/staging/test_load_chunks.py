"""Staging a file in chunks gives exactly what staging it whole gives."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest

import assets.reference.load as reference_load
import assets.staging.load as staging_load
from assets.ingest.read import read_submission
from bench.generate import write
from contracts import SourceSpec, load_contract
from warehouse import ensure_dataset_tables, ensure_schemas, insert_frame
from warehouse.raw import refresh_view, write_snapshot
from warehouse.staged import PartitionWriter, remove_unused, staged_folder


def _landed(tmp_path: Path, chunk_rows: int, monkeypatch) -> tuple:
    """A warehouse with one landed file of 2,000 generated rows (20 bad), not staged yet."""
    monkeypatch.setattr(staging_load, "CHUNK_ROWS", chunk_rows)
    contract = load_contract("cleanup")
    con = duckdb.connect(str(tmp_path / f"w{chunk_rows}.duckdb"))
    ensure_schemas(con)
    ensure_dataset_tables(con, contract)
    reference_load.load_all(con)
    units, territories, _ = reference_load.reference(con)
    generated = write("cleanup", 2_000, "ru", tmp_path / "c.csv")
    sub = read_submission(
        Path(generated["path"]),
        contract,
        SourceSpec(name="auto", dataset="cleanup", match="*"),
        units,
    )
    write_snapshot(con, "cleanup", "f", sub.rows)
    con.execute(
        "insert into audit.source_files (file_id, dataset, path, sha256, status) "
        "values ('f', 'cleanup', 'c.csv', 'x', 'landed')"
    )
    refresh_view(con, contract)
    return con, contract, units, territories


def _tables(con: duckdb.DuckDBPyConnection) -> tuple[pl.DataFrame, pl.DataFrame]:
    staged = con.sql("select * from staging.cleanup order by row_number").pl()
    rejected = con.sql(
        "select * exclude (run_id) from audit.rejected_rows order by row_number, column_name, rule"
    ).pl()
    return staged, rejected


def _staged(tmp_path: Path, chunk_rows: int, monkeypatch) -> tuple:
    con, contract, units, territories = _landed(tmp_path, chunk_rows, monkeypatch)
    outcome = staging_load.stage_file(
        con, contract, "f", "c.csv", None, None, units, territories, "run"
    )
    staged, rejected = _tables(con)
    con.close()
    return outcome, staged, rejected


@pytest.mark.parametrize("chunk_rows", [333, 1_500])
def test_chunks_change_nothing(tmp_path: Path, monkeypatch, chunk_rows: int) -> None:
    whole = _staged(tmp_path, 10**9, monkeypatch)
    chunked = _staged(tmp_path, chunk_rows, monkeypatch)
    assert (whole[0].rows_read, whole[0].rows_loaded, whole[0].rows_rejected) == (2_000, 1_980, 20)
    assert chunked[0] == whole[0]
    assert chunked[1].equals(whole[1])
    assert chunked[2].equals(whole[2])


def test_a_failure_in_a_later_chunk_leaves_nothing_of_the_file(tmp_path: Path, monkeypatch) -> None:
    """Chunks are committed one by one; a failure removes what the earlier ones wrote."""
    con, contract, units, territories = _landed(tmp_path, 500, monkeypatch)
    calls = []
    stage = staging_load.stage

    def failing_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return stage(*args, **kwargs)

    monkeypatch.setattr(staging_load, "stage", failing_third_chunk)
    with pytest.raises(RuntimeError, match="disk full"):
        staging_load.stage_file(con, contract, "f", "c.csv", None, None, units, territories, "r")
    staged, rejected = _tables(con)
    assert (staged.height, rejected.height, len(calls)) == (0, 0, 3)
    assert con.sql("select status from audit.source_files").fetchall() == [("landed",)]


def test_rows_left_by_an_interrupted_run_are_not_read_and_are_replaced(
    tmp_path: Path, monkeypatch
) -> None:
    """A killed process can leave a file's partition half written, or whole but not recorded,
    and some of its rejections. Core does not read them (the file is not loaded), staging the
    file again replaces them, and the next publish removes the files."""
    whole = _staged(tmp_path, 10**9, monkeypatch)
    again = tmp_path / "again"
    again.mkdir()
    con, contract, units, territories = _landed(again, 500, monkeypatch)
    left = PartitionWriter(con, "cleanup", "f")
    left.write(whole[1].drop("file_id").head(700))
    unrecorded = staged_folder(con, "cleanup") / left.finish()
    half = PartitionWriter(con, "cleanup", "f")
    half.write(whole[1].drop("file_id").head(300))  # never finished: a .partial file
    insert_frame(con, "audit.rejected_rows", whole[2].head(5).with_columns(run_id=pl.lit("old")))
    assert con.sql("select count(*) from staged_rows('staging.cleanup')").fetchall() == [(0,)]
    # Nor does anyone reading staging: the view shows the rows of loaded files only (#14.6).
    assert con.sql("select count(*) from staging.cleanup").fetchall() == [(0,)]
    outcome = staging_load.stage_file(
        con, contract, "f", "c.csv", None, None, units, territories, "run"
    )
    staged, rejected = _tables(con)
    assert outcome == whole[0]
    assert staged.equals(whole[1]) and rejected.equals(whole[2])
    assert con.sql("select count(*) from staged_rows('staging.cleanup')").fetchall() == [(1_980,)]
    assert remove_unused(con, ["cleanup"]) == 2
    assert not unrecorded.exists() and not half.partial.exists()
    assert con.sql("select count(*) from staging.cleanup").fetchall() == [(1_980,)]


def test_a_file_staged_again_keeps_the_partition_an_earlier_copy_reads(
    tmp_path: Path, monkeypatch
) -> None:
    """A partition is never changed: staging a file again writes a new one, so that the
    last publication still reads its own until the next publish."""
    con, contract, units, territories = _landed(tmp_path, 500, monkeypatch)
    staging_load.stage_file(con, contract, "f", "c.csv", None, None, units, territories, "r1")
    ((first,),) = con.sql("select partition_name from staging.partitions").fetchall()
    staging_load.stage_file(con, contract, "f", "c.csv", None, None, units, territories, "r2")
    ((second,),) = con.sql("select partition_name from staging.partitions").fetchall()
    folder = staged_folder(con, "cleanup")
    assert first != second and (folder / first).exists() and (folder / second).exists()
    assert con.sql("select count(*) from staging.cleanup").fetchall() == [(1_980,)]
    assert remove_unused(con, ["cleanup"]) == 1
    assert not (folder / first).exists() and (folder / second).exists()


def test_each_chunk_says_how_far_the_file_has_got(tmp_path: Path, monkeypatch) -> None:
    """#30.2: `ecostat run`'s bar shows rows done for a large file (on_chunk feeds it)."""
    con, contract, units, territories = _landed(tmp_path, 500, monkeypatch)
    told: list[tuple[int, int]] = []
    staging_load.stage_file(
        con,
        contract,
        "f",
        "c.csv",
        None,
        None,
        units,
        territories,
        "run",
        on_chunk=lambda done, total: told.append((done, total)),
    )
    con.close()
    assert [done for done, _ in told] == [500, 1_000, 1_500, 2_000]
    assert {total for _, total in told} == {2_000}
