"""The loop every per-file asset runs: for each pending file, try it, record what happened, log
it. One file never stops the others: an error nobody foresaw (a bug of ours, a full disk) is
logged with its traceback and recorded against that file alone, with a message that says what
to do."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

import dagster as dg

File = TypeVar("File")
Outcome = TypeVar("Outcome")

# A step's debug message that says how far a large file has got ("rows done: cleanup/big.csv
# 400,000 of 1,000,000"): `ecostat run`'s progress bar shows it beside the step
# (pipelines/progress.py); the Dagster UI keeps it in the run's debug log.
ROWS_DONE = "rows done: "


def rows_done(log: dg.DagsterLogManager, name: str, done: int, total: int) -> None:
    """Say how many rows of a large file a step has done."""
    log.debug(f"{ROWS_DONE}{name} {done:,} of {total:,}")


def unexpected(error: Exception) -> str:
    """The recorded message of an error no rule foresaw, for the engineer who reads audit."""
    return (
        f"ecostat could not process this file ({type(error).__name__}: {error}); nothing of it "
        "was loaded and the other files were. Re-run once the cause is fixed; if it persists, "
        "report it with the run's log"
    )


def each_file(
    pending: Iterable[File],
    name: Callable[[File], str],
    attempt: Callable[[File], Outcome],
    record_failure: Callable[[File, str], Outcome],
    log: dg.DagsterLogManager,
) -> Iterator[tuple[File, Outcome]]:
    """(file, outcome) for each pending file: ``attempt``'s outcome, or ``record_failure``'s with
    the message of an unexpected error."""
    for item in pending:
        try:
            outcome = attempt(item)
        except Exception as e:  # one file never stops the others; the error is recorded
            log.exception(f"{name(item)}: failed")
            outcome = record_failure(item, unexpected(e))
        yield item, outcome
