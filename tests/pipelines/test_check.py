"""`ecostat check FILE`: a file read and validated as a run would, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main
from warehouse.home import SEEDS_DIR


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("ECOSTAT_HOME", str(home))
    return home


def test_a_good_file_would_load_whole_and_nothing_is_written(home: Path, capsys) -> None:
    path = SEEDS_DIR / "landing" / "cleanup" / "kg_mnr_subbotniki_2019_2024.csv"
    assert main(["check", str(path)]) == 0  # the dataset is the landing folder's name
    out = capsys.readouterr().out
    assert "(cleanup, source spec auto)" in out
    assert "'Собрано всего, т' -> waste_collected_t, unit 'т'" in out
    assert "Rows: 7 read, 7 would load, 0 would be rejected" in out
    assert not home.exists()


def test_a_bad_file_says_what_would_be_rejected_and_why(home: Path, tmp_path, capsys) -> None:
    path = tmp_path / "submission.csv"
    path.write_text(
        "Территория;Дата;Собрано всего, т\nг. Бишкек;30.03.2024;270\nКузбас;2024;5\nг. Бишкек;;1\n",
        encoding="cp1251",
    )
    assert main(["check", str(path), "--dataset", "cleanup"]) == 1
    out = capsys.readouterr().out
    assert "Rows: 3 read, 1 would load, 2 would be rejected" in out
    assert "known_territory: 1 row(s)" in out and "row 3, territory = 'Кузбас'" in out
    assert "period_required: 1 row(s)" in out
    assert not home.exists()


def test_a_reference_overlay_of_the_home_counts(home: Path, tmp_path, capsys) -> None:
    """The check uses the home's overlays, as a run would: a spelling added there resolves."""
    (home / "reference").mkdir(parents=True)
    (home / "reference" / "territory_names.csv").write_text(
        "territory_id,name,language,source\nRU-KEM,Кузбас,ru,a test\n",
        encoding="utf-8",
    )
    path = tmp_path / "submission.csv"
    path.write_text("Территория;Дата;Собрано всего, т\nКузбас;2024;5\n", encoding="utf-8")
    assert main(["check", str(path), "--dataset", "cleanup"]) == 0
    assert "1 would load" in capsys.readouterr().out
    # A broken overlay stops the check as it would stop a run, with its file and row.
    (home / "reference" / "territory_names.csv").write_text(
        "territory_id,name,language,kind\nRU-KEM,Кузбас,ru,x\n", encoding="utf-8"
    )
    assert main(["check", str(path), "--dataset", "cleanup"]) == 4  # a declaration unusable
    assert "territory_names.csv" in capsys.readouterr().err


def test_an_unreadable_file_or_an_unknown_dataset_is_said_plainly(
    home: Path, tmp_path, capsys
) -> None:
    binary = tmp_path / "table.csv"
    binary.write_bytes(b"\x00\x01\x02binary\x00" * 20)
    assert main(["check", str(binary), "--dataset", "cleanup"]) == 3  # not a table
    assert "cannot be read: not a text file" in capsys.readouterr().err
    assert main(["check", str(binary)]) == 2
    assert "which dataset is table.csv? Give --dataset" in capsys.readouterr().err
    assert main(["check", str(binary), "--dataset", "cleanup", "--spec", "nope"]) == 2
    assert "no source spec 'nope' for cleanup" in capsys.readouterr().err


def test_the_dataset_comes_from_the_spec_that_matches_the_name(home: Path, tmp_path, capsys):
    """#30.4: `check FILE` outside landing/ finds the dataset by the source spec whose match
    fits the file's name, as a run in landing/<dataset>/ would read it."""
    path = tmp_path / "kz_campaigns_2024_en.csv"
    path.write_text('Region,Date,Waste collected (t)\nKazakhstan,2024-09-21,"1,500"\n', "utf-8")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert (
        out.startswith(f"{path} (cleanup, source spec kz_campaigns_en)") and "1 would load" in out
    )


def test_no_header_says_what_it_saw_and_what_it_knows(home: Path, tmp_path, capsys) -> None:
    """#30.4: "no header row found" lists the headers it saw, which it recognised, and the
    contract's columns."""
    path = tmp_path / "odd.csv"
    path.write_text("Область;Год отчёта;Масса мусора\nБишкек;2023;5\n", encoding="utf-8")
    assert main(["check", str(path), "--dataset", "cleanup"]) == 3
    out = capsys.readouterr().err
    assert "The fullest row (row 1) reads 'Область', 'Год отчёта', 'Масса мусора'" in out
    assert "recognised: 'Область' -> territory" in out
    assert "The contract's columns are territory, period" in out


def test_a_spec_that_maps_a_header_the_file_lacks_says_so(home: Path, tmp_path, capsys) -> None:
    """#30.4: instead of "required and empty" on every row."""
    (home / "sources").mkdir(parents=True, exist_ok=True)
    (home / "sources" / "odd.yaml").write_text(
        "name: odd\ndataset: cleanup\nmatch: 'odd_*.csv'\ncolumns:\n  Регион: territory\n",
        encoding="utf-8",
    )
    path = tmp_path / "odd_2023.csv"
    path.write_text("Территория;Дата;Собрано, т\nБишкек;2023;5\n", encoding="utf-8")
    assert main(["check", str(path), "--dataset", "cleanup"]) == 0  # its header is there too
    capsys.readouterr()
    path.write_text("Место;Дата;Собрано, т\nБишкек;2023;5\n", encoding="utf-8")
    assert main(["check", str(path), "--dataset", "cleanup"]) == 3
    out = capsys.readouterr().err
    assert "the source spec maps header 'Регион' for territory, which the file must give" in out
    assert "it reads 'Место', 'Дата', 'Собрано, т'" in out
