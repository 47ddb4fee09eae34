"""Territory, status, kind and name from the nearest words (#32.3), on sentences written for
these tests in the language of regional reports (none is taken from the shared reports)."""

from __future__ import annotations

import pytest

from assets.extract.candidates import Candidate
from assets.extract.places import find_organisation_cities, find_places

TITLE = "Доклад о состоянии окружающей среды Кемеровской области – Кузбасса за 2023 год"


def _facility(found: list[Candidate]) -> list[tuple]:
    return [
        (c.value, c.territory_id, c.values.get("status"))
        for c in found
        if (c.dataset, c.column) == ("waste_facilities", "capacity")
    ]


@pytest.mark.parametrize(
    ("text", "territory"),
    [
        ("в Новокузнецком городском округе", "RU-KEM/novokuznetsk"),
        ("Новокузнецкий городской округ", "RU-KEM/novokuznetsk"),
        ("Кемеровского городского округа", "RU-KEM/kemerovo"),
        ("в г. Новокузнецке", "RU-KEM/novokuznetsk"),
        ("города Новокузнецка", "RU-KEM/novokuznetsk"),
        ("Бишкекский городской округ", "KG-GB"),
    ],
)
def test_a_city_in_every_form_a_report_writes_it(territories, text, territory) -> None:
    (place,) = find_places(text, territories)
    assert place.territory_ids == (territory,)


def test_a_district_around_a_city_is_not_the_city(territories) -> None:
    """The gazetteer lists the city of Новокузнецк, not the district of the same adjective."""
    for text in ("Новокузнецкого муниципального района", "Новокузнецкий муниципальный округ"):
        assert find_places(text, territories) == []


def test_a_city_that_begins_an_organisations_name(territories) -> None:
    found = {
        p.as_written: p.territory_ids
        for text in ("ОАО «Бишкектеплоэнерго»", "МУП «Новокузнецкводоканал»", "Бишкекская ТЭЦ-1")
        for p in find_organisation_cities(text, territories)
    }
    assert found == {
        "Бишкектеплоэнерго": ("KG-GB",),
        "Новокузнецкводоканал": ("RU-KEM/novokuznetsk",),
    }  # "Бишкекская" is an adjective, not an organisation


def test_the_territory_is_the_nearest_named_sentence_paragraph_heading_document(find) -> None:
    found = find(
        TITLE,
        "Новокузнецкий городской округ",
        "На полигоне введена в эксплуатацию линия сортировки мощностью 120 тыс. тонн в год.",
        "В г. Кемерово запущен мусоросортировочный комплекс мощностью 80 тыс. тонн в год.",
        "В Новокузнецком городском округе завершено строительство мусоросортировочного "
        "комплекса. Его мощность составляет 250 тыс. тонн в год.",
        "Обращение с отходами в области",
        "Работает мусоросортировочный комплекс мощностью 300 тыс. тонн в год.",
    )
    assert [(v, t) for v, t, _ in _facility(found)] == [
        ("120000 t/year", "RU-KEM/novokuznetsk"),  # the section heading's
        ("80000 t/year", "RU-KEM/kemerovo"),  # the sentence's
        ("250000 t/year", "RU-KEM/novokuznetsk"),  # the paragraph's
        ("300000 t/year", "RU-KEM"),  # a heading without a place: the document's
    ]


def test_a_city_inside_a_companys_name_is_proposed_with_less_confidence(find) -> None:
    found = find(
        "Итоги работы Министерства Кыргызской Республики за 2023 год",
        "Котельные ОАО «Бишкектеплоэнерго» переведены на газ, использование угля сократилось "
        "на 3600 тонн.",
        "Использование угля котельными сократилось на 1200 тонн.",
    )
    coal = [(c.value, c.territory_id, c.confidence) for c in found if c.column == "coal_t"]
    (bishkek, country) = coal
    assert bishkek[:2] == ("3600", "KG-GB") and country[:2] == ("1200", "KG")
    assert bishkek[2] < country[2]


@pytest.mark.parametrize(
    ("sentence", "status"),
    [
        ("В 2023 году завершено строительство мусоросортировочного комплекса мощностью "
         "250 тыс. тонн в год.", "operating"),
        ("Старая линия мусоросортировочного комплекса демонтирована, а новая линия мощностью "
         "120 тыс. тонн в год запущена в декабре.", "operating"),
        ("В 2025 году планируется строительство полигона мощностью 300 тыс. тонн в год.",
         "planned"),
        ("Ведется строительство мусоросортировочного комплекса мощностью 50 тыс. тонн в год.",
         "under_construction"),
        ("Полигон мощностью 100 тыс. тонн в год выведен из эксплуатации.", "decommissioned"),
        ("Инсинератор мощностью до 20 тонн в день будет запущен в 2024 году.", "planned"),
        ("Мусоросортировочный комплекс мощностью 90 тыс. тонн в год, построенный в 2019 году, "
         "работает в штатном режиме.", "operating"),
    ],
)  # fmt: skip
def test_a_facilitys_status_comes_from_the_verbs_of_its_clause(find, sentence, status) -> None:
    ((_, _, found),) = _facility(find(TITLE, sentence))
    assert found == status


@pytest.mark.parametrize(
    "sentence",
    [
        "Прирост мощности сортировочного комплекса составит 250 тысяч тонн в год.",
        "Мощность полигона увеличена на 50 тыс. тонн в год.",
        "После реконструкции мощность комплекса выросла на 30 тыс. тонн в год.",
    ],
)
def test_a_change_of_a_capacity_is_not_proposed_as_the_capacity(find, sentence) -> None:
    assert _facility(find(TITLE, sentence)) == []


def test_a_level_given_aside_beside_a_change_is_still_read(find) -> None:
    found = find(
        TITLE, "Сокращение добычи угля по сравнению с 2022 годом (220,7 млн т) составило 3,9%."
    )
    assert [(c.column, c.value) for c in found] == [("coal_t", "220700000")]


def test_an_events_title_is_its_name_not_its_paragraph(find) -> None:
    (event,) = [
        c
        for c in find(
            "Отчет общественного совета Кемеровской области за IV квартал 2023 года",
            "1\t12.10.2023\tКонференция «Чистый Кузбасс» (секция «Отходы») прошла в Кемерово; "
            "в ней приняли участие представители муниципалитетов, предприятий и общественных "
            "организаций, которые обсудили ход реформы и подготовили предложения.",
        )
        if c.column == "title"
    ]
    assert event.value == "Конференция «Чистый Кузбасс»"
