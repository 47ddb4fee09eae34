"""The version of the rules staging applies to a dataset, as a fingerprint of its parts.

A file's rows were loaded or rejected under the contract (contract.yaml, model.py and the
base model), the reference tables staging reads (the gazetteer with its names and codes, the
unit and scale words, seeds and overlays alike), ecostat's parsers, and its source spec's
staging options (constants, the spec's own territory names, country, decimal separator, units).
When any of these changes, the file is staged again from raw, and the parts that changed are
named in the audit (audit.staging_passes, audit.rejection_history).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from contracts import CONTRACTS_DIR, Contract

# The reference tables staging reads (assets/reference/load.reference): every dataset's, and
# those a dataset with a station column reads besides.
STAGING_REFERENCE = ("regions", "territory_names", "territory_codes", "units", "scales")
AIR_REFERENCE = (
    "air_quality_stations",
    "air_quality_station_names",
    "air_quality_pollutants",
    "air_quality_conversion_bases",
    "air_quality_standards",
)


def staging_reference(contract: Contract) -> tuple[str, ...]:
    """The reference tables staging reads for this contract's files."""
    if any(c.type == "station" for c in contract.columns):
        return STAGING_REFERENCE + AIR_REFERENCE
    return STAGING_REFERENCE


# The code that reads cells: staging's parsers and the vocabulary and name rules below them.
_PARSERS = (
    Path(__file__).parent / "text.py",
    Path(__file__).parent / "measures.py",
    Path(__file__).parent / "periods.py",
    Path(__file__).parent / "validate.py",
    CONTRACTS_DIR / "vocabulary.py",
    CONTRACTS_DIR / "territories.py",
    CONTRACTS_DIR / "air.py",
    CONTRACTS_DIR / "place_names.py",
    CONTRACTS_DIR / "periods.py",
)
# A file whose fingerprint is this is staged again on the next run (`ecostat reload`).
RELOAD = "reload"


def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()[:16]


@cache
def parsers_fingerprint() -> str:
    return _sha(*(path.read_bytes() for path in _PARSERS))


def contract_fingerprint(contract: Contract) -> str:
    folder = CONTRACTS_DIR / contract.dataset
    return _sha(
        (folder / "contract.yaml").read_bytes(),
        (folder / "model.py").read_bytes(),
        (CONTRACTS_DIR / "schema.py").read_bytes(),
    )


def reference_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """Of a reference table's content, whatever its row order and wherever its rows came from
    (a row moved from an overlay into the seeds changes nothing)."""
    frame = con.sql(f"select * exclude (origin) from core.{table}").pl()
    frame = frame.sort(frame.columns, nulls_last=True)
    return _sha(frame.write_csv().encode())


@dataclass(frozen=True)
class RulesVersion:
    dataset: str
    components: dict[str, str]  # part -> its fingerprint

    @property
    def fingerprint(self) -> str:
        return _sha(json.dumps(self.components, sort_keys=True).encode())

    def changed_since(self, before: dict[str, str] | None) -> list[str]:
        """The parts that differ from an earlier version's (all of them when it is unknown)."""
        if before is None:
            return sorted(self.components)
        return sorted(k for k, v in self.components.items() if before.get(k) != v)


def rules_version(con: duckdb.DuckDBPyConnection, contract: Contract) -> RulesVersion:
    components = {f"contract {contract.dataset}": contract_fingerprint(contract)}
    components |= {f"core.{t}": reference_fingerprint(con, t) for t in staging_reference(contract)}
    components["ecostat parsers"] = parsers_fingerprint()
    return RulesVersion(contract.dataset, components)
