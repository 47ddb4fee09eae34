"""Reading submissions as they arrive: encodings, delimiters, title rows, Excel layouts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from assets.ingest.decode import SubmissionError, decode, sniff_delimiter
from assets.ingest.read import read_submission
from contracts import SourceSpec, default_spec, load_contract

CONTRACT = load_contract("cleanup")
TEXT = (
    "Итоги субботников\n"
    "\n"
    "Территория;Дата;Участники, тыс. чел.;Собрано всего, т;Примечание\n"
    "г. Бишкек;30.03.2024;15;270;общегородской\n"
    "\n"
    "Кузбасс;02.09.2017-30.09.2017;100;;\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "koi8_r", "cp866"])
def test_the_usual_encodings_decode(encoding: str) -> None:
    text, used = decode(TEXT.encode(encoding))
    assert "Территория" in text and "Кузбасс" in text
    assert used == encoding or (encoding == "utf-8-sig" and used == "utf-8-sig")


def test_an_encoding_given_in_the_spec_is_used_and_a_wrong_one_is_reported() -> None:
    assert decode(TEXT.encode("cp1251"), "cp1251")[1] == "cp1251"
    with pytest.raises(SubmissionError, match="cannot decode the file as utf-8"):
        decode(TEXT.encode("cp1251"), "utf-8")


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiters_are_sniffed(delimiter: str) -> None:
    lines = [
        delimiter.join(["Территория", "Дата", "Собрано, т"]),
        delimiter.join(["Бишкек", "2023", "3346"]),
    ]
    assert sniff_delimiter("\n".join(lines)) == delimiter


def test_decimal_commas_do_not_fool_the_sniffer() -> None:
    text = "Территория;Собрано, т;Пластик, т\nКР;3 346,259;425,885\nКР;620,922;1,5\n"
    assert sniff_delimiter(text) == ";"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_csv_with_title_rows_blank_rows_and_unit_headers(tmp_path: Path, units) -> None:
    path = _write(tmp_path, "sub.csv", TEXT.encode("cp1251"))
    sub = read_submission(path, CONTRACT, default_spec("cleanup"), units)
    assert (sub.encoding, sub.delimiter, sub.header_row) == ("cp1251", ";", 3)
    assert sub.rows.get_column("row_number").to_list() == [4, 6]  # row numbers as in the file
    assert sub.rows.get_column("territory").to_list() == ["г. Бишкек", "Кузбасс"]
    assert sub.column_map["Участники, тыс. чел."] == {"column": "participants", "unit": "тыс. чел."}
    assert sub.column_map["Собрано всего, т"] == {"column": "waste_collected_t", "unit": "т"}
    assert sub.unmapped == ["Примечание"]
    assert sub.rows.item(0, "extra") == '{"Примечание":"общегородской"}'


def test_a_delimiter_inside_a_value_is_kept_as_overflow_not_lost(tmp_path: Path, units) -> None:
    data = "Территория;Дата;Собрано, т\nКР;2023;3346;лишнее\nКР;2022;620\n".encode()
    sub = read_submission(_write(tmp_path, "r.csv", data), CONTRACT, default_spec("cleanup"), units)
    assert sub.rows.get_column("overflow").to_list() == ['{"column 4":"лишнее"}', None]


def test_excel_table_not_at_a1_with_merged_cells(tmp_path: Path, units) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Итоги"
    ws["C2"] = "Мэрия"
    ws.merge_cells("C2:F2")
    for i, h in enumerate(["Территория", "Дата", "Участники", "Вывезено мусора, т"]):
        ws.cell(row=4, column=3 + i, value=h)
    ws.cell(row=5, column=3, value="Бишкек - Ленинский район")
    ws.cell(row=5, column=4, value=datetime(2024, 3, 30))
    ws.cell(row=5, column=5, value=5190)
    ws.cell(row=5, column=6, value=103.5)
    ws.cell(row=6, column=3, value="Бишкек - Октябрьский район")
    ws.cell(row=6, column=5, value=2825)
    ws.merge_cells("D5:D6")
    path = tmp_path / "b.xlsx"
    wb.save(path)
    sub = read_submission(path, CONTRACT, default_spec("cleanup"), units)
    assert (sub.sheet, sub.header_row) == ("Итоги", 4)
    assert sub.rows.get_column("period").to_list() == [
        "2024-03-30",
        "2024-03-30",
    ]  # merged date spread
    assert sub.rows.get_column("participants").to_list() == ["5190", "2825"]
    assert sub.rows.get_column("waste_collected_t").to_list() == ["103.5", None]


def test_a_source_spec_maps_headers_and_picks_the_sheet(tmp_path: Path, units) -> None:
    wb = Workbook()
    wb.active.title = "Обложка"
    ws = wb.create_sheet("Данные")
    ws.append(["Регион (как в отчёте)", "Когда", "Масса, кг"])
    ws.append(["Кузбасс", "2019", 1300])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    spec = SourceSpec(
        name="t",
        dataset="cleanup",
        sheet="Данные",
        header_row=1,
        columns={
            "Регион (как в отчёте)": "territory",
            "Когда": "period",
            "Масса, кг": {"column": "waste_collected_t", "unit": "кг"},
        },
    )
    sub = read_submission(path, CONTRACT, spec, units)
    assert sub.column_map["Масса, кг"] == {"column": "waste_collected_t", "unit": "кг"}
    assert sub.rows.select("territory", "period", "waste_collected_t").row(0) == (
        "Кузбасс",
        "2019",
        "1300",
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("noheader.csv", b"a;b;c\n1;2;3\n", "no header row found"),
        ("broken.xlsx", b"not a zip file at all", "save it as .xlsx without a password"),
        ("notes.docx", b"PK..", "unsupported file type"),
        (
            "twice.csv",
            "Территория;Регион;Дата\nКР;КР;2023\n".encode(),
            "both map to column territory",
        ),
    ],
)
def test_unreadable_files_say_why(
    tmp_path: Path, units, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(SubmissionError, match=message):
        read_submission(_write(tmp_path, name, data), CONTRACT, default_spec("cleanup"), units)


def test_a_damaged_workbook_says_what_to_do_not_the_library_s_words(tmp_path: Path, units) -> None:
    with pytest.raises(SubmissionError) as e:
        read_submission(
            _write(tmp_path, "broken.xlsx", b"PK not a workbook"),
            CONTRACT,
            default_spec("cleanup"),
            units,
        )
    assert "BadZipFile" not in str(e.value) and "File is not a zip file" not in str(e.value)


def test_a_wide_table_becomes_one_record_per_year(tmp_path: Path, units) -> None:
    from contracts import UnpivotSpec

    data = "Регион;2019;2020;2021;Примечание\nАтырауская;164,5;153,9;160,3;\nАлматинская;48,1;;30,3;\nАбай;;;;новая\n"
    spec = SourceSpec(
        name="w",
        dataset="emissions",
        unpivot=UnpivotSpec(
            columns=r"^(19|20)\d{2}$", name_to="period", value_to="emissions_t", unit="тыс. т"
        ),
    )
    sub = read_submission(
        _write(tmp_path, "wide.csv", data.encode()), load_contract("emissions"), spec, units
    )
    rows = sub.rows.select(
        "row_number", "source_column", "territory", "period", "emissions_t"
    ).rows()
    assert rows == [
        (2, "2019", "Атырауская", "2019", "164,5"),
        (2, "2020", "Атырауская", "2020", "153,9"),
        (2, "2021", "Атырауская", "2021", "160,3"),
        (3, "2019", "Алматинская", "2019", "48,1"),
        (3, "2021", "Алматинская", "2021", "30,3"),
        (4, "", "Абай", None, None),  # no figure at all: kept, so that staging accounts for it
    ]
    assert sub.column_map["3 columns 2019..2021"] == {"column": "emissions_t", "unit": "тыс. т"}


def test_a_bulletin_gives_a_record_per_day_with_its_month_from_the_title(
    tmp_path: Path, units
) -> None:
    """Days in columns (a lone dash is no value, as an empty cell), the month from the title
    above the header, and a header the spec ignores never read into a column, though it is a
    contract alias ("День" is one of the day column's)."""
    from contracts import UnpivotSpec

    data = (
        "Среднесуточные концентрации, доли ПДК с.с.;;;;\n"
        "г. Новокузнецк, февраль 2023 г.;;;;\n"
        "Город;Пост;Примесь;1;2;День\n"
        "Новокузнецк;ПНЗ № 1;PM10;0,4;-;пн\n"
        "Новокузнецк;ПНЗ № 2;PM10;—;;вт\n"
    )
    spec = SourceSpec(
        name="b",
        dataset="air_quality",
        columns={"Город": "territory", "Пост": "station", "Примесь": "pollutant"},
        ignore=["День"],
        unpivot=UnpivotSpec(columns=r"^([1-9]|[12][0-9]|3[01])$", name_to="day", value_to="value"),
        from_title={"month": r"(?i)(феврал[а-я]*\s+\d{4})"},
    )
    contract = load_contract("air_quality")
    sub = read_submission(_write(tmp_path, "b.csv", data.encode()), contract, spec, units)
    rows = sub.rows.select("row_number", "station", "day", "value", "month").rows()
    assert rows == [
        (4, "ПНЗ № 1", "1", "0,4", "февраль 2023"),
        (5, "ПНЗ № 2", None, None, "февраль 2023"),  # only dashes and blanks: one empty record
    ]
    assert sub.column_map["title: февраль 2023"] == {"column": "month", "unit": None}
    assert "День" in sub.rows.get_column("extra")[0]
    untitled = SourceSpec(**{**spec.model_dump(), "from_title": {"month": r"(январ[а-я]*)"}})
    with pytest.raises(SubmissionError, match="the title above the table should give month"):
        read_submission(_write(tmp_path, "c.csv", data.encode()), contract, untitled, units)


UNCLOSED = (
    "Территория;Дата;Собрано всего, т\n"
    "Бишкек;30.03.2024;270\n"
    'Ош;30.03.2024;"12\n'
    "Нарын;30.03.2024;30\n"
    "Талас;30.03.2024;20\n"
)


# A large CSV file is read in a stream (assets/ingest/stream.py); it must give the rows a
# whole-file read gives, or fall back to the whole-file read where it cannot.
_STREAM_CASES = {
    "title rows, blank rows, cp1251": TEXT.encode("cp1251"),
    "utf-8 with BOM, commas": (
        "\ufeffТерритория,Дата,Собрано всего, т\n"
        '"г. Бишкек",2024-03-30,"3 346,259"\n'
        '"Кузбасс, Кемерово",2023-04-20,12\n'
    ).encode("utf-8"),
    # A cell over a line break: the whole-file reader tells text from a quote left open.
    "a quoted line break in the body, koi8-r (falls back)": (
        'Территория;Дата;Собрано всего, т;Примечание\nг. Бишкек;30.03.2024;270;"две\nстроки"\n'
        "Кузбасс;2023;5;\n"
    ).encode("koi8_r"),
    "a quote left open (falls back)": UNCLOSED.encode("utf-8"),
    "a row wider than the header (falls back)": (
        "Территория;Дата;Собрано всего, т\nг. Бишкек;30.03.2024;270;лишнее\nКузбасс;2023;5\n"
    ).encode(),
    "short rows and a footnote": (
        "Территория;Дата;Собрано всего, т;Участники, чел.\nг. Бишкек;30.03.2024\n"
        "Кузбасс;2023;5;100\n\n* данные предварительные\n"
    ).encode("cp1251"),
}


@pytest.mark.parametrize("name", list(_STREAM_CASES))
def test_a_large_csv_read_in_a_stream_gives_the_same_rows(
    tmp_path: Path, units, monkeypatch, name: str
) -> None:
    import polars as pl

    import assets.ingest.read as read

    path = _write(tmp_path, "sub.csv", _STREAM_CASES[name])
    whole = read_submission(path, CONTRACT, default_spec("cleanup"), units)
    monkeypatch.setattr(read, "STREAM_BYTES", 0)
    spill = tmp_path / "spill"
    spill.mkdir()
    streamed = read_submission(path, CONTRACT, default_spec("cleanup"), units, spill_dir=spill)
    rows = streamed.rows if streamed.rows is not None else pl.read_parquet(streamed.rows_file)
    assert (streamed.rows_file is None) == name.endswith("(falls back)")
    assert rows.to_dicts() == whole.rows.to_dicts()
    assert streamed.rows_read == whole.rows_read
    assert (streamed.header_row, streamed.column_map, streamed.unmapped) == (
        whole.header_row,
        whole.column_map,
        whole.unmapped,
    )
    assert (streamed.encoding, streamed.delimiter) == (whole.encoding, whole.delimiter)


def test_a_utf8_head_with_other_bytes_further_on_is_read_whole(
    tmp_path: Path, units, monkeypatch
) -> None:
    """The stream decides the encoding from the head; Polars refuses invalid UTF-8 later on, and
    the file is then read whole, where the encoding is decided from all of it."""
    import assets.ingest.read as read
    import assets.ingest.stream as stream

    ascii_head = b"territory;period;waste_collected_t\n" + b"KG;2023;1\n" * 20
    data = ascii_head + "г. Бишкек;30.03.2024;270\n".encode("cp1251")
    path = _write(tmp_path, "mixed.csv", data)
    whole = read_submission(path, CONTRACT, default_spec("cleanup"), units)
    monkeypatch.setattr(read, "STREAM_BYTES", 0)
    monkeypatch.setattr(stream, "_HEAD_BYTES", 100)
    spill = tmp_path / "spill"
    spill.mkdir()
    streamed = read_submission(path, CONTRACT, default_spec("cleanup"), units, spill_dir=spill)
    assert streamed.rows_file is None
    assert streamed.rows.to_dicts() == whole.rows.to_dicts()
    assert streamed.rows.get_column("territory").to_list()[-1] == "г. Бишкек"


@pytest.mark.parametrize("tail", ["", '"Баткен";30.03.2024;5\n'])
def test_a_quote_left_open_loses_no_row(tmp_path: Path, units, tail: str) -> None:
    """The quote opened on line 3 swallowed lines 4-5 (to the file's end, or to the next
    quote): every line comes back as a row, those it ran over marked with where it opened
    (defect #14.3: 4 rows written, 3 read, 0 rejected)."""
    path = tmp_path / "c.csv"
    path.write_text(UNCLOSED + tail, encoding="utf-8")
    sub = read_submission(path, CONTRACT, default_spec("cleanup"), units)
    rows = sub.rows.sort("row_number")
    assert rows.get_column("territory").to_list()[:4] == ["Бишкек", "Ош", "Нарын", "Талас"]
    errors = rows.get_column("read_error").to_list()
    assert errors[0] is None
    assert all(e and "a quote opened on line 3" in e for e in errors[1:4])
    assert sub.rows_read == 4 + bool(tail)


def test_a_quoted_cell_with_a_line_break_is_text(tmp_path: Path, units) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        'Территория;Дата;Собрано всего, т;Примечание\nБишкек;30.03.2024;270;"две\nстроки"\n',
        encoding="utf-8",
    )
    sub = read_submission(path, CONTRACT, default_spec("cleanup"), units)
    assert sub.rows.height == 1 and sub.rows.item(0, "read_error") is None


def test_a_binary_file_says_it_is_not_text(tmp_path: Path, units) -> None:
    """Defect #14.13: a raw UnicodeDecodeError reached the audit."""
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(256)) * 50)
    with pytest.raises(SubmissionError, match="not a text file in any supported encoding"):
        read_submission(path, CONTRACT, default_spec("cleanup"), units)


def test_a_workbook_whose_table_is_on_another_sheet_names_that_sheet(tmp_path: Path, units) -> None:
    book = Workbook()
    book.active.title = "Обложка"
    book.active.append(["Отчёт о субботниках"])
    table = book.create_sheet("Данные")
    table.append(["Территория", "Дата", "Собрано всего, т"])
    table.append(["Бишкек", "30.03.2024", 270])
    path = tmp_path / "book.xlsx"
    book.save(path)
    with pytest.raises(SubmissionError, match=r"sheet 'Данные' has one: .*`sheet: Данные`"):
        read_submission(path, CONTRACT, default_spec("cleanup"), units)
