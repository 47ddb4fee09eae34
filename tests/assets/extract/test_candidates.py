"""Candidate figures, dataset by dataset, on sentences written for these tests (the shared
reports are scored in test_recall.py)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["Мусоросортировочный комплекс ООО «ЭкоЛэнд» в Новокузнецке: в декабре 2022 года "
             "установлена новая линия мощностью 360 тыс. тонн в год."],
            [("waste_facilities", "capacity", "360000 t/year", "RU-KEM/novokuznetsk", "декабрь 2022",
              {"facility_type": "sorting_complex", "status": "operating",
               "facility_name": "ООО «ЭкоЛэнд»"})],
        ),
        (
            ["В 2022 году в Кузбассе добыто 220,7 млн тонн угля, из них открытым способом "
             "150,1 млн тонн."],
            [("coal_usage", "coal_t", "220700000", "RU-KEM", "2022",
              {"flow": "production", "mining_method": "all"}),
             ("coal_usage", "coal_t", "150100000", "RU-KEM", "2022",
              {"flow": "production", "mining_method": "opencast"})],
        ),
        (
            ["Отопительный сезон 2022-2023: потребление угля котельными Бишкека составило "
             "120 тыс. тонн."],
            [("coal_usage", "coal_t", "120000", "KG-GB", "отопительный сезон 2022-2023",
              {"flow": "consumption", "consumer_type": "boiler_houses"})],
        ),
        (
            ["Выбросы загрязняющих веществ от стационарных источников в Кемеровской области "
             "в 2021 году составили 1 234,5 тыс. тонн."],
            [("emissions", "emissions_t", "1234500", "RU-KEM", "2021", {"scope": "stationary"})],
        ),
        (
            ["Водный налог: в 2015 году в федеральный бюджет России поступило 2,6 млрд руб."],
            [("water_fees", "amount", "2600000000 RUB", "RU", "2015",
              {"fee_type": "water_tax", "budget_level": "federal"})],
        ),
        (
            ["In 2023, 1,200 volunteers collected 35.5 tonnes of waste during the clean-up in "
             "Bishkek."],
            [("cleanup", "participants", "1200", "KG-GB", "2023", {}),
             ("cleanup", "waste_collected_t", "35.5", "KG-GB", "2023", {})],
        ),
        (
            ["Отчет совета Кемеровской области за I квартал 2024 года",
             "1\t15.02.2024\tКруглый стол «Чистый город». Цель – обсуждение планов."],
            [("eco_events", "title", "Круглый стол «Чистый город»", "RU-KEM", "15.02.2024",
              {"event_type": "round_table", "purpose": "обсуждение планов"})],
        ),
    ],
)  # fmt: skip
def test_each_dataset_figure_is_proposed_with_its_territory_period_and_values(
    find, lines, expected
):
    found = [
        (c.dataset, c.column, c.value, c.territory_id, c.period,
         {k: c.values.get(k) for k in values})
        for c, (*_, values) in zip(find(*lines), expected, strict=False)
    ]  # fmt: skip
    assert found == expected


def test_a_number_no_rule_names_is_not_a_candidate(find):
    assert (
        find(
            "В 2023 году высажено 850 саженцев на площади 2,3 га, по городу 42 зарядных устройства."
        )
        == []
    )


def test_a_unit_of_another_dimension_is_not_taken(find):
    # Tonnes of waste, yes; money in a clean-up paragraph, no.
    found = find("На субботник выделено 5 млн сомов, собрано 12 тонн мусора.")
    assert [(c.column, c.value) for c in found] == [("waste_collected_t", "12")]


def test_a_topic_carries_over_a_heading_but_not_into_another_dataset(find):
    assert [c.column for c in find("Итоги субботника", "Собрано 12 тонн мусора.")] == [
        "waste_collected_t"
    ]
    assert find("Итоги субботника", "Добыто 12 тонн угля, собрано 5 тонн.") != []
    assert all(
        c.dataset == "coal_usage"
        for c in find("Итоги субботника", "Добыто 12 тонн угля, собрано 5 тонн.")
    )


@pytest.mark.parametrize(
    ("sentence", "scope"),
    [
        # #31.2: read as all sources, while enterprises emit from stationary sources.
        ("В 2019 году предприятия Кемеровской области выбросили в атмосферу 1,76 млн тонн "
         "загрязняющих веществ.", "stationary"),
        ("В 2019 году угледобывающие предприятия Кемеровской области выбросили в атмосферу "
         "900 тыс. тонн загрязняющих веществ.", "coal_mining"),
        ("Всего выбросы загрязняющих веществ в Кемеровской области в 2021 году составили "
         "1 603 тыс. тонн.", "total"),
        # No word for the scope: none is proposed; the reviewer gives it.
        ("Выбросы загрязняющих веществ в Кемеровской области в 2021 году составили "
         "1 603 тыс. тонн.", None),
    ],
)  # fmt: skip
def test_an_emissions_scope_is_what_the_sentence_says(find, sentence, scope):
    (figure,) = find(sentence)
    assert (figure.column, figure.values.get("scope")) == ("emissions_t", scope)
