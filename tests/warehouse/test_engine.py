"""DuckDB as ecostat opens it (warehouse/engine.py): extensions from the environment's packages
with no network, and a warehouse file in a newer storage format said to be so and converted."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from tests.conftest import can_go_offline, offline, offline_env
from warehouse import convert_home
from warehouse.engine import connect, load_extension, newer_format_message, storage_version

# Run with no network: DuckLake and PostgreSQL load from their packages, a DuckLake takes a
# table and gives it back, a time zone converts (icu); and a download, had one been tried,
# could not have reached anything.
_OFFLINE_SCRIPT = textwrap.dedent(
    """
    import errno, socket, sys
    import duckdb
    from warehouse.engine import connect, load_extension

    s = socket.socket()
    s.settimeout(3)
    print("connect", errno.errorcode.get(s.connect_ex(("1.1.1.1", 443)), "reached"))
    con = connect()
    for name in ("ducklake", "postgres_scanner"):
        load_extension(con, name)
    lake = sys.argv[1]
    con.execute(f"attach 'ducklake:{lake}/catalog.ducklake' as lake (data_path '{lake}/data')")
    con.execute("create table lake.t as select 42 as answer")
    print("lake", con.execute("select answer from lake.t").fetchone()[0])
    print("tz", con.execute(
        "select (timestamptz '2024-01-01 00:00:00+00' at time zone 'Asia/Bishkek')::varchar"
    ).fetchone()[0])
    try:
        duckdb.connect().execute("install spatial")
        print("install", "downloaded")
    except duckdb.Error:
        print("install", "refused")
    """
)


def test_extensions_load_from_the_packages_with_no_network(tmp_path: Path) -> None:
    """DuckLake and PostgreSQL come from the environment's packages, signature checked, in a
    process that cannot reach the network, with no ~/.duckdb/ to find them in."""
    if not can_go_offline():
        pytest.skip("no network namespace here (unshare -rn needs root or user namespaces)")
    lake = tmp_path / "lake"
    lake.mkdir()
    done = subprocess.run(
        offline([sys.executable, "-c", _OFFLINE_SCRIPT, str(lake)]),
        env=offline_env(tmp_path / "home", tmp_path),
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    said = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert said["connect"] == "ENETUNREACH"  # the namespace has no network
    assert said["lake"] == "42"
    assert said["tz"] == "2024-01-01 06:00:00"
    assert said["install"] == "refused"
    # Nothing was installed into the user's folder (the refused INSTALL made its folder only).
    assert not list(tmp_path.glob(".duckdb/**/*.duckdb_extension"))


def test_extensions_are_signature_checked() -> None:
    """ecostat never allows unsigned extensions: the packages hold DuckDB's signed binaries."""
    con = connect()
    load_extension(con, "ducklake")
    load_extension(con, "ducklake")  # loaded once, the second call does nothing
    assert con.execute("select current_setting('allow_unsigned_extensions')").fetchone()[0] is False
    assert con.execute("select current_setting('autoinstall_known_extensions')").fetchone()[0] is (
        False
    )


def _forged_newer_file(path: Path) -> None:
    # The header DuckDB 2.0 writes: a checksum, "DUCK", storage version 999.
    path.write_bytes(b"\0" * 8 + b"DUCK" + (999).to_bytes(8, "little") + b"\0" * 4076)


def test_a_warehouse_of_a_newer_duckdb_is_said_to_be_so_with_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "damaged, restore the published copy" (which is in the same format): the command
    that converts the home, with the home's own path."""
    from pipelines.cli import main

    home = tmp_path / "home"
    (home / "published").mkdir(parents=True)
    _forged_newer_file(home / "warehouse.duckdb")
    _forged_newer_file(home / "published" / "warehouse.duckdb")
    message = newer_format_message(home / "warehouse.duckdb")
    assert message and "storage version 999" in message
    assert f"make convert-home ECOSTAT_HOME={home.resolve()}" in message
    assert newer_format_message(home / "published" / "warehouse.duckdb") == message.replace(
        str(home / "warehouse.duckdb"), str(home / "published" / "warehouse.duckdb")
    )

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ECOSTAT_HOME", str(home))
        assert main(["query", "select 1"]) != 0
    err = capsys.readouterr().err
    assert "make convert-home" in err and "Traceback" not in err


def test_a_readable_file_has_no_such_message(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    assert storage_version(path) in range(64, 69)
    assert newer_format_message(path) is None
    assert newer_format_message(tmp_path / "absent.duckdb") is None


def test_converting_a_home_copies_every_table_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy, its check and the swap, on a file this DuckDB reads (a 2.0 file needs a DuckDB
    2 to read it, which `make convert-home` builds; its conversion was checked by hand on a
    home run under 2.0.0: the digest of every table equal to a run under 1.5.5)."""
    home = tmp_path / "home"
    (home / "published").mkdir(parents=True)
    path = home / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema core")
    con.execute("create table core.t (id integer primary key, name varchar)")
    con.execute("insert into core.t values (1, 'Бишкек'), (2, 'Кемерово')")
    con.execute("create view core.v as select count(*) as n from core.t")
    con.execute("create macro core.twice(x) as x * 2")
    con.close()
    before = path.read_bytes()
    # Take this file for one of a newer format: converted as a 2.0 file would be.
    monkeypatch.setattr(convert_home, "READABLE", range(0))

    assert convert_home.main([str(home)]) == 0
    assert (home / "warehouse.duckdb-v2").read_bytes() == before
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("select * from core.t order by id").fetchall() == [
        (1, "Бишкек"),
        (2, "Кемерово"),
    ]
    assert con.execute("select n, core.twice(n) from core.v").fetchone() == (2, 4)
    con.close()

    # A second conversion changes nothing once the files are readable.
    monkeypatch.setattr(convert_home, "READABLE", range(64, 69))
    assert convert_home.main([str(home)]) == 0
    assert not (home / "warehouse.duckdb-v2-v2").exists()
