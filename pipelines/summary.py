"""The short summary printed after a run: per dataset files and rows, marts and their sizes."""

from __future__ import annotations

import duckdb

from warehouse import run_query, scalar


def summary_lines(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[str]:
    """Per dataset: files by status and rows read / loaded / rejected of the current files;
    the reference overlays in force; the files this run staged again and what that released;
    then every mart with its row count."""
    lines = (
        _this_run_lines(con, run_id) + _run_file_lines(con, run_id) + _left_lines(con, run_id)
        if run_id is not None
        else []
    )
    files = run_query(con, "summary_datasets").fetchall()
    header = f"{'dataset':<16}{'files':>6}{'failed':>8}{'dupl.':>7}{'older':>7}{'rows read':>11}{'loaded':>9}{'rejected':>10}"
    lines += ["Datasets (current file versions):", header]
    for ds, loaded, failed, dup, sup, read, ok, rej in files:
        lines.append(
            f"{ds:<16}{loaded + failed:>6}{failed:>8}{dup:>7}{sup:>7}{read:>11}{ok:>9}{rej:>10}"
        )
    if files:  # what the columns count, for whoever reads the table for the first time
        lines += [
            "  (files: current versions, loaded or failed; dupl.: copies of a loaded file, not "
            "loaded again;",
            "   older: versions a correction replaced; rows: those of the current versions)",
        ]
    lines += [f"  {_short(line)}" for (line,) in run_query(con, "summary_file_lines").fetchall()]
    rules = run_query(con, "summary_rejected_by_rule").fetchall()
    if rules:
        lines.append(
            "Rejected rows by rule: " + "; ".join(f"{ds}.{rule} {n}" for ds, rule, n in rules)
        )
    lines += _overlay_lines(con)
    if run_id is not None:
        lines += _pass_lines(con, run_id)
    marts = con.execute(
        "select table_name, estimated_size from duckdb_tables() where schema_name = 'marts' order by table_name"
    ).fetchall()
    lines.append("Marts:")
    for name, _ in marts:
        n = scalar(con, f'select count(*) from marts."{name}"')
        lines.append(f"  marts.{name:<34}{n:>8} rows")
    return lines


_LINE_CHARS = 400  # a file's line in the summary; the whole text stays in audit.source_files


def _short(line: str) -> str:
    """A line of the summary no longer than a terminal can show in a few rows."""
    if len(line) <= _LINE_CHARS:
        return line
    return (
        f"{line[:_LINE_CHARS]}… ({len(line) - _LINE_CHARS:,} more characters in audit.source_files)"
    )


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _this_run_lines(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """One line of what this run changed: new files, replaced versions, files staged again and
    the rows they released, files left as they were; or that it found nothing new."""
    ((new, replaced, again, released, unchanged),) = run_query(
        con, "summary_this_run", run_id=run_id
    ).fetchall()
    if not (new or replaced or again):
        return [f"This run: no new files; {_count(unchanged, 'file')} as they were."]
    parts = []
    if new:
        parts.append(_count(new, "new file"))
    if replaced:
        parts.append(
            f"{replaced:,} new version of a loaded file"
            if replaced == 1
            else f"{replaced:,} new versions of loaded files"
        )
    if again:
        parts.append(
            _count(again, "file") + " staged again (" + _count(released, "row") + " released)"
        )
    parts.append(_count(unchanged, "file") + " as they were")
    return ["This run: " + "; ".join(parts) + "."]


_FILES_SHOWN = 50  # files of one run named in its summary; the rest are a query away


def _run_file_lines(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Every file this run landed or staged, with its outcome: what a cron mail must say, not
    only the totals."""
    files = run_query(con, "summary_run_files", run_id=run_id).fetchall()
    lines = []
    for file, status, read, loaded, rejected, error in files[:_FILES_SHOWN]:
        if status == "loaded":
            said = f"loaded {loaded:,} of {read:,} rows" + (
                f", {rejected:,} rejected" if rejected else ""
            )
        elif status == "duplicate":
            said = f"not loaded again: {error}"
        else:
            said = f"failed: {error}"
        lines.append(f"  {_short(f'{file}: {said}')}")
    if len(files) > _FILES_SHOWN:
        lines.append(
            f"  and {len(files) - _FILES_SHOWN:,} more files: "
            f'ecostat query "select path, status, rows_read, rows_loaded, rows_rejected, error '
            f"from audit.source_files where run_id = '{run_id}'\""
        )
    return lines


def _left_lines(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """The files this run left for the next one, each with why (audit.file_reads)."""
    left = run_query(con, "summary_left_for_next_run", run_id=run_id).fetchall()
    if not left:
        return []
    lines = [f"Left for the next run ({_count(len(left), 'file')}, nothing of them loaded):"]
    return lines + [f"  {file}: {message}" for file, _, message in left]


def _overlay_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The data home's reference overlays in force: rows of core.<name> from <home>/reference/."""
    tables = con.execute(
        """select table_name from duckdb_columns()
           where schema_name = 'core' and column_name = 'origin' order by table_name"""
    ).fetchall()
    found = []
    for (name,) in tables:
        for origin, n in con.execute(
            f"select origin, count(*) from core.{name} where origin <> 'seeds' group by origin"
        ).fetchall():
            found.append(f"{origin} ({n} rows)")
    return ["Reference overlays in force: " + ", ".join(found)] if found else []


def _pass_lines(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Files staged again in this run (rules or source spec changed, reload), with releases."""
    passes = run_query(con, "summary_passes", run_id=run_id).fetchall()
    if not passes:
        return []
    lines = ["Staged again from raw (quarantine re-checked):"]
    for ds, path, reason, changed, released, newly in passes:
        why = f"{reason}: {changed}" if changed else reason
        lines.append(
            f"  {ds}/{path}: {why}; {released or 0} rows released, {newly or 0} newly rejected"
        )
    return lines
