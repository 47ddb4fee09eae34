"""Figures in Kazakh, Kyrgyz and Uzbek (#32.5): numbers with their scale words (мың, миң,
миллиондан), units with case endings (тоннадан, тоннаға), territories with theirs (облысында,
облусунда, қаласында), and the clean-up and emissions rules on sentences written for these
tests in the way regional news and reports put them."""

from __future__ import annotations

import pytest

from assets.extract.numbers import read_numbers
from assets.extract.places import find_places
from assets.extract.words import lemma


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("атмосфераға 38,8 мың тонна ластаушы заттар", 38_800),
        ("1 млн 247 миң тонна көмүр керектелет", 1_247_000),
        ("17,5 миллиондан ортиқ одамлар", 17_500_000),
        ("4000-нан аса адам қатысты", 4000),
        ("амаль 2,5 мільёна чалавек", 2.5),  # a case form scales.csv does not list: no scale
        ("7 мільёнаў 420 тысяч рублёў", 7_420_000),
    ],
)
def test_numbers_with_kazakh_kyrgyz_uzbek_and_belarusian_scale_words(units, text, value) -> None:
    (number, *_) = read_numbers(text, units.scales)
    assert number.value == value


def test_a_word_with_a_turkic_ending_has_the_lemma_of_its_stem() -> None:
    assert {lemma(w) for w in ("тонна", "тоннадан", "тоннаға", "тоннада")} == {"тонна"}
    assert lemma("қоқысты") == lemma("қоқыс")
    # In a Kazakh text (one with a letter Russian has not) an unknown word loses its ending...
    assert lemma("заттар", True) == lemma("зат", True) == "зат"
    # ...in a Russian one it is pymorphy3's guess, as before.
    assert lemma("нацпроекта") == lemma("нацпроект") == "нацпроект"
    assert lemma("учреждения") == "учреждение"


@pytest.mark.parametrize(
    ("text", "territory"),
    [
        ("Қостанай облысында", "KZ-KUS"),
        ("Атырау облысының", "KZ-ATY"),
        ("Алматы қаласында", "KZ-ALA"),
        ("Ош облусунда", "KG-O"),
        ("Бишкек шаарында", "KG-GB"),
    ],
)
def test_a_territory_with_a_case_ending(territories, text, territory) -> None:
    (place,) = find_places(text, territories)
    assert place.territory_ids == (territory,)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "2023 жылы Қостанай облысында өткен сенбілікке 12 мың адам қатысып, 350 тонна "
            "қоқыс жиналды.",
            [("participants", "12000", "KZ-KUS"), ("waste_collected_t", "350", "KZ-KUS")],
        ),
        (
            "2023-жылы Ош облусунда өткөн ишембиликке 5 миң жаран катышып, 120 тоннадан ашык "
            "таштанды чогултулду.",
            [("participants", "5000", "KG-O"), ("waste_collected_t", "120", "KG-O")],
        ),
        (
            "2023 жылы Атырау облысында сенбілік кезінде 40 тонна қоқыс жиналды, оның ішінде "
            "15 тонна пластик, 6 тонна шыны, 3 тонна қағаз.",
            [("waste_collected_t", "40", "KZ-ATY"), ("plastic_t", "15", "KZ-ATY"),
             ("glass_t", "6", "KZ-ATY"), ("paper_t", "3", "KZ-ATY")],
        ),
        (
            "2022 жылы Қарағанды облысында стационарлық көздерден атмосфераға 560,4 мың тонна "
            "ластаушы заттар шығарылды.",
            [("emissions_t", "560400", "KZ-KAR")],
        ),
    ],
)  # fmt: skip
def test_kazakh_and_kyrgyz_sentences_give_their_figures(find, sentence, expected) -> None:
    found = find(sentence)
    assert [(c.column, c.value, c.territory_id) for c in found] == expected
