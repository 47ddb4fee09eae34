"""Territories named in Russian prose, in any case form (assets/extract/places.py)."""

from __future__ import annotations

import pytest

from assets.extract.places import find_places, nominative


@pytest.mark.parametrize(
    ("text", "named", "territory_id"),
    [
        ("Отчёт о работе в Кузбассе за 2023 год", "Кузбассе", "RU-KEM"),
        ("Кемеровской области – Кузбасса", "Кемеровской области – Кузбасса", "RU-KEM"),
        ("для жителей Бишкека", "Бишкека", "KG-GB"),
        ("комплекс ООО «ЭкоЛэнд» в Новокузнецке", "Новокузнецке", "RU-KEM/novokuznetsk"),
        ("Министерство Кыргызской Республики", "Кыргызской Республики", "KG"),
        ("итоги работы МПРЭТН КР", "КР", "KG"),
        ("семинар в городе Атырау", "городе Атырау", "KZ-ATY/atyrau"),
        ("круглый стол в Санкт-Петербурге", "Санкт-Петербурге", "RU-SPE"),
    ],
)
def test_a_territory_is_found_in_any_case(territories, text, named, territory_id) -> None:
    (place,) = find_places(text, territories)
    assert (place.as_written, place.territory_ids) == (named, (territory_id,))
    assert text[place.start : place.end] == named


def test_several_places_in_one_sentence_and_none_in_plain_words(territories) -> None:
    text = "Посты работают в Бишкеке, Оше, Кара-Балте и Чолпон-Ате."
    assert [p.territory_ids[0] for p in find_places(text, territories)] == [
        "KG-GB",
        "KG-GO",
        "KG-C/kara-balta",
        "KG-Y/cholpon-ata",
    ]
    assert find_places("Мы очень рады видеть вас на нашей встрече", territories) == []


def test_codes_and_units_are_not_places(territories) -> None:
    text = "собрано 5 kg пластика (KG), охрана ОС, сайт mnr.gov.kg"
    assert find_places(text, territories) == []


def test_words_are_put_back_in_the_nominative_with_their_gender() -> None:
    assert [nominative(w) for w in ("Кемеровской", "области", "Бишкека", "в", "Atyrau")] == [
        "кемеровская",
        "область",
        "бишкек",
        "в",
        "Atyrau",
    ]
