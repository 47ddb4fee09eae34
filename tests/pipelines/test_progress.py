"""`ecostat run`'s progress bar: fed by Dagster's events through the `progress` logger, shown
only on a terminal."""

from __future__ import annotations

import io
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
def _staging() -> None:
    pass


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
    assert "not for the bar" not in shown


def test_nothing_is_drawn_when_the_output_is_not_a_terminal_or_the_log_is_asked_for() -> None:
    pipe = io.StringIO()
    with progress.shown(2, time.perf_counter(), stream=pipe) as bar:
        assert not bar
    with progress.shown(2, time.perf_counter(), quiet=True, stream=_Terminal()) as bar:
        assert not bar
    assert pipe.getvalue() == ""
