"""audit.findings: one row per thing a person reviews, whatever the number of files behind it;
a finding never blocks publishing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from assets.sql.assets import _model_checks
from warehouse import sql_models

FINDINGS = next(m for m in sql_models() if m.table == "audit.findings")


@pytest.fixture
def copy(seeded_home: Path, tmp_path: Path):
    path = tmp_path / "w.duckdb"
    shutil.copy(seeded_home / "warehouse.duckdb", path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


def test_two_files_reporting_the_same_figures_give_one_finding_each(copy) -> None:
    """The same clean-up rows landed twice (another copy of the file, in another encoding):
    every finding is there once, counting both copies' rows (defect #14.1)."""
    before = copy.execute(f"select finding_id, source_row_ids from ({FINDINGS.sql})").fetchall()
    copy.execute(
        "insert into core.cleanup select * replace (source_row_id || '-copy' as source_row_id) "
        "from core.cleanup"
    )
    after = copy.execute(
        f"select finding_id, finding_type, source_row_ids from ({FINDINGS.sql}) where dataset = 'cleanup'"
    ).fetchall()
    every = copy.execute(f"select finding_id from ({FINDINGS.sql})").fetchall()
    ids = [f for (f,) in every]
    assert len(ids) == len(set(ids))
    assert {f for f, _ in before} == set(ids)  # the same findings, no new ones
    parts = [
        rows
        for _, kind, rows in after
        if kind in ("parts_vs_total", "sub_territories_vs_territory")
    ]
    assert parts and all(any(r.endswith("-copy") for r in rows) for rows in parts)


def test_no_check_of_the_findings_is_an_error() -> None:
    """Findings are for a person to review; none of their checks stops what follows."""
    assert {severity for _, severity, _, _ in _model_checks(FINDINGS)} == {"warning"}


def test_no_coverage_gap_is_reported_for_a_year_the_data_covers(warehouse) -> None:
    """Defect #14.11: Kuzbass coal 2022 (August shipments) and Kazakhstan clean-up 2024 (a
    campaign of 2024-01 to 2025-06) were reported as missing."""
    gaps = set(
        warehouse.execute(
            "select dataset, territory_id, year from audit.findings where finding_type = 'coverage_gap'"
        ).fetchall()
    )
    assert ("coal_usage", "RU-KEM", 2022) not in gaps
    assert ("cleanup", "KZ", 2024) not in gaps
    assert gaps  # real gaps are still reported
