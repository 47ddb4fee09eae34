"""`ecostat run`'s progress bar: fed by Dagster's events through the `progress` logger, shown
only on a terminal."""

from __future__ import annotations

import io
import itertools
import time

import dagster as dg

from pipelines import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@dg.asset(key=["raw", "cleanup"])
def _raw(context) -> None:
    context.log.info("cleanup/a.csv: landed, 30 rows")
    context.log.debug("not for the bar")


@dg.asset(key=["staging", "cleanup"], deps=[_raw])
def _staging(context) -> None:
    from assets.files import rows_done

    rows_done(context.log, "cleanup/big.csv", 400_000, 1_000_000)
    time.sleep(0.4)  # the bar redraws ten times a second


def _job() -> dg.JobDefinition:
    defs = dg.Definitions(
        assets=[_raw, _staging],
        loggers={"console": dg.colored_console_logger, progress.LOGGER: progress.progress_logger},
    )
    return defs.resolve_implicit_global_asset_job_def()


def test_on_a_terminal_the_bar_counts_steps_and_shows_each_files_outcome() -> None:
    screen = _Terminal()
    job = _job()
    with progress.shown(2, time.perf_counter(), stream=screen) as bar:
        assert bar
        result = job.execute_in_process(
            run_config={
                "loggers": {"console": {"config": {"log_level": "ERROR"}}, progress.LOGGER: {}}
            }
        )
    assert result.success
    shown = screen.getvalue()
    assert "cleanup/a.csv: landed, 30 rows" in shown
    assert "2/2" in shown and "staging/cleanup" in shown
    # A long step says how far it has got with a large file (#30.2).
    assert "staging/cleanup: cleanup/big.csv 400,000 of 1,000,000 rows" in shown
    assert "not for the bar" not in shown


def test_nothing_is_drawn_when_the_output_is_not_a_terminal_or_the_log_is_asked_for() -> None:
    pipe = io.StringIO()
    with progress.shown(2, time.perf_counter(), stream=pipe) as bar:
        assert not bar
    with progress.shown(2, time.perf_counter(), quiet=True, stream=_Terminal()) as bar:
        assert not bar
    assert pipe.getvalue() == ""


def _record_on_a_terminal(home, argv: list[str]) -> list[tuple[float, str]]:
    """Run `ecostat` under a pseudo-terminal; what it wrote, with when (seconds)."""
    import os
    import pty
    import re
    import select
    import subprocess

    from warehouse.home import REPO_ROOT

    master, slave = pty.openpty()
    env = dict(os.environ, ECOSTAT_HOME=str(home), COLUMNS="120", TERM="xterm")
    proc = subprocess.Popen(
        [str(REPO_ROOT / ".venv" / "bin" / "ecostat"), *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO_ROOT,
    )
    os.close(slave)
    started, chunks = time.monotonic(), []
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not data:
                break
            text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", data.decode(errors="replace"))
            chunks.append((time.monotonic() - started, text))
        elif proc.poll() is not None:
            break
    proc.wait(timeout=60)
    os.close(master)
    return chunks


def test_under_a_terminal_the_bar_ticks_moves_and_prints_files_cleanly(tmp_path) -> None:
    """#30.2: the bar froze for the whole of the steps (Dagster's capture of stderr passes on
    whole lines only) and its file lines were glued to a stale copy of it. Recorded under a
    pseudo-terminal: it redraws all along, counts the steps one by one, and every file line
    starts a line of its own."""
    import re

    home = tmp_path / "home"
    (home / "landing" / "cleanup").mkdir(parents=True)
    (home / "landing" / "cleanup" / "a.csv").write_text(
        "Территория;Дата;Собрано, т\nБишкек;2023-04-01;10\n", encoding="utf-8"
    )
    chunks = _record_on_a_terminal(home, ["run", "--force"])
    text = "".join(t for _, t in chunks)
    assert "ecostat run" in text and "SUCCESS" in text, text[-2000:]
    bar = [t for t, c in chunks if re.search(r"\d+/\d+ steps", c)]
    summary = next(t for t, c in chunks if "ecostat run" in c and "SUCCESS" in c)
    times = [t for t in bar if t <= summary]
    # Redrawn all along (ten times a second when nothing holds it up): no silence of seconds.
    assert max(b - a for a, b in itertools.pairwise(times)) < 4.0
    counts = {int(m) for m in re.findall(r"(\d+)/\d+ steps", text)}
    assert len(counts) >= 10  # the steps counted as they end, not at the end only
    line = re.search(r"(.)  cleanup/a\.csv: landed, 1 rows", text)
    assert line is not None and line[1] in "\r\n"  # a line of its own, not after the bar
