"""Hostile source specs and outputs (#27.9, #27.11, #27.13): a spec is refused in milliseconds
with its file and line, never expanded or executed; nothing but a run writes inside the data
home."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from contracts import DeclarationError, _read_yaml, load_source_specs

BOMB = """\
name: bomb
dataset: cleanup
description: x
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BOMB, "line 9: expands to more than 100,000 values"),
        (
            "name: t\ndataset: cleanup\ndescription: x\nmatch: !!python/object/apply:os.system ['touch pwned']\n",
            "line 4: tags are not allowed",
        ),
        ("name: t\n" + "a: [" * 40 + "]" * 40 + "\n", "nested more than 32 levels deep"),
        ("name: t\ndataset: cleanup\n  description: [x\n", "line 3: not valid YAML"),
    ],
    ids=["anchor bomb", "python tag", "deep nesting", "broken yaml"],
)
def test_a_hostile_spec_is_refused_at_once_with_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    spec = tmp_path / "sources" / "s.yaml"
    spec.parent.mkdir()
    spec.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(DeclarationError) as e:
        load_source_specs(spec.parent)
    assert time.perf_counter() - started < 5  # a bound against a hang, not a benchmark
    assert str(e.value).startswith(f"source spec {spec}") and expected in str(e.value)
    assert not Path("pwned").exists()


def test_a_spec_of_megabytes_is_refused_without_parsing(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("name: t\n" + "# padding\n" * 200_000, encoding="utf-8")
    with pytest.raises(DeclarationError, match="bytes, more than a declaration has"):
        _read_yaml(spec)


def test_a_declaration_read_again_is_its_new_text_and_no_reader_changes_it(tmp_path: Path) -> None:
    """Declarations are parsed once per text (contracts._read_yaml): a file rewritten, even to
    the same size in the same instant, is read anew, and what one caller changes in the value
    it got is not what the next caller gets."""
    spec = tmp_path / "s.yaml"
    spec.write_text("name: a\ncolumns: [x]\n", encoding="utf-8")
    first = _read_yaml(spec)
    first["columns"].append("changed by a caller")
    assert _read_yaml(spec) == {"name": "a", "columns": ["x"]}
    spec.write_text("name: b\ncolumns: [y]\n", encoding="utf-8")  # the same size
    assert _read_yaml(spec) == {"name": "b", "columns": ["y"]}
    spec.write_text("name: b\n  columns: [y\n", encoding="utf-8")
    with pytest.raises(DeclarationError, match="not valid YAML"):
        _read_yaml(spec)


TYPO = """\
name: typo
dataset: cleanup
description: a layout with a typo in a column name
match: "typo_*.csv"
columns:
  "Собрано, т": {column: waste_colected_t, unit: t}
"""


def test_ecostat_check_says_which_spec_is_refused_in_one_line(tmp_path: Path, capsys) -> None:
    """A spec that cannot be used stops the check of a file it matches, in one line; for any
    other file it is named in one line and the check goes on."""
    from pipelines.cli import main

    home = tmp_path / "home"
    (home / "sources").mkdir(parents=True)
    (home / "sources" / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    (home / "sources" / "typo.yaml").write_text(TYPO, encoding="utf-8")
    text = "Территория;Дата;Собрано, т\nБишкек;2023;1\n"
    (tmp_path / "typo_a.csv").write_text(text, encoding="utf-8")
    (tmp_path / "other.csv").write_text(text, encoding="utf-8")
    os.environ["ECOSTAT_HOME"] = str(home)
    try:
        assert main(["check", str(tmp_path / "typo_a.csv"), "--dataset", "cleanup"]) == 4
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert "unknown cleanup columns waste_colected_t (did you mean waste_collected_t?)" in err
        assert "the contract's columns are territory, period" in err
        assert main(["check", str(tmp_path / "other.csv"), "--dataset", "cleanup"]) == 0
        captured = capsys.readouterr()
    finally:
        del os.environ["ECOSTAT_HOME"]
    assert captured.err.count("\n") == 2 and "bomb.yaml line 9" in captured.err
    assert "1 would load" in captured.out


def test_a_spec_with_a_typo_holds_back_only_the_files_it_matches(tmp_path: Path, capsys) -> None:
    """#30.3: one typo in one spec failed all seven datasets with ~340 lines of stack traces.
    It is said once before the run, in one line with the contract's columns; the files it
    matches wait (failed, with the same message); every other file loads; fixed, the next run
    reads them."""
    from tests.faults.test_files_that_change import _csv, _run

    home = tmp_path / "home"
    (home / "sources").mkdir(parents=True)
    (home / "sources" / "typo.yaml").write_text(TYPO, encoding="utf-8")
    _csv(home / "landing" / "cleanup" / "typo_a.csv", "Бишкек;2023-04-01;5")
    _csv(home / "landing" / "cleanup" / "ok.csv", "Ош;2023-04-01;7")
    code, out = _run(home, capsys)
    assert code == 0, out
    assert "Traceback" not in out
    assert out.startswith(f"source spec {home / 'sources' / 'typo.yaml'}: unknown cleanup columns")
    assert "(files of landing/cleanup/ matching 'typo_*.csv' wait until it is fixed" in out
    assert (
        "FAILED cleanup/typo_a.csv: waits for its source spec typo.yaml (match: typo_*.csv)" in out
    )
    assert "cleanup              2       1" in out  # ok.csv loaded, typo_a.csv waits
    assert "  cleanup/ok.csv: loaded 1 of 1 rows\n" in out
    assert "  cleanup/typo_a.csv: failed: waits for its source spec typo.yaml" in out
    (home / "sources" / "typo.yaml").write_text(
        TYPO.replace("waste_colected_t", "waste_collected_t"), encoding="utf-8"
    )
    code, out = _run(home, capsys)
    assert code == 0, out
    assert "cleanup              2       0" in out


@pytest.mark.parametrize(
    "target",
    ["raw/cleanup/0123456789abcdef.parquet", "lake/catalog.sqlite", "out.csv"],
)
def test_query_and_export_never_write_inside_the_data_home(
    tmp_path: Path, capsys, target: str
) -> None:
    """`ecostat query --out` overwrote a raw snapshot (mode 444 does not stop root), and the
    next reload published 0 rows: an output inside the home is refused before anything runs,
    whatever the path (a link into the home included). exports/ is the one folder for them."""
    from pipelines.cli import main

    home = tmp_path / "home"
    snapshot = home / target
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    snapshot.write_bytes(b"immutable")
    link = tmp_path / "link"
    link.symlink_to(home)
    os.environ["ECOSTAT_HOME"] = str(home)
    try:
        for out in (snapshot, link / target):
            assert main(["query", "select 1 as x", "--out", str(out)]) == 2
            assert "inside the data home" in capsys.readouterr().err
            assert main(["export", "--out", str(out.parent)]) == 2
            assert "inside the data home" in capsys.readouterr().err
    finally:
        del os.environ["ECOSTAT_HOME"]
    assert snapshot.read_bytes() == b"immutable"
