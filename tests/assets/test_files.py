"""The per-file loop of the ingest and staging assets: one file's unforeseen error is logged and
recorded against it alone, with a message that says what to do, and the next file still runs."""

from __future__ import annotations

from assets.files import each_file


class _Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def exception(self, message: str) -> None:
        self.lines.append(message)


def test_an_unforeseen_error_stops_only_its_file() -> None:
    recorded: dict[str, str] = {}

    def attempt(path: str) -> str:
        if path == "b.csv":
            raise OSError("No space left on device")
        return "loaded"

    def record_failure(path: str, message: str) -> str:
        recorded[path] = message
        return "failed"

    log = _Log()
    outcomes = list(
        each_file(["a.csv", "b.csv", "c.csv"], str, attempt, record_failure, log)  # type: ignore[arg-type]
    )
    assert outcomes == [("a.csv", "loaded"), ("b.csv", "failed"), ("c.csv", "loaded")]
    assert log.lines == ["b.csv: failed"]
    message = recorded["b.csv"]
    assert "OSError: No space left on device" in message
    assert "nothing of it was loaded" in message and "Re-run" in message
