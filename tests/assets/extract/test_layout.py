"""Paragraphs from word boxes (assets/extract/layout.py): pages drawn here word by word, so that
each rule of reading order is tried on its own, without a PDF."""

from __future__ import annotations

from assets.extract.layout import Box, PageWords, Table, read_pages
from assets.extract.words import is_dictionary_word

SIZE = 10.0
PITCH = 12.0  # baseline to baseline within a paragraph


def _line(text: str, x0: float, top: float, size: float = SIZE, conf: float | None = None):
    """The words of one printed line, 6 points per character, one space between words."""
    boxes, x = [], x0
    for word in text.split():
        boxes.append(Box(word, x, x + 6 * len(word), top, top + size, size, conf))
        x += 6 * (len(word) + 1)
    return boxes


def _page(number: int, lines: list[tuple[str, float, float]], tables=()) -> PageWords:
    words = [b for text, x0, top in lines for b in _line(text, x0, top)]
    return PageWords(number, 600, 800, words, list(tables))


def _texts(pages: list[PageWords]) -> list[str]:
    return [b.text for b in read_pages(pages, is_word=is_dictionary_word)]


def test_lines_are_joined_until_a_gap_a_short_last_line_or_a_new_size() -> None:
    heading = [b for b in _line("Итоги года", 50, 40, size=16)]
    body = _page(
        1,
        [
            ("В 2023 году проведено 4 общереспубликанских субботника, в", 50, 70),
            ("которых приняли участие около 345 000 человек.", 50, 70 + PITCH),
            ("Собрано 3346,259 тонн отходов морфологического состава,", 50, 70 + 3 * PITCH),
            ("из них пластик 425,885 тонн.", 50, 70 + 4 * PITCH),
            ("Проведена акция «Чистый берег».", 50, 70 + 5 * PITCH),
        ],
    )
    body.words = heading + body.words
    assert _texts([body]) == [
        "Итоги года",
        "В 2023 году проведено 4 общереспубликанских субботника, в которых приняли участие "
        "около 345 000 человек.",
        "Собрано 3346,259 тонн отходов морфологического состава, из них пластик 425,885 тонн.",
        "Проведена акция «Чистый берег».",
    ]


def test_an_indented_first_line_or_a_list_marker_starts_a_paragraph() -> None:
    page = _page(
        1,
        [
            ("Закон об отходах принят 15 августа 2023 года и вступил в", 50, 40),
            ("силу в установленном порядке.", 50, 40 + PITCH),
            ("Закон о пакетах принят 9 августа 2023 года и действует", 70, 40 + 2 * PITCH),
            ("со дня опубликования в газете.", 50, 40 + 3 * PITCH),
            ("– 2 государственных учреждения:", 50, 40 + 4 * PITCH),
            ("1. Кыргызгидромет – 20 станций;", 50, 40 + 5 * PITCH),
            ("2. Посольство США – 1 станция.", 50, 40 + 6 * PITCH),
        ],
    )
    assert _texts([page]) == [
        "Закон об отходах принят 15 августа 2023 года и вступил в силу в установленном порядке.",
        "Закон о пакетах принят 9 августа 2023 года и действует со дня опубликования в газете.",
        "– 2 государственных учреждения:",
        "1. Кыргызгидромет – 20 станций;",
        "2. Посольство США – 1 станция.",
    ]


def test_a_word_hyphenated_at_a_line_end_is_one_word_and_a_compound_keeps_its_hyphen() -> None:
    page = _page(
        1,
        [
            ("Собрано 3346,259 тонн отхо-", 50, 40),
            ("дов на научно-", 50, 40 + PITCH),
            ("практической конференции 10-", 50, 40 + 2 * PITCH),
            ("12.10.2023 в Кемеровской области – Кузбассе, где собраны", 50, 40 + 3 * PITCH),
            ("и другие данные.", 50, 40 + 4 * PITCH),
        ],
    )
    assert _texts([page]) == [
        "Собрано 3346,259 тонн отходов на научно-практической конференции 10-12.10.2023 в "
        "Кемеровской области – Кузбассе, где собраны и другие данные."
    ]


def test_two_columns_are_read_left_then_right_under_a_title_across_both() -> None:
    left = [f"Левая колонка, строка номер {n} текста" for n in range(1, 9)]
    right = [f"Правая колонка, строка номер {n} текста" for n in range(1, 9)]
    lines = [("Доклад о состоянии окружающей среды Кыргызской Республики за 2023 год", 50, 40)]
    for n, (a, b) in enumerate(zip(left, right, strict=True)):
        lines += [(a, 50, 70 + n * PITCH), (b, 320, 70 + n * PITCH)]
    lines.append(("Подпись, которая идёт поперёк обеих колонок страницы отчёта", 50, 200))
    (title, left_column, right_column, signature) = _texts([_page(1, lines)])
    assert title.startswith("Доклад") and signature.startswith("Подпись")
    assert left_column == " ".join(left) and right_column == " ".join(right)


def test_running_headers_and_page_numbers_are_dropped_and_a_paragraph_goes_on_over_the_page():
    # Each page: a running header, two lines of one paragraph that runs to the margin without
    # ending, a page number at the foot.
    text = [
        ("Проведено 4 общереспубликанских субботника, в которых", "приняли участие около 345 000 человек из всех регионов"),
        ("страны, и они собрали много мусора, которого хватило бы", "на то, чтобы заполнить полигон города за целый год, как"),
        ("сказано в отчёте.", "Вторая часть."),
    ]  # fmt: skip
    pages = [
        _page(
            n,
            [
                (f"Доклад Министерства · 2023 · стр. {n}", 50, 20),
                (first, 50, 60),
                (second, 50, 60 + PITCH),
                (f"- {n} -", 290, 760),
            ],
        )
        for n, (first, second) in enumerate(text, 1)
    ]
    assert _texts(pages) == [
        "Проведено 4 общереспубликанских субботника, в которых приняли участие около 345 000 "
        "человек из всех регионов страны, и они собрали много мусора, которого хватило бы на "
        "то, чтобы заполнить полигон города за целый год, как сказано в отчёте.",
        "Вторая часть.",
    ]
    assert [b.page for b in read_pages(pages)] == [1, 3]  # a paragraph is where it begins


def test_a_table_is_a_row_per_block_its_cells_tab_separated_and_its_words_not_read_twice():
    table = Table(
        50,
        550,
        100,
        160,
        [
            ["№", "Дата", "Мероприятие"],
            ["1", "04.10.2023", "Круглый стол «Экоактивисты\nв решении экологических проблем»"],
            ["3", "10-\n12.10.2023", "Форум"],
            [None, "", ""],
        ],
    )
    page = _page(
        1,
        [
            ("Мероприятия совета за IV квартал 2023 года.", 50, 40),
            ("№ Дата Мероприятие", 55, 105),  # the same words, as the text layer has them
            ("1 04.10.2023 Круглый стол", 55, 120),
            ("После таблицы.", 50, 200),
        ],
        [table],
    )
    assert _texts([page]) == [
        "Мероприятия совета за IV квартал 2023 года.",
        "№\tДата\tМероприятие",
        "1\t04.10.2023\tКруглый стол «Экоактивисты в решении экологических проблем»",
        "3\t10-12.10.2023\tФорум",
        "После таблицы.",
    ]


def test_a_paragraph_of_a_scan_keeps_the_mean_confidence_of_its_words() -> None:
    words = _line("Собрано 3346,259 тонн", 50, 40, conf=0.9) + _line(
        "отходов.", 50, 40 + PITCH, conf=0.6
    )
    (block,) = read_pages([PageWords(1, 600, 800, words)])
    assert block.text == "Собрано 3346,259 тонн отходов." and block.confidence == 0.825
    (plain,) = read_pages([_page(1, [("Собрано 3346,259 тонн отходов.", 50, 40)])])
    assert plain.confidence is None
