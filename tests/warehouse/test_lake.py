"""The published lake (warehouse/lake.py): a publication is one snapshot holding the warehouse as
it is, only what changed is written, readers read a snapshot whole and cannot write or reach
other files, and --as-of names earlier publications."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from warehouse import lake
from warehouse.digest import table_digests
from warehouse.engine import connect
from warehouse.home import Home
from warehouse.query import WarehouseUnavailable, connect_lake


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A small warehouse with what ours holds: schemas, tables of every kind of column we use,
    a view over a view, a macro and a table macro."""
    con = connect(path)
    con.execute("create schema core; create schema marts; create schema audit")
    con.execute(
        "create table core.figures as select * from (values "
        "('KG', 2020, 1.5, ['a', 'b'], '{\"k\": 1}'::json, timestamp '2020-01-01 10:00'), "
        "('KZ', 2021, null, [], null, null)) t(territory_id, year, value, tags, extra, seen_at)"
    )
    con.execute("create table marts.totals as select territory_id, 10 as total from core.figures")
    con.execute("create macro twice(x) as x * 2")
    con.execute(
        "create macro figures_of(t) as table select * from core.figures where territory_id = t"
    )
    con.execute("create view audit.kg as select * from core.figures where territory_id = 'KG'")
    con.execute("create view audit.kg_doubled as select twice(year) as y from audit.kg")
    return con


def _reader(home: Path, as_of: str | None = None) -> duckdb.DuckDBPyConnection:
    con, _ = connect_lake(Home(home), as_of)
    return con


def test_a_publication_holds_every_table_view_and_macro_as_the_warehouse_has_them(
    tmp_path: Path,
) -> None:
    con = _warehouse(tmp_path / "warehouse.duckdb")
    done = lake.publish(con, lake.Lake(tmp_path / "lake"), "run-one")
    assert sorted(done.replaced) == [
        "audit.kg",
        "audit.kg_doubled",
        "core.figures",
        "main.figures_of",
        "main.twice",
        "marts.totals",
    ]
    reader = _reader(tmp_path)
    assert table_digests(reader) == table_digests(con)
    assert reader.execute("select y from audit.kg_doubled").fetchall() == [(4040,)]
    assert reader.execute("select count(*) from figures_of('KZ')").fetchall() == [(1,)]
    # The writer's connection is left on its own warehouse, with the lake detached.
    assert con.execute("select current_database()").fetchone() == ("warehouse",)
    assert "ecostat_lake" not in {
        r[0] for r in con.execute("select database_name from duckdb_databases()").fetchall()
    }


def test_a_reader_can_neither_write_nor_reach_other_files(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "warehouse.duckdb")
    lake.publish(con, lake.Lake(tmp_path / "lake"), "run-one")
    reader = _reader(tmp_path)
    with pytest.raises(duckdb.Error):
        reader.execute("insert into marts.totals values ('RU', 1)")
    with pytest.raises(duckdb.PermissionException):
        reader.execute("select * from read_csv('/etc/passwd')")
    with pytest.raises(duckdb.Error):
        reader.execute("set enable_external_access = true")


def test_only_what_changed_is_written_and_what_is_gone_is_dropped(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "warehouse.duckdb")
    lake.publish(con, lake.Lake(tmp_path / "lake"), "run-one")
    again = lake.publish(con, lake.Lake(tmp_path / "lake"), "run-two")
    assert again.replaced == [] and again.dropped == [] and again.unchanged == 2
    con.execute("update marts.totals set total = 11 where territory_id = 'KZ'")
    con.execute("drop view audit.kg_doubled")
    con.execute("create table audit.notes (note varchar)")
    third = lake.publish(con, lake.Lake(tmp_path / "lake"), "run-three")
    assert sorted(third.replaced) == ["audit.notes", "marts.totals"]
    assert third.dropped == ["audit.kg_doubled"]
    assert table_digests(_reader(tmp_path)) == table_digests(con)
    # A row swapped for another with the same count is a change too.
    con.execute("update core.figures set value = 2.5 where territory_id = 'KG'")
    assert lake.publish(con, lake.Lake(tmp_path / "lake"), "run-four").replaced == ["core.figures"]


def test_a_publication_that_fails_changes_nothing(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "warehouse.duckdb")
    lake.publish(con, lake.Lake(tmp_path / "lake"), "run-one")
    con.execute("update marts.totals set total = 12")
    # DuckLake refuses a UNION column: the whole publication rolls back.
    con.execute("create table core.odd as select 1::union(a int, b varchar) as u")
    with pytest.raises(duckdb.Error, match="UNION"):
        lake.publish(con, lake.Lake(tmp_path / "lake"), "run-two")
    reader = _reader(tmp_path)
    assert reader.execute("select distinct total from marts.totals").fetchall() == [(10,)]
    assert [s.run_id for s in lake.snapshots(reader, "warehouse")] == ["run-one"]
    assert con.execute("select current_database()").fetchone() == ("warehouse",)


def test_as_of_reads_an_earlier_publication_by_run_date_or_time(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "warehouse.duckdb")
    lake.publish(con, lake.Lake(tmp_path / "lake"), "3f2a9c1e-0000-4000-8000-000000000001")
    con.execute("update marts.totals set total = 20")
    lake.publish(con, lake.Lake(tmp_path / "lake"), "7b7b7b7b-0000-4000-8000-000000000002")
    total = "select distinct total from marts.totals"
    assert _reader(tmp_path).execute(total).fetchall() == [(20,)]
    assert _reader(tmp_path, "3f2a9c1e").execute(total).fetchall() == [(10,)]
    assert _reader(tmp_path, "3f2a9c1e-0000-4000-8000-000000000001").execute(total).fetchall() == [
        (10,)
    ]
    today = datetime.now(UTC).date()
    assert _reader(tmp_path, today.isoformat()).execute(total).fetchall() == [(20,)]
    with pytest.raises(WarehouseUnavailable, match="nothing had been published by"):
        _reader(tmp_path, (today - timedelta(days=1)).isoformat())
    with pytest.raises(
        WarehouseUnavailable, match=r"names no publication the lake keeps.*2 publication"
    ):
        _reader(tmp_path, "next tuesday")
    published = lake.snapshots(_reader(tmp_path), "warehouse")
    first_at = published[0].published_at.astimezone(UTC).replace(tzinfo=None)
    assert lake.resolve_as_of(published, first_at.isoformat()) == published[0]


def test_expired_publications_are_forgotten_and_their_files_deleted(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "warehouse.duckdb")
    # Enough rows that DuckLake writes Parquet rather than keeping them in its catalog.
    con.execute("create table core.big as select range as i from range(5000)")
    lake.publish(con, lake.Lake(tmp_path / "lake"), "11111111-run")
    con.execute("update core.big set i = i + 1")
    lake.publish(con, lake.Lake(tmp_path / "lake"), "22222222-run")
    files = lambda: sorted((tmp_path / "lake" / "data" / "core" / "big").glob("*.parquet"))  # noqa: E731
    assert len(files()) == 2
    assert (
        lake.expire(con, lake.Lake(tmp_path / "lake"), datetime.now(UTC) + timedelta(seconds=1))
        >= 1
    )
    assert len(files()) == 1
    with pytest.raises(WarehouseUnavailable, match="1 publication"):
        _reader(tmp_path, "11111111")
    assert _reader(tmp_path).execute("select min(i) from core.big").fetchall() == [(1,)]


def test_a_publication_expires_the_old_ones_and_stands_when_expiry_fails(
    tmp_path: Path, monkeypatch
) -> None:
    """A run expires old snapshots on the attachment it publishes with; an expiry that fails
    is said (expiry_error) and the publication stands, for the next run to expire them."""
    con = _warehouse(tmp_path / "warehouse.duckdb")
    con.execute("create table core.big as select range as i from range(5000)")
    where = lake.Lake(tmp_path / "lake")
    lake.publish(con, where, "11111111-run")
    con.execute("update core.big set i = i + 1")

    def broken(con, older_than):
        raise duckdb.IOException("disk gone")

    with monkeypatch.context() as m:
        m.setattr(lake, "_expire", broken)
        done = lake.publish(con, where, "22222222-run", expire_before=datetime.now(UTC))
    assert done.expired == 0 and "disk gone" in done.expiry_error
    assert _reader(tmp_path).execute("select min(i) from core.big").fetchall() == [(1,)]
    con.execute("update core.big set i = i + 1")
    later = datetime.now(UTC) + timedelta(seconds=1)
    done = lake.publish(con, where, "33333333-run", expire_before=later)
    assert done.expiry_error is None and done.expired >= 2  # both earlier runs (and the empty lake)
    assert len(list((tmp_path / "lake" / "data" / "core" / "big").glob("*.parquet"))) == 1
    assert _reader(tmp_path).execute("select min(i) from core.big").fetchall() == [(2,)]


def test_a_lake_copied_elsewhere_reads_its_own_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    con = _warehouse(tmp_path / "a" / "warehouse.duckdb")
    con.execute("create table core.big as select range as i from range(5000)")
    lake.publish(con, lake.Lake(tmp_path / "a" / "lake"), "run-one")
    shutil.copytree(tmp_path / "a" / "lake", tmp_path / "b" / "lake")
    shutil.rmtree(tmp_path / "a" / "lake")
    assert _reader(tmp_path / "b").execute("select count(*) from core.big").fetchall() == [(5000,)]


def test_readers_see_whole_publications_while_a_writer_publishes(tmp_path: Path) -> None:
    """Another process reads all along: each query sees one publication whole (the two tables
    always agree), and neither side waits for the other to fail."""
    con = connect(tmp_path / "warehouse.duckdb")
    con.execute("create schema core; create schema marts")
    con.execute("create table core.rows as select range as i from range(1000)")
    con.execute("create table marts.count as select count(*) as n from core.rows")
    lake.publish(con, lake.Lake(tmp_path / "lake"), "run-0")
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from warehouse.home import Home
        from warehouse.query import connect_lake
        seen, deadline = set(), time.monotonic() + 60
        while time.monotonic() < deadline:
            reader, _ = connect_lake(Home(Path({str(tmp_path)!r})))
            rows, n = reader.execute(
                "select (select count(*) from core.rows), (select n from marts.count)"
            ).fetchone()
            reader.close()
            assert rows == n, (rows, n)
            seen.add(rows)
            if rows == 1000 + 20 * 100:
                break
        print(len(seen))
        """
    )
    reading = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    for run in range(1, 21):
        con.execute("insert into core.rows select range from range(100)")
        con.execute("create or replace table marts.count as select count(*) as n from core.rows")
        lake.publish(con, lake.Lake(tmp_path / "lake"), f"run-{run}")
    out, err = reading.communicate(timeout=120)
    assert reading.returncode == 0, err
    assert int(out) >= 2  # it read while publications went on, not only before or after


def test_a_warehouse_is_restored_from_a_publication_whole(tmp_path: Path) -> None:
    """`ecostat restore`: the warehouse made again from the last publication (or an earlier
    one), tables, views and macros; the damaged file kept beside it, never overwritten."""
    con = _warehouse(tmp_path / "warehouse.duckdb")
    target = lake.Lake(tmp_path / "lake")
    lake.publish(con, target, "aaaaaaaa-first")
    first = table_digests(con)
    con.execute("update marts.totals set total = 30")
    lake.publish(con, target, "bbbbbbbb-second")
    last = table_digests(con)
    con.close()
    damaged = tmp_path / "warehouse.duckdb"
    damaged.write_bytes(b"not a database any more")
    chosen, kept = lake.restore(target, damaged)
    assert chosen.run_id == "bbbbbbbb-second"
    assert kept is not None and kept.read_bytes() == b"not a database any more"
    restored = connect(damaged, read_only=True)
    try:
        assert table_digests(restored) == last
        assert restored.execute("select y from audit.kg_doubled").fetchall() == [(4040,)]
    finally:
        restored.close()
    chosen, _ = lake.restore(target, tmp_path / "earlier.duckdb", as_of="aaaaaaaa")
    earlier = connect(tmp_path / "earlier.duckdb", read_only=True)
    try:
        assert table_digests(earlier) == first
    finally:
        earlier.close()
    assert not list(tmp_path.glob(".*restoring*"))
