"""A run with nothing new says so and stops; anything a run reads that changed makes it run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pipelines import last_run
from warehouse.home import Home, ensure_home


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home")
    (home.landing / "cleanup").mkdir(parents=True)
    (home.landing / "cleanup" / "a.csv").write_text("Территория;Дата\n", encoding="utf-8")
    home.reference.mkdir()
    (home.reference / "regions.csv").write_text("territory_id\n", encoding="utf-8")
    home.warehouse.write_bytes(b"w")
    return home


@pytest.fixture
def code(tmp_path: Path) -> Path:
    root = tmp_path / "code"
    (root / "contracts" / "cleanup").mkdir(parents=True)
    (root / "contracts" / "cleanup" / "contract.yaml").write_text("dataset: cleanup\n")
    (root / "warehouse" / "__pycache__").mkdir(parents=True)
    (root / "warehouse" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    return root


def _later(p: Path) -> None:
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def test_nothing_changed_means_nothing_to_do(home: Home, code: Path) -> None:
    assert last_run.read(home) is None  # no good run yet
    before = last_run.inputs(home, code)
    assert "code/contracts/cleanup/contract.yaml" in before
    assert not any("__pycache__" in k for k in before)  # compiled files come and go
    assert before["published"] == "missing"
    record = last_run.LastRun("r1", "now", before)
    assert record.changes(last_run.inputs(home, code)) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda h, c: (h.landing / "cleanup" / "b.csv").write_text("x"),
            "landing/cleanup/b.csv (new)",
        ),
        (
            lambda h, c: (h.landing / "cleanup" / "a.csv").unlink(),
            "landing/cleanup/a.csv (removed)",
        ),
        (lambda h, c: _later(h.landing / "cleanup" / "a.csv"), "landing/cleanup/a.csv (changed)"),
        (
            lambda h, c: (h.reference / "regions.csv").write_text("territory_id,x\n"),
            "reference/regions.csv (changed)",
        ),
        (
            lambda h, c: (h.sources).mkdir() or (h.sources / "s.yaml").write_text("name: s\n"),
            "sources/s.yaml (new)",
        ),
        (
            lambda h, c: _later(c / "contracts" / "cleanup" / "contract.yaml"),
            "code/contracts/cleanup/contract.yaml (changed)",
        ),
        (lambda h, c: _later(h.warehouse), "warehouse (changed)"),  # a UI run, `ecostat reload`
    ],
)
def test_any_change_of_what_a_run_reads_is_seen(home: Home, code: Path, change, expected) -> None:
    record = last_run.LastRun("r1", "now", last_run.inputs(home, code))
    change(home, code)
    assert record.changes(last_run.inputs(home, code)) == [expected]


def _reads(home: Home, names: list[str]) -> dict[str, str]:
    """What a run read of these landing files, as audit.file_reads gives it to record()."""
    import hashlib

    out = {}
    for name in names:
        p = home.landing / name.removeprefix("landing/")
        st = p.stat()
        out[name] = f"{st.st_size}:{st.st_mtime_ns}:{hashlib.sha256(p.read_bytes()).hexdigest()}"
    return out


def test_the_record_is_written_whole_read_back_and_forgotten(home: Home) -> None:
    started = last_run.inputs(home)
    last_run.record(home, "run-1", started, _reads(home, ["landing/cleanup/a.csv"]))
    got = last_run.read(home)
    sha = last_run.landing_sha256(home)
    assert got is not None and got.run_id == "run-1"
    assert got.changes(last_run.inputs(home), sha) == []
    last_run.forget(home)
    assert last_run.read(home) is None
    (home.root / "last_run.json").write_text("{not json")
    assert last_run.read(home) is None  # unreadable: a real run, never a skipped one


def test_a_second_run_with_nothing_new_starts_no_run(
    seeded_home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """On a copy of a home after a good run (times kept): `ecostat run` starts no Dagster run and
    says why, with the last publication's summary; `--force` is named."""
    import dagster as dg

    from pipelines.cli import main

    home = tmp_path / "copy"
    shutil.copytree(seeded_home, home)  # copy2: sizes and modification times kept
    monkeypatch.setenv("ECOSTAT_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    ensure_home(home)  # its dagster.yaml rewritten for where it is, as every command does first
    runs_before = len(dg.DagsterInstance.get().get_run_records())
    capsys.readouterr()
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Nothing new since run ")
    assert "No run was started" in out and "--force" in out
    assert "cleanup              4" in out  # the summary of the last publication
    assert len(dg.DagsterInstance.get().get_run_records()) == runs_before


def test_a_correction_with_the_same_size_and_time_is_a_change(home: Home) -> None:
    """#27.1: a re-sent file copied with its time kept (same size, same modification time) is
    compared by its SHA-256: the next run is a real one, not "nothing new"."""
    a = home.landing / "cleanup" / "a.csv"
    last_run.record(home, "run-1", last_run.inputs(home), _reads(home, ["landing/cleanup/a.csv"]))
    st = a.stat()
    a.write_text("Территория;Годы\n", encoding="utf-8")  # as many bytes as before
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    got = last_run.read(home)
    assert got is not None
    assert last_run.inputs(home)["landing/cleanup/a.csv"] == f"{st.st_size}:{st.st_mtime_ns}"
    assert got.changes(last_run.inputs(home), last_run.landing_sha256(home)) == [
        "landing/cleanup/a.csv (changed)"
    ]


def test_the_record_is_what_the_run_read_not_what_is_there_at_its_end(home: Home) -> None:
    """#27.1: a file dropped into a dataset's folder during the run, after its step read the
    folder, is not in the record (the next run takes it as new); a spec edited during the run is
    recorded as it was when the run started (changed next time)."""
    home.sources.mkdir()
    (home.sources / "s.yaml").write_text("name: s\n")
    started = last_run.inputs(home)
    reads = _reads(home, ["landing/cleanup/a.csv"])
    (home.landing / "cleanup" / "dropped.csv").write_text("x")  # during the run
    _later(home.sources / "s.yaml")
    last_run.record(home, "run-1", started, reads)
    got = last_run.read(home)
    assert got is not None
    assert got.changes(last_run.inputs(home), last_run.landing_sha256(home)) == [
        "landing/cleanup/dropped.csv (new)",
        "sources/s.yaml (changed)",
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (["landing/cleanup/b.csv (new)"], ["cleanup"]),
        (
            ["landing/emissions/x.xlsx (changed)", "landing/cleanup/a.csv (removed)"],
            ["cleanup", "emissions"],
        ),
        # anything beyond the datasets' landing folders: everything runs
        (["landing/cleanup/b.csv (new)", "sources/s.yaml (changed)"], None),
        (["landing/b.csv (new)"], None),  # a file in landing/ itself, read by no dataset
        (["landing/emission/b.csv (new)"], None),  # a misspelt folder
        (["reference/regions.csv (changed)"], None),
        (["code/warehouse/marts/x.sql (changed)"], None),
        (["warehouse (changed)"], None),
        ([], None),
    ],
)
def test_only_changed_landing_folders_narrow_a_run(changes, expected) -> None:
    assert last_run.changed_datasets(changes) == expected


def test_a_run_of_some_datasets_keeps_the_record_of_the_others(home: Home) -> None:
    """A run that loaded only cleanup records what it read of cleanup/ and keeps the last good
    run's record of the folders it did not read: a file dropped into one of them during the
    run (never read) is new next time."""
    (home.landing / "emissions").mkdir()
    (home.landing / "emissions" / "e.csv").write_text("x", encoding="utf-8")
    first = last_run.inputs(home)
    last_run.record(
        home, "run-1", first, _reads(home, ["landing/cleanup/a.csv", "landing/emissions/e.csv"])
    )
    previous = last_run.read(home)
    (home.landing / "cleanup" / "b.csv").write_text("y", encoding="utf-8")
    started = last_run.inputs(home)
    reads = _reads(home, ["landing/cleanup/a.csv", "landing/cleanup/b.csv"])
    (home.landing / "emissions" / "dropped.csv").write_text("z")  # during the run, not read
    last_run.record(home, "run-2", started, reads, previous, ["cleanup"])
    got = last_run.read(home)
    assert got is not None
    assert got.inputs["landing/emissions/e.csv"] == previous.inputs["landing/emissions/e.csv"]
    assert got.changes(last_run.inputs(home), last_run.landing_sha256(home)) == [
        "landing/emissions/dropped.csv (new)"
    ]


def test_a_run_loads_only_the_datasets_whose_files_changed(
    seeded_home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    """On a copy of a home after a good run: a new clean-up file makes a run of clean-up's
    steps and what depends on them, which says so; the report still shows every table's checks
    (those of the tables left as they were carried over, with the time they were checked); the
    next run has nothing new; `--force` runs every step."""
    import json

    import dagster as dg

    from pipelines.cli import main

    home = tmp_path / "copy"
    shutil.copytree(seeded_home, home)  # copy2: sizes and modification times kept
    monkeypatch.setenv("ECOSTAT_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    report = home / "reports" / "validation_results.json"
    checks_before = json.loads(report.read_text(encoding="utf-8"))["summary"]["checks"]
    (home / "landing" / "cleanup" / "one_more.csv").write_text(
        "Территория;Дата;Мероприятие;Собрано всего, т\nБишкек;2024-04-20;Субботник;12,5\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["run"]) == 0
    out = capsys.readouterr().out
    assert "Only landing/cleanup/ changed: this run loads it" in out
    instance = dg.DagsterInstance.get()
    (latest,) = instance.get_run_records(limit=1)
    steps = {
        e.step_key
        for e in instance.all_logs(latest.dagster_run.run_id)
        if e.dagster_event is not None and e.dagster_event.event_type_value == "STEP_SUCCESS"
    }
    assert "raw__cleanup" in steps and "marts__cleanup_comparison" in steps
    assert "publish__warehouse" in steps
    assert not {"raw__emissions", "core__emissions", "marts__coal_and_emissions"} & steps
    assert "cleanup/one_more.csv: loaded 1 of 1 rows" in out
    after = json.loads(report.read_text(encoding="utf-8"))
    assert after["run_id"] == latest.dagster_run.run_id
    assert after["summary"]["checks"] == checks_before
    emissions = [c for c in after["checks"] if c["target"] == "core.emissions"]
    assert emissions and all(c["passed"] for c in emissions)
    assert main(["run"]) == 0
    assert capsys.readouterr().out.startswith("Nothing new since run ")
    assert main(["run", "--force"]) == 0
    assert "Only landing/" not in capsys.readouterr().out
