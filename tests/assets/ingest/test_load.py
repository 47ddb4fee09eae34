"""Landing a file into raw: a large CSV file read in a stream lands the same rows."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import assets.ingest.read as read
import assets.reference.load as reference_load
from assets.ingest.load import ingest_file, landed_files
from bench.generate import write
from contracts import load_contract
from warehouse import ensure_dataset_tables, ensure_schemas, units_in
from warehouse.raw import refresh_view


def _land(tmp_path: Path, name: str, variant: str) -> tuple[tuple, list[tuple]]:
    contract = load_contract("cleanup")
    write("cleanup", 3_000, variant, tmp_path / "landing" / "cleanup" / "c.csv")
    con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
    ensure_schemas(con)
    ensure_dataset_tables(con, contract)
    reference_load.load_all(con)
    (landed,), _ = landed_files(tmp_path / "landing", "cleanup")
    outcome = ingest_file(con, landed, contract, [], units_in(con), "run")
    refresh_view(con, contract)  # as the raw step does once all its files are in
    record = con.execute(
        "select status, rows_read, encoding, delimiter, header_row, column_map "
        "from audit.source_files"
    ).fetchall()[0]
    rows = con.execute("select * from raw.cleanup order by row_number").fetchall()
    con.close()
    assert outcome.status == "landed"
    return record, rows


@pytest.mark.parametrize("variant", ["ru", "utf8"])
def test_a_file_read_in_a_stream_lands_the_same_raw_rows(tmp_path: Path, monkeypatch, variant):
    whole = _land(tmp_path / "whole", "whole", variant)
    monkeypatch.setattr(read, "STREAM_BYTES", 0)
    streamed = _land(tmp_path / "streamed", "streamed", variant)
    assert streamed == whole
    assert whole[0][1] == len(whole[1]) == 3_000


def test_a_killed_runs_spill_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    """Spill folders live under the data home; the next run removes those of processes that no
    longer run (defect #14.6: a killed run left 94 MB in the system temp folder)."""
    import os
    import subprocess

    from assets.ingest.load import SPILL_PREFIX, clear_stale_spills

    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f"{SPILL_PREFIX}{dead.pid}-abc"
    (stale / "rows.parquet").parent.mkdir(parents=True)
    (stale / "rows.parquet").write_bytes(b"x" * 1000)
    mine = tmp_path / f"{SPILL_PREFIX}{os.getpid()}-def"
    mine.mkdir()
    assert clear_stale_spills(tmp_path) == [stale]
    assert not stale.exists() and mine.exists()
