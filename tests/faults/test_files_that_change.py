"""Files that change under a run (#27.1, #27.2): what a run stages is what it read, and what it
did not read is loaded by the next run, never taken for "nothing new"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import assets.ingest.assets as ingest_assets
import assets.ingest.load as ingest_load
from assets.ingest.take import NotReady, take
from tests.conftest import read_published
from tests.faults.invariants import check_invariants

HEADER = "Территория;Дата;Собрано, т\n"


def _csv(path: Path, *rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with one small clean-up file (not seeded: its landing folder is not empty)."""
    home = tmp_path / "home"
    _csv(home / "landing" / "cleanup" / "first.csv", "Бишкек;2023-04-01;10")
    return home


def _run(home: Path, capsys, *args: str) -> tuple[int, str]:
    import pipelines.definitions  # noqa: F401  (built before ECOSTAT_HOME points at home)
    from pipelines.cli import main

    os.environ["ECOSTAT_HOME"] = str(home)
    try:
        capsys.readouterr()
        code = main(["run", *args])
        captured = capsys.readouterr()  # errors on stderr, after the summary on stdout
        return code, captured.out + captured.err
    finally:
        del os.environ["ECOSTAT_HOME"]


def _published(home: Path, sql: str) -> list[tuple]:
    con = read_published(home)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _collected(home: Path) -> list[tuple]:
    return _published(
        home,
        "select path, waste_collected_t from staging.cleanup join audit.source_files "
        "using (file_id) order by path, waste_collected_t",
    )


def test_a_file_dropped_during_a_run_is_loaded_by_the_next(home: Path, capsys, monkeypatch):
    """Dropped after the run listed the folder (3 of 3 tries in the report): the run does not
    read it, and the next `ecostat run` loads it instead of saying "nothing new"."""
    real = ingest_assets.landed_files

    def listing_then_drop(landing: Path, dataset: str):
        listed = real(landing, dataset)
        if dataset == "cleanup" and not (landing / "cleanup" / "late.csv").exists():
            _csv(landing / "cleanup" / "late.csv", "Ош;2023-04-01;7")
        return listed

    monkeypatch.setattr(ingest_assets, "landed_files", listing_then_drop)
    code, _ = _run(home, capsys)
    assert code == 0
    assert _collected(home) == [("first.csv", 10.0)]
    check_invariants(home)
    monkeypatch.setattr(ingest_assets, "landed_files", real)
    code, out = _run(home, capsys)
    assert code == 0
    assert not out.startswith("Nothing new"), out
    assert "landing/cleanup/late.csv (new)" in out
    assert _collected(home) == [("first.csv", 10.0), ("late.csv", 7.0)]
    check_invariants(home)
    code, out = _run(home, capsys)
    assert out.startswith("Nothing new"), out  # and now it is all read


def test_a_file_rewritten_while_it_is_read_is_not_staged(home: Path, capsys, monkeypatch):
    """A correction saved over the file while the run reads it: neither the old bytes under the
    new hash nor a half-written version is staged; the run says so, and the next run loads the
    file as it then is, whole."""
    _csv(home / "landing" / "cleanup" / "moving.csv", "Ош;2023-04-01;12")  # half-written
    real = ingest_load.take

    def take_while_rewritten(path: Path, spill: Path, settle_s: float, wanted, **kw):
        def rewrite_then_want(sha: str) -> bool:
            if path.name == "moving.csv" and "12345,6" not in path.read_text(encoding="utf-8"):
                _csv(path, "Ош;2023-04-01;12345,6", "Нарын;2023-04-01;5")
            return wanted(sha)

        return real(path, spill, settle_s, wanted=rewrite_then_want, **kw)

    monkeypatch.setattr(ingest_load, "take", take_while_rewritten)
    code, out = _run(home, capsys)
    assert code == 0, out
    assert "Left for the next run (1 file, nothing of them loaded):" in out
    assert "cleanup/moving.csv: changed while the run read it" in out
    assert _collected(home) == [("first.csv", 10.0)]  # never 12
    assert _published(
        home, "select count(*) from audit.source_files where path = 'moving.csv'"
    ) == [(0,)]
    check_invariants(home)
    code, out = _run(home, capsys)
    assert "landing/cleanup/moving.csv (changed)" in out or "(new)" in out, out
    assert _collected(home) == [("first.csv", 10.0), ("moving.csv", 5.0), ("moving.csv", 12345.6)]
    check_invariants(home)


def test_a_file_still_being_written_is_left_until_it_settles(home: Path, capsys, monkeypatch):
    """A file modified less than the settle time before the run reached it is named in the
    summary and loaded by the next run once it has settled."""
    monkeypatch.setenv("ECOSTAT_SETTLE_SECONDS", "3600")
    (home / "landing" / "cleanup" / "first.csv").touch()
    code, out = _run(home, capsys)
    assert code == 0, out
    assert "cleanup/first.csv: modified " in out and "left for the next run" in out
    assert _collected(home) == []
    check_invariants(home)
    monkeypatch.setenv("ECOSTAT_SETTLE_SECONDS", "0")
    code, out = _run(home, capsys)
    assert code == 0 and not out.startswith("Nothing new"), out
    assert _collected(home) == [("first.csv", 10.0)]
    check_invariants(home)


def test_a_correction_with_the_same_size_and_time_is_loaded(home: Path, capsys):
    """A re-sent file copied with its time kept: same size, same modification time, new
    figure. The next run compares its SHA-256, loads it, and the old figure leaves."""
    first = home / "landing" / "cleanup" / "first.csv"
    assert _run(home, capsys)[0] == 0
    st = first.stat()
    _csv(first, "Бишкек;2023-04-01;19")  # as many bytes as "10"
    os.utime(first, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (first.stat().st_size, first.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    code, out = _run(home, capsys)
    assert code == 0 and not out.startswith("Nothing new"), out
    assert "This run: 1 new version of a loaded file" in out
    assert _collected(home) == [("first.csv", 19.0)]
    check_invariants(home)


# take() itself, without a run.


def test_take_reads_once_and_hashes_what_it_read(tmp_path: Path) -> None:
    import hashlib

    f = _csv(tmp_path / "in" / "a.csv", "Бишкек;2023;1")
    (tmp_path / "spill").mkdir()
    taken = take(f, tmp_path / "spill", 0)
    assert taken.copy == tmp_path / "spill" / "read" / "a.csv"
    assert taken.copy.read_bytes() == f.read_bytes()
    assert taken.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    assert take(f, tmp_path / "spill", 0, wanted=lambda sha: False).copy is None


@pytest.mark.parametrize("large", [False, True])
def test_take_refuses_a_file_that_changes_while_read(tmp_path: Path, monkeypatch, large) -> None:
    import assets.ingest.take as take_module

    if large:  # hashed in place, then copied: a change between the two is seen too
        monkeypatch.setattr(take_module, "IN_MEMORY_BYTES", 0)
    f = _csv(tmp_path / "a.csv", "Бишкек;2023;1")

    def grow(sha: str) -> bool:
        with f.open("a", encoding="utf-8") as fh:
            fh.write("Ош;2023;2\n")
        return True

    with pytest.raises(NotReady) as e:
        take(f, tmp_path, 0, wanted=grow)
    assert e.value.outcome == "changing"
    assert not (tmp_path / "spill.csv").exists()


def test_take_waits_for_a_young_file_and_names_a_vanished_one(tmp_path: Path) -> None:
    f = _csv(tmp_path / "a.csv", "Бишкек;2023;1")
    with pytest.raises(NotReady) as e:
        take(f, tmp_path, 60)
    assert e.value.outcome == "settling" and "left for the next run" in str(e.value)
    f.unlink()
    with pytest.raises(NotReady) as e:
        take(f, tmp_path, 0)
    assert e.value.outcome == "vanished"
