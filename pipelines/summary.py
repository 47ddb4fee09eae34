"""The short summary printed after a run: per dataset files and rows, marts and their sizes."""

from __future__ import annotations

import duckdb

from warehouse import scalar


def summary_lines(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> list[str]:
    """Per dataset: files by status and rows read / loaded / rejected of the current files;
    the reference overlays in force; the files this run staged again and what that released;
    then every mart with its row count."""
    lines = []
    files = con.execute(
        """select dataset,
                  count(*) filter (where status = 'loaded') as loaded,
                  count(*) filter (where status = 'failed') as failed,
                  count(*) filter (where status = 'duplicate') as duplicate,
                  count(*) filter (where status = 'superseded') as superseded,
                  coalesce(sum(rows_read) filter (where status = 'loaded'), 0) as rows_read,
                  coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0) as rows_loaded,
                  coalesce(sum(rows_rejected) filter (where status = 'loaded'), 0) as rows_rejected
           from audit.source_files group by dataset order by dataset"""
    ).fetchall()
    header = f"{'dataset':<16}{'files':>6}{'failed':>8}{'dupl.':>7}{'older':>7}{'rows read':>11}{'loaded':>9}{'rejected':>10}"
    lines += ["Datasets (current file versions):", header]
    for ds, loaded, failed, dup, sup, read, ok, rej in files:
        lines.append(
            f"{ds:<16}{loaded + failed:>6}{failed:>8}{dup:>7}{sup:>7}{read:>11}{ok:>9}{rej:>10}"
        )
    failed = con.execute(
        "select dataset, path, error from audit.source_files where status = 'failed' order by dataset, path"
    ).fetchall()
    for ds, path, error in failed:
        lines.append(f"  FAILED {ds}/{path}: {error}")
    for ds, path, notes in con.execute(
        "select dataset, path, notes from audit.source_files where status = 'loaded' and notes is not null order by dataset, path"
    ).fetchall():
        lines.append(f"  {ds}/{path}: {notes}")
    for ds, path, reason in con.execute(
        "select dataset, path, error from audit.source_files where status = 'skipped' order by dataset, path"
    ).fetchall():
        lines.append(f"  skipped {ds}/{path}: {reason}")
    unmapped = con.execute(
        """select dataset, path, column_map->>'$.unmapped' from audit.source_files
           where status = 'loaded' and json_array_length(column_map->'$.unmapped') > 0
           order by dataset, path"""
    ).fetchall()
    for ds, path, headers in unmapped:
        lines.append(
            f"  {ds}/{path}: headers not in the contract, kept in raw.{ds}.extra: {headers}"
        )
    rules = con.execute(
        """select dataset, rule, count(*) as n_rows
           from (select dataset, unnest(rules) as rule from audit.current_rejected_rows)
           group by all order by dataset, n_rows desc, rule"""
    ).fetchall()
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
    passes = con.execute(
        """select dataset, path, reason, changed, rows_released, rows_newly_rejected
           from audit.staging_passes where run_id = ? and reason <> 'new file'
           order by dataset, path""",
        [run_id],
    ).fetchall()
    if not passes:
        return []
    lines = ["Staged again from raw (quarantine re-checked):"]
    for ds, path, reason, changed, released, newly in passes:
        why = f"{reason}: {changed}" if changed else reason
        lines.append(
            f"  {ds}/{path}: {why}; {released or 0} rows released, {newly or 0} newly rejected"
        )
    return lines
