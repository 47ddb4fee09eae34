"""What `ecostat run` shows while it works, on a terminal: a bar of the run's steps with the
step running, steps done of all and the time since the command started, and above it a line
per file as each is landed or staged (read, loaded, rejected). Nothing when the output is not
a terminal (CI, cron, a pipe): the summary after the run says it all.

Dagster tells the bar what happens through a logger of the code location, ``progress``, which
the CLI turns on for its own runs; a run started in the Dagster UI does not use it. A long step
(staging a file of several chunks) says how many rows it has done (assets/files.py
``rows_done``), shown beside the step's name.

The bar writes to its own copy of the terminal's file descriptor. Dagster captures a step's
stderr for the UI (the run's compute log) through a tee that passes on whole lines only: a bar
redrawn with carriage returns on stderr froze for the whole of a step and came out glued to the
next line. Warnings and errors of the steps are printed above the bar by the bar itself, for
the same reason (the CLI turns Dagster's console log down while the bar is shown).
"""

from __future__ import annotations

import io
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
)
from rich.text import Text

from assets.files import ROWS_DONE

LOGGER = "progress"
_FINISHED = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}


class _Since(ProgressColumn):
    """Seconds since the command started (its imports included), as the summary counts them."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started

    def render(self, task: Task) -> Text:
        return Text(f"steps, {time.perf_counter() - self.started:.0f} s")


class RunProgress:
    """A live bar of one run's steps (rich), for a terminal."""

    def __init__(self, total_steps: int, started: float, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            _Since(started),
            console=console,
            transient=True,  # the summary replaces it
        )
        self.task = self.progress.add_task("starting", total=total_steps)

    def step_started(self, step: str) -> None:
        self.progress.update(self.task, description=_shown(step))

    def step_finished(self, step: str) -> None:
        self.progress.update(self.task, advance=1)

    def rows(self, step: str, done: str) -> None:
        """How far a long step has got with a large file: '... 400,000 of 1,000,000 rows'."""
        self.progress.update(self.task, description=f"{_shown(step)}: {done} rows")

    def note(self, message: str) -> None:
        """A line above the bar (a file's outcome), kept when the bar goes."""
        self.progress.console.print(f"  {message}", highlight=False, markup=False)


def _shown(step: str) -> str:
    """A step key as the asset it builds: staging__cleanup -> staging/cleanup."""
    return step.replace("__", "/", 1)


_current: RunProgress | None = None


class _Handler(logging.Handler):
    """Dagster's records -> the bar: step starts and ends, and the steps' own messages (a
    file's outcome) at INFO or above."""

    def emit(self, record: logging.LogRecord) -> None:
        bar = _current
        if bar is None:
            return
        meta = getattr(record, "dagster_meta", None) or {}
        step = meta.get("step_key")
        event = getattr(record, "dagster_event", None)
        kind = event.event_type_value if event is not None else None
        if kind == "STEP_START" and step:
            bar.step_started(step)
        elif kind in _FINISHED and step:
            bar.step_finished(step)
        elif kind is None and step and (meta.get("orig_message") or "").startswith(ROWS_DONE):
            bar.rows(step, meta["orig_message"].removeprefix(ROWS_DONE))
        elif kind is None and step and record.levelno >= logging.WARNING:
            level = "error" if record.levelno >= logging.ERROR else "warning"
            bar.note(f"{level}: {meta.get('orig_message') or record.getMessage()}")
        elif (
            kind is None
            and step
            and step.startswith(("raw__", "staging__"))
            and record.levelno == logging.INFO
        ):
            bar.note(meta.get("orig_message") or record.getMessage())


@dg.logger(description="Step and file progress of a run for `ecostat run` on a terminal.")
def progress_logger(_init_context) -> logging.Logger:
    # DEBUG: Dagster logs a step's start and end at that level.
    logger = logging.Logger("ecostat.progress", level=logging.DEBUG)
    logger.addHandler(_Handler())
    return logger


@contextmanager
def shown(total_steps: int, started: float, quiet: bool = False, stream=None) -> Iterator[bool]:
    """Show the bar while the block runs when ``stream`` (stderr) is a terminal and not
    ``quiet``; yields whether it is shown (the run config then turns the ``progress`` logger
    on)."""
    global _current
    stream = stream if stream is not None else sys.stderr
    if quiet or not stream.isatty():
        yield False
        return
    # A copy of the terminal's descriptor: Dagster's capture of stderr does not reach it. (A
    # stream with no descriptor, a test's, is written as it is.)
    try:
        terminal = os.fdopen(
            os.dup(stream.fileno()), "w", encoding=getattr(stream, "encoding", None) or "utf-8"
        )
    except (AttributeError, OSError, io.UnsupportedOperation):
        terminal = None
    bar = RunProgress(total_steps, started, Console(file=terminal or stream))
    _current = bar
    try:
        with bar.progress:
            yield True
    finally:
        _current = None
        if terminal is not None:
            terminal.close()
