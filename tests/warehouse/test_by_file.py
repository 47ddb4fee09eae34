"""Core tables built by file version (warehouse/by_file.py, #28.4): a run builds and validates
the rows of the file versions that changed, and the table is the one a whole build makes."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

import warehouse.by_file as by_file
import warehouse.expectations as expectations
from contracts import load_contract
from warehouse import SqlModel, sql_models
from warehouse.staged import drop_partitions, record_partition, staged_folder

CLEANUP = next(m for m in sql_models() if m.table == "core.cleanup")


@pytest.fixture
def con(seeded_home: Path, tmp_path: Path):
    """A copy of the default warehouse with its staged partitions beside it."""
    shutil.copy(seeded_home / "warehouse.duckdb", tmp_path / "w.duckdb")
    shutil.copytree(seeded_home / "staged", tmp_path / "staged")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield con
    con.close()


def _as_built_whole(con: duckdb.DuckDBPyConnection, model: SqlModel) -> None:
    """The table equals what its SQL makes of every current partition, row for row (the same
    rows, each as many times)."""
    whole = f"({model.sql})"
    for a, b in ((model.table, whole), (whole, model.table)):
        extra = con.execute(f"select count(*) from (from {a} except all from {b})").fetchall()
        assert extra == [(0,)], f"{a} has rows {b} has not"


def _file_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        f
        for (f,) in con.execute(
            "select file_id from core.cleanup group by 1 order by count(*), 1"
        ).fetchall()
    ]


def _new_pass(con: duckdb.DuckDBPyConnection, file_id: str, change: pl.Expr | None = None) -> str:
    """Stage a file version again, as a new partition (its rows changed by ``change``)."""
    folder = staged_folder(con, "cleanup")
    (old,) = con.execute(
        "select partition_name from staging.partitions where file_id = ?", [file_id]
    ).fetchall()[0]
    rows = pl.read_parquet(folder / old / "*.parquet")
    if change is not None:
        rows = rows.with_columns(change)
    name = f"{file_id}~test{len(list(folder.iterdir()))}"
    (folder / name).mkdir()
    rows.write_parquet(folder / name / "00000.parquet")
    record_partition(con, load_contract("cleanup"), file_id, name)
    return name


def test_a_run_builds_the_rows_of_the_changed_file_versions_only(con) -> None:
    assert by_file.build(con, CLEANUP).describe().startswith("unchanged")
    small, *_, large = _file_ids(con)
    before = con.execute("select count(*) from core.cleanup").fetchall()[0][0]

    # A file version retired: its rows go, the others stay.
    drop_partitions(con, "cleanup", [large])
    gone = by_file.build(con, CLEANUP)
    assert (gone.whole, gone.added, gone.removed) == (False, (), (large,))
    _as_built_whole(con, CLEANUP)
    assert gone.rows < before

    # Staged again (a new partition of a file version): its rows are built again, once.
    _new_pass(con, small)
    again = by_file.build(con, CLEANUP)
    assert (again.added, again.removed) == ((small,), ())
    _as_built_whole(con, CLEANUP)
    assert (
        con.execute(
            "select rows_built from audit.model_partitions where target = 'core.cleanup' "
            "and file_id = ?",
            [small],
        ).fetchall()
        == con.execute("select count(*) from core.cleanup where file_id = ?", [small]).fetchall()
    )


def test_a_changed_reference_table_rebuilds_the_table_whole(con) -> None:
    (territory,) = con.execute("select territory_id from core.cleanup limit 1").fetchall()[0]
    con.execute(
        "update core.regions set name_en = name_en || ' (renamed)' where territory_id = ?",
        [territory],
    )
    built = by_file.build(con, CLEANUP)
    assert built.whole
    _as_built_whole(con, CLEANUP)
    assert con.execute(
        "select count(*) from core.cleanup where territory_id = ? "
        "and not ends_with(territory_name_en, ' (renamed)')",
        [territory],
    ).fetchall() == [(0,)]


def test_the_date_of_a_run_alone_rebuilds_nothing(con, monkeypatch) -> None:
    """A new day changes run_as_of(), which no core SQL reads: every file version stands."""
    before = by_file.inputs_fingerprint(con, CLEANUP)
    monkeypatch.setenv("ECOSTAT_AS_OF", "2031-01-01")
    assert by_file.inputs_fingerprint(con, CLEANUP) == before


def test_a_build_stopped_half_way_leaves_the_table_as_it_was(con, monkeypatch) -> None:
    small = _file_ids(con)[0]
    _new_pass(con, small)
    rows = con.execute("select count(*) from core.cleanup").fetchall()
    held = by_file.built_partitions(con, "core.cleanup")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(by_file, "_insert", killed)
    with pytest.raises(KeyboardInterrupt):
        by_file.build(con, CLEANUP)
    assert con.execute("select count(*) from core.cleanup").fetchall() == rows
    assert by_file.built_partitions(con, "core.cleanup") == held
    monkeypatch.undo()
    assert by_file.build(con, CLEANUP).added == (small,)
    _as_built_whole(con, CLEANUP)


def test_the_suite_checks_the_new_rows_and_counts_the_whole_table(con, monkeypatch) -> None:
    """Great Expectations validates the rows of changed file versions only; the table's result
    adds up every batch, so a failure in an earlier file version stays reported."""
    checked: list[list[str] | None] = []
    real = expectations.run_suite

    def spy(con, model, file_ids=None):
        checked.append(file_ids)
        return real(con, model, file_ids)

    monkeypatch.setattr(expectations, "run_suite", spy)
    # The seeded run validated every file version: its batch stands.
    first, carried = expectations.validate(con, CLEANUP, "run-1")
    assert checked == [] and carried is not None
    assert all(r.passed for r in first)
    # Without it, every file version is read, the small ones in one batch.
    con.execute("delete from audit.suite_batches")
    expectations.validate(con, CLEANUP, "run-1")
    assert len(checked) == 1 and sorted(checked[0]) == sorted(_file_ids(con))
    # A large file version is a batch of its own; here, every one is "large".
    monkeypatch.setattr(expectations, "OWN_BATCH_ROWS", 1)
    con.execute("delete from audit.suite_batches")
    expectations.validate(con, CLEANUP, "run-1")
    assert sorted(checked[1:]) == [[f] for f in sorted(_file_ids(con))]
    total = con.execute("select count(*) from core.cleanup").fetchall()[0][0]

    small = _file_ids(con)[0]
    _new_pass(con, small, (pl.col("participants") * 0 - 5).alias("participants"))
    by_file.build(con, CLEANUP)
    results, carried = expectations.validate(con, CLEANUP, "run-2")
    assert checked[-1] == [small] and carried is None
    negative = next(r for r in results if r.check_name == "non_negative_participants")
    small_rows = con.execute(
        "select count(*) from core.cleanup where file_id = ?", [small]
    ).fetchall()[0][0]
    assert not negative.passed
    assert (negative.rows_checked, negative.rows_failed) == (total, small_rows)
    assert "-5" in negative.sample.to_series().to_list()
    assert all(r.passed for r in results if r.check_name != "non_negative_participants")

    # Nothing changed: no suite runs, the batches' results stand, carried from run-2.
    calls = len(checked)
    again, carried = expectations.validate(con, CLEANUP, "run-3")
    assert len(checked) == calls and carried == "run-2"
    assert [(r.check_name, r.passed, r.rows_failed) for r in again] == [
        (r.check_name, r.passed, r.rows_failed) for r in results
    ]

    # Another file version changes: the negative rows are still counted, though not read again.
    other = _file_ids(con)[1]
    _new_pass(con, other)
    by_file.build(con, CLEANUP)
    later, _ = expectations.validate(con, CLEANUP, "run-4")
    assert checked[-1] == [other]
    assert next(r for r in later if r.check_name == "non_negative_participants").rows_failed == (
        small_rows
    )


def test_a_declaration_the_build_would_get_wrong_is_refused() -> None:
    def model(**changes) -> SqlModel:
        fields = {
            **{k: getattr(CLEANUP, k) for k in ("layer", "name", "description", "grain")},
            "deps": CLEANUP.deps,
            "key": CLEANUP.key,
            "partitioned_by": "file_version",
        }
        return SqlModel(**(fields | changes))

    by_file.check_declaration(model())
    for bad, said in (
        ({"key": ["row_number", "file_id"]}, "key led by file_id"),
        ({"materialized": "view"}, "only a table"),
        ({"partitioned_by": "territory"}, "must be file_version"),
        ({"deps": [*CLEANUP.deps, "staging.emissions"]}, "one staging table"),
        (
            {"expectations": [{"type": "expect_table_row_count_to_be_between", "kwargs": {}}]},
            "not a check of each row",
        ),
    ):
        with pytest.raises(ValueError, match=said):
            by_file.check_declaration(model(**bad))
