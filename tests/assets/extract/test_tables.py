"""Tables of figures by region (#32.1): a row per territory, a header row that says what each
column holds (its unit and scale, or its year), a caption above. Written for these tests; the
same table as text, as a Word table and as a ruled table in a PDF printed by Chromium gives the
same candidates."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assets.extract.documents import read_document
from tests.assets.extract.conftest import text_document
from tests.assets.extract.printed import print_pdf, to_docx, to_html

CLEANUP = "\n".join(
    [
        "Итоги весенних субботников в Кыргызской Республике за 2023 год",
        "Участие в субботниках и собранный мусор по областям",
        "Область\tУчастники, человек\tСобрано мусора, тонн",
        "Ошская область\t12 500\t340,5",
        "Чуйская область\t20 100\t512",
        "Таласская область\t4 300\t98,2",
    ]
)
EMISSIONS = "\n".join(
    [
        "Охрана атмосферного воздуха в Республике Казахстан",
        "Выбросы загрязняющих веществ от стационарных источников, тыс. тонн",
        "Область\t2021\t2022",
        "Карагандинская область\t560,4\t548,1",
        "Павлодарская область\t702\t688,9",
    ]
)


@pytest.fixture
def figures(find):
    """What the rules propose from a table given as text, or as a document's path."""

    def proposed(text_or_path: str | Path) -> Counter:
        document = (
            read_document(text_or_path)
            if isinstance(text_or_path, Path)
            else text_document(*text_or_path.splitlines())
        )
        return Counter(
            (c.dataset, c.column, c.value, c.territory_id, c.period) for c in find(document)
        )

    return proposed


def test_a_row_per_region_gives_its_figures_with_the_headers_unit(figures) -> None:
    assert figures(CLEANUP) == Counter(
        [
            ("cleanup", "participants", "12500", "KG-O", "2023"),
            ("cleanup", "waste_collected_t", "340.5", "KG-O", "2023"),
            ("cleanup", "participants", "20100", "KG-C", "2023"),
            ("cleanup", "waste_collected_t", "512", "KG-C", "2023"),
            ("cleanup", "participants", "4300", "KG-T", "2023"),
            ("cleanup", "waste_collected_t", "98.2", "KG-T", "2023"),
        ]
    )


def test_years_in_the_header_are_the_periods_and_the_caption_gives_unit_and_scale(figures) -> None:
    assert figures(EMISSIONS) == Counter(
        [
            ("emissions", "emissions_t", "560400", "KZ-KAR", "2021"),
            ("emissions", "emissions_t", "548100", "KZ-KAR", "2022"),
            ("emissions", "emissions_t", "702000", "KZ-PAV", "2021"),
            ("emissions", "emissions_t", "688900", "KZ-PAV", "2022"),
        ]
    )


def test_a_number_inside_a_sentence_of_a_cell_is_not_labelled_by_the_header(figures) -> None:
    text = "\n".join(
        [
            "Итоги субботников за 2023 год",
            "№\tМероприятие",
            "1\tУборка парка, где работали 3 бригады",
        ]
    )
    assert figures(text) == Counter()


@pytest.mark.parametrize("text", [CLEANUP, EMISSIONS], ids=["cleanup", "emissions"])
def test_the_same_table_in_word_and_in_pdf(figures, tmp_path: Path, text: str) -> None:
    want = figures(text)
    html = tmp_path / "table.html"
    html.write_text(to_html(text), encoding="utf-8")
    pdf = print_pdf(html, tmp_path / "table.pdf")
    docx = to_docx(text, tmp_path / "table.docx")
    assert figures(docx) == want
    assert figures(pdf) == want
