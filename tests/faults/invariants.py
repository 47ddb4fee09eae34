"""What must hold in a data home after any fault (issue #27's acceptance): checked after every
fault test, on the warehouse and the published lake as a user would find them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse import lake


def check_invariants(home: Path, published_current: bool = True) -> None:
    """Every file balances against its raw snapshot; the rejection and release logs agree with
    the counts; no temporary file is left; and (``published_current``: the last run succeeded)
    the lake's last publication is that run's warehouse, so no loaded file is missing from it."""
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        files = con.execute(
            "select file_id, dataset, path, rows_read, rows_loaded, rows_rejected "
            "from audit.source_files where status = 'loaded'"
        ).fetchall()
        for file_id, dataset, path, read, loaded, rejected in files:
            snapshot = home / "raw" / dataset / f"{file_id}.parquet"
            in_raw = con.execute(f"select count(*) from read_parquet('{snapshot}')").fetchone()[0]
            assert read == loaded + rejected == in_raw, (path, read, loaded, rejected, in_raw)
            logged = con.execute(
                "select count(*) from audit.current_rejected_rows where file_id = ?", [file_id]
            ).fetchone()[0]
            assert logged == rejected, (path, logged, rejected)
        passes = con.execute(
            "select file_id, run_id, rows_released from audit.staging_passes "
            "where reason <> 'new file'"
        ).fetchall()
        for file_id, run_id, released in passes:
            logged = con.execute(
                "select count(*) from audit.released_rows where file_id = ? and released_in_run = ?",
                [file_id, run_id],
            ).fetchone()[0]
            assert logged == (released or 0), (file_id, run_id, logged, released)
        live = lake.fingerprints(con, "warehouse")
    finally:
        con.close()
    left = [p for p in (home / "tmp").glob("*")] if (home / "tmp").is_dir() else []
    left += list(home.glob("*.tmp")) + list(home.glob(".*.restoring*"))
    assert not left, f"temporary files left behind: {left}"
    if published_current:
        from tests.conftest import read_published

        # What the last publication recorded of the warehouse it copied (that a publication
        # holds what it records is tests/warehouse/test_lake.py's): every table as it is now.
        # Reading each table through the lake instead cost 2 s a check.
        pub = read_published(home)
        try:
            published, _ = lake.last_published(pub, "warehouse")
        finally:
            pub.close()
        differ = [t for t in live.keys() | published.keys() if live.get(t) != published.get(t)]
        assert not differ, f"the publication differs from the warehouse in {sorted(differ)}"
