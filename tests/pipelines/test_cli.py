"""#30.12: the `ecostat` command: one way of saying an error, exit codes in one table."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.cli import main, parser
from pipelines.commands import cluster, declarations, files, read, run
from pipelines.commands.common import Exit


def test_every_command_is_registered_by_its_group_module() -> None:
    commands = set(parser()._subparsers._group_actions[0].choices)
    assert commands == {
        "run",
        "reload",
        "init",
        "home",
        "restore",
        "trace",
        "query",
        "export",
        "digest",
        "check",
        "extract",
        "docs",
        "reference",
        "servers",
        "worker",
    }
    for module in (run, read, files, declarations, cluster):
        assert callable(module.register)


def test_an_unexpected_error_is_one_line_on_stderr_and_its_trace_is_kept(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """No stack trace reaches a user unless asked for: the line names the file that has it."""

    def broken(args) -> int:
        raise KeyError("a bug of ours")

    monkeypatch.setenv("ECOSTAT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ECOSTAT_TRACEBACK", raising=False)
    monkeypatch.setattr(declarations, "cmd_docs", broken)
    assert main(["docs"]) == Exit.NOT_DONE
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("ecostat docs: unexpected error: KeyError: 'a bug of ours'. ")
    (log,) = (tmp_path / "home" / "logs").iterdir()
    assert str(log) in line
    assert "Traceback" in log.read_text(encoding="utf-8") and "a bug of ours" in log.read_text()
    monkeypatch.setenv("ECOSTAT_TRACEBACK", "1")
    with pytest.raises(KeyError):
        main(["docs"])


def test_errors_go_to_stderr_and_results_to_stdout(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ECOSTAT_HOME", str(tmp_path / "home"))
    assert main(["check", str(tmp_path / "missing.csv")]) == Exit.NOT_DONE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"ecostat check: no file {tmp_path / 'missing.csv'}\n"
    assert main(["home"]) == Exit.OK
    assert capsys.readouterr().out.strip() == str(tmp_path / "home")
