"""Quarantine that can be released: which files to stage (again), and the audit of each pass.

A file is staged when it is new, and again, from its raw rows (the landing file is not
needed), when what decided its rows changed: the version of its dataset's rules
(``rules.RulesVersion``: contract, gazetteer and other reference tables with the home's
overlays, ecostat's parsers) or the staging options its source spec gives, or when
`ecostat reload` asked for it. A pass keeps the history: every rejection it replaces goes to
audit.rejection_history with what became of it (released, still rejected, rejected for other
rules), and audit.staging_passes says why the file was staged, what changed, under which
fingerprints, and how many rows were released or newly rejected. A pass is crash-safe like a
first staging: the file is ``landed`` until the pass commits, and an interrupted pass is
finished by the next run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from assets.staging.load import StageOutcome
from assets.staging.rules import RELOAD, RulesVersion
from contracts import ANY_DATASET, SourceSpec
from contracts.column_map import ColumnMap
from warehouse import first_row, transaction
from warehouse.keys import insert_new_row

NEW = "new file"
RULES_CHANGED = "rules changed"
SPEC_CHANGED = "source spec changed"
RELOADED = "reload requested"
RESUMED = "interrupted pass resumed"


@dataclass(frozen=True)
class Pass:
    """One file to stage in this run, and why."""

    file_id: str
    path: str
    sheet: str | None
    column_map: ColumnMap  # as staging will read it (the spec's current options)
    reason: str
    changed: str | None  # the parts of the rules that changed, for the audit
    fingerprint_before: str | None

    @property
    def again(self) -> bool:
        return self.reason != NEW


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record_version(con: duckdb.DuckDBPyConnection, version: RulesVersion, run_id: str) -> None:
    insert_new_row(
        con,
        "audit.rule_versions",
        {
            "fingerprint": version.fingerprint,
            "dataset": version.dataset,
            "components": json.dumps(version.components),
            "first_run_id": run_id,
            "first_seen_at": _now(),
        },
    )


def files_to_stage(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    version: RulesVersion,
    specs: list[SourceSpec],
) -> list[Pass]:
    """New files, and loaded files whose rules or source spec options changed, in path order."""
    known = {
        fp: json.loads(components)
        for fp, components in con.execute(
            "select fingerprint, components from audit.rule_versions where dataset = ?", [dataset]
        ).fetchall()
    }
    by_name = {s.name: s for s in specs if s.dataset in (dataset, ANY_DATASET)}
    out = []
    for file_id, path, sheet, column_map, spec_name, status, fingerprint in con.execute(
        "select file_id, path, sheet, column_map, source_spec, status, rules_fingerprint "
        "from audit.source_files where dataset = ? and status in ('landed', 'loaded') "
        "order by path",
        [dataset],
    ).fetchall():
        cm = ColumnMap.from_json(column_map)
        spec = by_name.get(spec_name)
        spec_changes = cm.options_changed(spec) if status == "loaded" else []
        if status == "landed":
            reason = RESUMED if fingerprint else NEW
            changed = None
        elif fingerprint == RELOAD:
            reason, changed = RELOADED, None
        elif fingerprint != version.fingerprint:
            reason = RULES_CHANGED
            parts = version.changed_since(known.get(fingerprint))
            changed = ", ".join(parts) if fingerprint in known else "rules not recorded before"
        elif spec_changes:
            reason, changed = SPEC_CHANGED, None
        else:
            continue
        if spec_changes:
            what = f"source spec {spec_name}: {', '.join(spec_changes)}"
            changed = f"{changed}; {what}" if changed else what
            cm = cm.with_spec_options(spec)
        out.append(Pass(file_id, path, sheet, cm, reason, changed, fingerprint))
    return out


def begin(con: duckdb.DuckDBPyConnection, p: Pass, version: RulesVersion, run_id: str) -> None:
    """Before a file is staged again: its standing rejections go to the history (their outcome
    is filled in by ``finish``), its column map takes the spec's current options, and it is
    ``landed`` until the new pass commits. A pass resumed after a killed one takes over the
    killed pass's baseline instead (the rejections recorded since are its partial work)."""
    with transaction(con):
        pending = first_row(
            con,
            "select count(*) from audit.rejection_history where file_id = ? and outcome is null",
            [p.file_id],
        )[0]
        if pending:
            # A pass that was killed (kill -9, a crash) took these rejections as they stood
            # before it; the rejections now recorded are its partial work. This pass takes that
            # baseline over, so that what it releases is counted, and credited to this run.
            con.execute(
                "update audit.rejection_history set revalidated_run_id = ?, revalidated_at = ?, "
                "revalidated_fingerprint = ? where file_id = ? and outcome is null",
                [run_id, _now(), version.fingerprint, p.file_id],
            )
        elif p.reason != RESUMED:
            _take_baseline(con, p, version, run_id)
        con.execute(
            "update audit.source_files set status = 'landed', column_map = ? where file_id = ?",
            [p.column_map.to_json(), p.file_id],
        )


def _take_baseline(
    con: duckdb.DuckDBPyConnection, p: Pass, version: RulesVersion, run_id: str
) -> None:
    """The file's standing rejections, into the history, their outcome to be filled in."""
    con.execute(
        """insert into audit.rejection_history
           select r.file_id, r.dataset, r.path, r.sheet, r.row_number, r.source_column,
                  r.column_name, r.rule, r.value, r.message, r.run_id, f.rules_fingerprint,
                  ?, ?, ?, ?, null
           from audit.rejected_rows r join audit.source_files f using (file_id)
           where r.file_id = ?""",
        [run_id, _now(), version.fingerprint, p.changed or p.reason, p.file_id],
    )


def finish(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    p: Pass,
    outcome: StageOutcome,
    version: RulesVersion,
    run_id: str,
) -> tuple[int, int]:
    """After a pass: what became of every earlier rejection, and the pass's own record.
    Returns (rows released, rows newly rejected)."""
    con.execute(
        """update audit.rejection_history as h set outcome = case
               when exists (select 1 from audit.rejected_rows r where r.file_id = h.file_id
                            and r.row_number = h.row_number and r.source_column = h.source_column
                            and r.rule = h.rule) then 'still_rejected'
               when exists (select 1 from audit.rejected_rows r where r.file_id = h.file_id
                            and r.row_number = h.row_number and r.source_column = h.source_column)
                   then 'rejected_otherwise'
               else 'released' end
           where h.file_id = ? and h.outcome is null""",
        [p.file_id],
    )
    released, newly = 0, 0
    if p.again:
        released, newly = first_row(
            con,
            """select
                   (select count(distinct (row_number, source_column)) from audit.rejection_history
                    where file_id = $1 and revalidated_run_id = $2 and outcome = 'released'),
                   (select count(distinct (row_number, source_column)) from audit.rejected_rows r
                    where file_id = $1 and not exists (
                        select 1 from audit.rejection_history h where h.file_id = r.file_id
                        and h.row_number = r.row_number and h.source_column = r.source_column
                        and h.revalidated_run_id = $2))""",
            [p.file_id, run_id],
        )
    con.execute(
        "insert into audit.staging_passes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            p.file_id,
            dataset,
            p.path,
            run_id,
            _now(),
            p.reason,
            p.changed,
            p.fingerprint_before,
            version.fingerprint,
            outcome.rows_read,
            outcome.rows_loaded,
            outcome.rows_rejected,
            released if p.again else None,
            newly if p.again else None,
        ],
    )
    return released, newly


def request_reload(con: duckdb.DuckDBPyConnection, dataset: str | None = None) -> int:
    """Mark the loaded files of a dataset (or of all) to be staged again on the next run.
    Returns how many were marked."""
    where = "status = 'loaded'" + (" and dataset = ?" if dataset else "")
    params = [dataset] if dataset else []
    (n,) = first_row(con, f"select count(*) from audit.source_files where {where}", params)
    con.execute(
        f"update audit.source_files set rules_fingerprint = ? where {where}", [RELOAD, *params]
    )
    return n
