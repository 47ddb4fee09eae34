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


def _staged(tmp_path: Path, chunk_rows: int, monkeypatch) -> tuple:
    monkeypatch.setattr(staging_load, "CHUNK_ROWS", chunk_rows)
    contract = load_contract("cleanup")
    con = duckdb.connect(str(tmp_path / f"w{chunk_rows}.duckdb"))
    ensure_schemas(con)
    ensure_dataset_tables(con, contract)
    for name, meta in reference_load.reference_tables().items():
        reference_load.load_reference_table(con, name, meta.get("types", {}))
    units, territories = staging_load.reference(con)
    generated = write("cleanup", 2_000, "ru", tmp_path / "c.csv")
    sub = read_submission(
        Path(generated["path"]),
        contract,
        SourceSpec(name="auto", dataset="cleanup", match="*"),
        units,
    )
    insert_frame(con, "raw.cleanup", sub.rows.with_columns(file_id=pl.lit("f")))
    con.execute(
        "insert into audit.source_files (file_id, dataset, path, sha256, status) "
        "values ('f', 'cleanup', 'c.csv', 'x', 'landed')"
    )
    outcome = staging_load.stage_file(
        con, contract, "f", "c.csv", None, None, units, territories, "run"
    )
    staged = con.sql("select * from staging.cleanup order by row_number").pl()
    rejected = con.sql(
        "select * exclude (run_id) from audit.rejected_rows order by row_number, column_name, rule"
    ).pl()
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
