"""Recall and precision of `ecostat extract` on the three reports in ../shared/docs (#18).

EXPECTED lists the in-scope figures of ../shared/DOMAIN.md that these documents hold and a
dataset column can take, each with its value, unit, territory and period as a person would
type them. ALSO_CORRECT lists true figures the rules may find that DOMAIN.md does not list (a
count of providers by kind, a meeting of 20 December 2023): a candidate matching one counts
as correct for precision, and is not needed for recall.

DOMAIN.md figures no dataset column takes, so left out of EXPECTED: project money (USD, CNY:
no dataset of projects), the Min-Kush plant's 1.8 Mt a year and Kara-Keche's ash content
(coal_usage holds coal used, not a plant's capacity, and needs a tonnage beside an ash share),
the landfill's 2.3 ha and 850 seedlings, the 1,039 and 747 garment workshops, the processing
complex expected in Q4 2025 (no capacity), and the laboratory's opening date. None of them may
be proposed for a dataset (test_figures_no_dataset_takes_are_not_proposed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.extract.candidates import Candidate, find_candidates
from assets.extract.documents import read_document
from contracts import load_contract
from contracts.vocabulary import Units
from tests.conftest import REFERENCE

DOCS = Path(__file__).resolve().parents[4] / "shared" / "docs"
KG = "kyrgyz_ministry_results_2023.txt"
KUZBASS = "kuzbass_eco_council_report_q4_2023.txt"
ZHAIK = "zhaik_caspian_aarhus_centre_activities.txt"

# (document, dataset, column, value, unit, territory, period)
EXPECTED = [
    # Clean-up days of 2023 (the national clean-up days), by composition.
    (KG, "cleanup", "events_count", 4, "events", "KG", "2023"),
    (KG, "cleanup", "participants", 345_000, "persons", "KG", "2023"),
    (KG, "cleanup", "organisations", 37, "organisations", "KG", "2023"),
    (KG, "cleanup", "waste_collected_t", 3346.259, "t", "KG", "2023"),
    (KG, "cleanup", "plastic_t", 425.885, "t", "KG", "2023"),
    (KG, "cleanup", "glass_t", 197, "t", "KG", "2023"),
    (KG, "cleanup", "paper_t", 304.274, "t", "KG", "2023"),
    (KG, "cleanup", "other_t", 2419.1, "t", "KG", "2023"),
    # Coal saved by the Bishkek heat utility's 22 boilers moved to gas.
    (KG, "coal_usage", "coal_t", 3600, "t", "KG-GB", "2023"),
    # The garment-waste incinerator, up to 20 t a day.
    (KG, "waste_facilities", "capacity", 20, "t/day", "KG", "2023"),
    # Water-fee revenue to the republican budget.
    (KG, "water_fees", "amount", 392_900_000, "KGS", "KG", "2023"),
    # The air-monitoring network: posts, the automatic station, sensors, providers, stations.
    (KG, "air_monitoring", "stations", 14, "stations", "KG", "2023"),
    (KG, "air_monitoring", "stations", 1, "stations", "KG", "2023"),
    (KG, "air_monitoring", "stations", 50, "stations", "KG", "2023"),
    (KG, "air_monitoring", "providers", 18, "providers", "KG", "2023"),
    (KG, "air_monitoring", "stations", 20, "stations", "KG", "2023"),  # Kyrgyzhydromet
    (KG, "air_monitoring", "stations", 1, "stations", "KG", "2023"),  # US embassy
    (KG, "air_monitoring", "stations", 2, "stations", "KG", "2023"),  # OSCE
    (KG, "air_monitoring", "stations", 1, "stations", "KG", "2023"),  # MoveGreen
    (KG, "air_monitoring", "stations", 1, "stations", "KG", "2023"),  # Bravo
    (KG, "air_monitoring", "stations", 1, "stations", "KG", "2023"),  # Breeeth!
    (KG, "air_monitoring", "stations", 5, "stations", "KG", "2023"),  # private persons
    # The Kuzbass council's six events of Q4 2023 (title as published, its beginning).
    (KUZBASS, "eco_events", "title", "Круглый стол «Экоактивисты", "", "RU-KEM", "04.10.2023"),
    (KUZBASS, "eco_events", "title", "Заседание по вопросу рекультивации", "", "RU-KEM", "06.10.2023"),
    (KUZBASS, "eco_events", "title", "II Всероссийский индустриальный", "", "RU-KEM", "10-12.10.2023"),
    (KUZBASS, "eco_events", "title", "Международная научно-практическая", "", "RU-KEM", "17-23.11.2023"),
    (KUZBASS, "eco_events", "title", "Круглый стол, приуроченный", "", "RU-KEM", "08.12.2023"),
    (KUZBASS, "eco_events", "title", "Заседание по вопросу деятельности", "", "RU-KEM", "15.12.2023"),
]  # fmt: skip

ALSO_CORRECT = [
    (KG, "air_monitoring", "providers", 2, "providers", "KG", "2023"),  # 2 state bodies
    (KG, "air_monitoring", "providers", 3, "providers", "KG", "2023"),  # 3 NGOs
    (KG, "air_monitoring", "providers", 1, "providers", "KG", "2023"),  # 1 company
    (KG, "air_monitoring", "providers", 5, "providers", "KG", "2023"),  # 5 private persons
    (KG, "eco_events", "title", "проведено 2-ое заседание", "", "KG", "20 декабря 2023"),
]

RECALL_FLOOR = 0.90
PRECISION_FLOOR = 0.70


@pytest.fixture(scope="module")
def candidates(territories) -> dict[str, list[Candidate]]:
    if not DOCS.is_dir():
        pytest.fail(f"shared documents not found at {DOCS}: tests expect ../shared/docs")
    units = Units.from_csv(REFERENCE / "units.csv", REFERENCE / "scales.csv")
    return {
        name: find_candidates(read_document(DOCS / name), territories, units)
        for name in (KG, KUZBASS, ZHAIK)
    }


def _unit(c: Candidate) -> str:
    column = load_contract(c.dataset).column(c.column)
    if column.type == "measure":
        return c.value.split(" ", 1)[1]
    return column.unit or ""


def _value(c: Candidate) -> float | str:
    column = load_contract(c.dataset).column(c.column)
    if column.type == "measure":
        return float(c.value.split(" ", 1)[0])
    if column.type in ("quantity", "count"):
        return float(c.value)
    return c.value


def _matches(c: Candidate, figure: tuple) -> bool:
    document, dataset, column, value, unit, territory, period = figure
    if (c.document, c.dataset, c.column, c.territory_id, c.period) != (
        document, dataset, column, territory, period,
    ):  # fmt: skip
        return False
    if isinstance(value, str):
        return str(_value(c)).startswith(value)
    return abs(_value(c) - value) < 1e-9 and _unit(c) == unit


def _score(found: list[Candidate]) -> tuple[list[tuple], list[Candidate]]:
    """The expected figures missed, and the candidates matching nothing (each figure, expected
    or also correct, matched once)."""
    left = list(found)
    missed = []
    for figure in EXPECTED:
        hit = next((c for c in left if _matches(c, figure)), None)
        if hit is None:
            missed.append(figure)
        else:
            left.remove(hit)
    for figure in ALSO_CORRECT:
        hit = next((c for c in left if _matches(c, figure)), None)
        if hit is not None:
            left.remove(hit)
    return missed, left


def test_recall_and_precision_on_the_three_reports(candidates):
    found = [c for cs in candidates.values() for c in cs]
    missed, wrong = _score(found)
    recall = 1 - len(missed) / len(EXPECTED)
    precision = 1 - len(wrong) / len(found)
    print(
        f"\nrecall {recall:.0%} ({len(EXPECTED) - len(missed)} of {len(EXPECTED)} figures), "
        f"precision {precision:.0%} ({len(found) - len(wrong)} of {len(found)} candidates)"
    )
    for figure in missed:
        print("  missed:", figure)
    for c in wrong:
        print("  wrong:", c.dataset, c.column, c.value, c.territory_id, c.period, repr(c.quote))
    assert recall >= RECALL_FLOOR, missed
    assert precision >= PRECISION_FLOOR, [(c.column, c.value, c.quote) for c in wrong]


def test_the_score_can_fail(candidates):
    """The scorer itself: a wrong value, territory or period is no match."""
    plastic = next(c for c in candidates[KG] if c.column == "plastic_t")
    figure = (KG, "cleanup", "plastic_t", 425.885, "t", "KG", "2023")
    assert _matches(plastic, figure)
    assert not _matches(plastic, (*figure[:3], 425.8, *figure[4:]))
    assert not _matches(plastic, (*figure[:5], "KG-GB", "2023"))
    assert not _matches(plastic, (*figure[:6], "2022"))


def test_figures_no_dataset_takes_are_not_proposed(candidates):
    """Project money, a plant's capacity in coal and ash shares are read as numbers but match
    no dataset's rule."""
    values = {(_value(c), _unit(c)) for c in candidates[KG]}
    for value, unit in [
        (50_000_000, "USD"), (32_300_000, "USD"), (370_000_000, "CNY"), (25_000_000, "USD"),
        (1_800_000, "t"), (15, "%"), (2.3, "ha"), (850, ""), (1039, ""), (747, ""),
    ]:  # fmt: skip
        assert (value, unit) not in values


def test_every_candidate_quotes_its_sentence_and_says_where_it_stands(candidates):
    for name, found in candidates.items():
        document = read_document(DOCS / name)
        for c in found:
            assert document.quote(c.start, c.end) == c.as_written
            assert c.as_written in c.quote
            assert document.text[c.sentence_start : c.sentence_end].strip() == c.quote
            paragraph = document.paragraphs[c.paragraph - 1]
            assert paragraph.start <= c.start < paragraph.end
            assert c.sha256 == document.sha256 and 0 < c.confidence <= 1


def test_a_document_without_figures_gives_no_candidates(candidates):
    assert candidates[ZHAIK] == []


def test_figures_of_one_sentence_form_one_row(candidates):
    plastic = next(c for c in candidates[KG] if c.column == "plastic_t")
    cleanup = [c for c in candidates[KG] if c.paragraph == plastic.paragraph]
    assert len(cleanup) == 8 and len({c.record for c in cleanup}) == 1
    stations = [c for c in candidates[KG] if c.column == "stations"]
    assert len({c.record for c in stations}) == len(stations)  # one instrument each
