"""Candidate figures in a narrative report (#18): the numbers (or, for events, the titles) that a
dataset's extraction rules (contracts/<dataset>/extract.yaml) recognise, each with the dataset
and column it proposes, the territory and period it is for, the other values of its row, a
confidence, and where it stands in the document, so that a person can review it against the
sentence quoted beside it.

Grain: one candidate per figure in the document (a number, or an event's title), at most one
dataset and column each. Candidates of one paragraph with the same territory, period and fixed
values form one record: one row of the submission once accepted.

How a figure is found, in order:
1. the paragraph is about the dataset: it names a topic phrase, or one did up to ``reach``
   paragraphs earlier (a heading, the lines of a list) and it names no other dataset's topic;
2. the number's unit is read after it (units.csv, "т в день" as t/day) and must have the
   column's dimension; counts take bare numbers;
3. a label names the column: a ``before`` phrase in the number's clause, or an ``after`` phrase
   in the few words after it; a number no rule names is not a candidate;
4. the territory is the nearest one named outside quotation marks: the sentence's (several of
   one country: the country), else a city that begins an organisation's name in the sentence
   ("Бишкектеплоэнерго", with less confidence), else the paragraph's, else the section
   heading's, else the document's (the first its opening paragraphs name); the period is the
   sentence's, else the paragraph's, else the document's ("за 2023 год" in its title);
   a number that is a change ("прирост ... 250 тыс. т", "увеличилась на 50 т") is taken only
   by a rule whose label says it is one ("использование угля сократилось");
5. the row's other values come from the rule (``set``), the contract's vocabulary named in the
   figure's clause, before the figure, else after it up to the clause's end (a fee's budget,
   coal's consumer, a facility's status: "линия ... мощностью 120 тыс. т запущена"; an event's
   type after its date), a capture pattern, a list's heading line (``inherit``), or the rule's
   defaults.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache

from assets.extract.documents import Document, Paragraph
from assets.extract.numbers import Number, read_numbers
from assets.extract.periods import Period, find_periods
from assets.extract.places import Place, find_organisation_cities, find_places
from assets.extract.words import Word, find_any, lemma, words
from contracts import ColumnSpec, Contract, datasets, load_contract
from contracts.extraction import ExtractRules, FigureRule, load_extract_rules
from contracts.territories import TerritoryIndex
from contracts.vocabulary import Units, normalise_key

OPENING = 6  # paragraphs read for the document's own territory and period (its title)
AFTER_WORDS = 4  # words after a number where an ``after`` label may stand
BEFORE_WORDS = 12  # words before a number where a ``before`` label may stand
_LIST_NUMBER = re.compile(r"^\W{0,3}\d+(?:\.\d+)*(?:[.)]\s*|\t)")
_RATE = {"day": ["в день", "в сутки", "per day", "a day"], "year": ["в год", "per year", "a year"]}
# A number after one of these in its clause is a change of a quantity, not the quantity:
# "прирост мощности ... 250 тыс. т", "увеличена на 50 т", "снижение выбросов на 3 тыс. т".
_CHANGE = ["прирост", "увеличение", "увеличить", "увеличиться", "рост", "вырасти", "снижение",
           "снизить", "снизиться", "сокращение", "сократить", "сократиться", "уменьшение",
           "уменьшить", "уменьшиться", "increase", "decrease", "growth", "reduction", "reduce",
           "rise", "fall"]  # fmt: skip
# Where a clause ends inside a sentence: a semicolon, or a comma before a conjunction that
# starts another ("..., а новая линия запущена").
_CLAUSE_END = re.compile(r";|,\s+(?=(?:а|но|однако|тогда как|при этом|whereas|but)\b)")
_NEXT_FIGURE = re.compile(r"(?<![\d.,])(?!(?:19|20)\d\d(?!\d))\d")
# Words a full stop follows without ending the sentence ("г. Бишкек", "млрд. долл. США").
_ABBREVIATIONS = frozenset(
    ["г", "гг", "ул", "им", "тыс", "млн", "млрд", "долл", "руб", "т", "др", "ст"]
)  # fmt: skip


@dataclass
class Candidate:
    """One figure proposed for one dataset column, with where it stands in the document."""

    candidate_id: str  # document's sha256 (first 8) - position, unique within the document
    dataset: str
    column: str
    value: str  # as the submission's column is written: "3346.259", "392900000 KGS", a title
    unit: str  # the unit code read, "" for counts and text
    as_written: str  # the figure as the document writes it, "3346,259 тн"
    territory: str  # as written in the document, or the document's territory
    territory_id: str
    period: str  # as a period column reads it: "2023", "10-12.10.2023"
    values: dict[str, str]  # the other columns of its row
    record: str  # candidates of one record make one row
    confidence: float
    rule: str  # which rule matched, and on which words
    document: str
    sha256: str
    paragraph: int
    page: int | None
    start: int  # offsets of the figure in the document's text
    end: int
    sentence_start: int  # offsets of the sentence quoted
    sentence_end: int
    quote: str = field(repr=False)
    topic_paragraph: int = field(default=0, repr=False)  # where its topic was last named
    # For a scan: the mean OCR confidence of its paragraph's words (0..1), beside the rule's own
    # confidence; None for text a document holds as text.
    ocr_confidence: float | None = None


@dataclass(frozen=True)
class _Context:
    """What a document says about itself: its language, territory and period."""

    decimal: str
    territory: Place | None
    period: Period | None


def _decimal(text: str) -> str:
    cyrillic = len(re.findall("[А-Яа-яЁё]", text))
    latin = len(re.findall("[A-Za-z]", text))
    return "," if cyrillic >= latin else "."


def _quoted_spans(paragraph: str) -> list[tuple[int, int]]:
    """Spans of «quoted names» (organisations, events, laws): places there are not where a
    figure is."""
    return [m.span() for m in re.finditer(r"«[^»]*»|\"[^\"]*\"|“[^”]*”", paragraph)]


def _places(text: str, index: TerritoryIndex) -> list[Place]:
    quoted = _quoted_spans(text)
    return [p for p in find_places(text, index) if not any(a <= p.start < b for a, b in quoted)]


def _sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph, by razdel (natasha's sentence splitter), joined again
    where it cut after an abbreviation of this field ("1,0 млрд. долл. США", "г. Бишкек")."""
    from razdel import sentenize

    spans: list[tuple[int, int]] = []
    for s in sentenize(text):
        last = re.search(r"(\w+)\.\s*$", text[: s.start]) if spans else None
        if last and last.group(1).lower() in _ABBREVIATIONS:
            spans[-1] = (spans[-1][0], s.stop)
        else:
            spans.append((s.start, s.stop))
    return spans or [(0, len(text))]


def document_context(document: Document, index: TerritoryIndex) -> _Context:
    """The document's language, and the territory and period its opening paragraphs name:
    the first territory outside quotes, and the first period after "за", "итоги", "for" or
    "results" ("подвести итоги 2023 года", "за IV квартал 2023 года"); else the territory it
    names most and no period."""
    opening = document.paragraphs[:OPENING]
    territory = next((_shift(p, pl) for pl in opening for p in _places(pl.text, index)[:1]), None)
    if territory is None:
        named = [_shift(p, pl) for pl in document.paragraphs for p in _places(pl.text, index)]
        if named:
            ids = Counter(p.territory_ids for p in named).most_common(1)[0][0]
            territory = next(p for p in named if p.territory_ids == ids)
    period = None
    for pl in opening:
        for p in find_periods(pl.text):
            lead = pl.text[max(0, p.start - 12) : p.start].lower()
            if re.search(r"(?:\bза|итог\w*|\bfor|results)\s+(?:\w+\s+)?$", lead):
                period = p
                break
        if period:
            break
    return _Context(_decimal(document.text), territory, period)


def _shift(place: Place, paragraph: Paragraph) -> Place:
    return Place(
        place.start + paragraph.start,
        place.end + paragraph.start,
        place.as_written,
        place.territory_ids,
    )


def _dimension(column: ColumnSpec, units: Units) -> set[str]:
    if column.type == "measure":
        return set(column.dimensions or [])
    if column.unit:
        return {units.dimension_of.get(column.unit, column.unit)}
    return set()


def _takes(dimensions: set[str], dimension: str | None) -> bool:
    return dimension is not None and any(
        d == dimension or (d.endswith(":*") and dimension.startswith(d[:-1])) for d in dimensions
    )


@dataclass(frozen=True)
class _Unit:
    code: str
    end: int  # offset after the unit's words


def _unit_after(text: str, at: int, units: Units) -> _Unit | None:
    """The unit written right after a number (longest spelling of units.csv), with a rate
    ("тн отходов в день" is t/day) where the unit has one."""
    tokens = list(re.finditer(r"[^\s\d,;:()«»]+", text[at : at + 40]))
    if not tokens or not re.fullmatch(r"[\s\-–—]*", text[at : at + tokens[0].start()]):
        return None
    for n in range(min(4, len(tokens)), 0, -1):
        written = text[at + tokens[0].start() : at + tokens[n - 1].end()].rstrip(".")
        code = units.unit_of.get(normalise_key(written))
        if code is None and n == 1:  # a case form units.csv does not list: "килограмма"
            code = units.unit_of.get(normalise_key(lemma(written)))
        if code:
            end = at + tokens[0].start() + len(written)  # "тн." ends a sentence: not the unit's
            rest = text[end : end + 30].lower()
            for rate, phrases in _RATE.items():
                if f"{code}/{rate}" not in units.dimension_of:
                    continue
                for p in phrases:
                    if m := re.match(rf"\s*(?:\w+\s+)?{p}\b", rest):
                        return _Unit(f"{code}/{rate}", end + m.end())
            return _Unit(code, end)
    return None


def _number_text(value: float) -> str:
    return f"{value:.15g}"


def _vocabulary_value(
    column: ColumnSpec,
    ws: list[Word],
    start: int = 0,
    end: int | None = None,
    at: int = 0,
    after: bool = True,
) -> str | None:
    """The value of a fixed-vocabulary column named (any case form) within ``start``..``end``:
    the last one named before ``at`` (what a figure's clause says of it, "потребление угля
    котельными ... 120 тыс. т"), else, with ``after``, the first named after it ("Круглый
    стол" after a date). What follows a number is said of the next figure ("220,7 млн т, из
    них открытым способом 150,1 млн т"), so a number looks before it only."""
    if not isinstance(column.allowed, dict):
        return None
    spellings = {s: value for value, ss in column.allowed.items() for s in [value, *ss]}
    before = find_any(ws, list(spellings), start, at, last=True) if at > start else None
    hit = before or (find_any(ws, list(spellings), at, end) if after else None)
    return spellings[hit[0]] if hit else None


@dataclass(frozen=True)
class _Around:
    """What surrounds a paragraph: the first territory it names (a table row: else its
    caption's), its section heading's, and for a row of a table under a header row, the header's
    cells and the caption above the table."""

    paragraph: Place | None = None
    section: Place | None = None
    header: tuple[str, ...] = ()
    caption: str = ""


def _header_row(text: str) -> tuple[str, ...]:
    """The cells of a table's first row when it is a header (no number in it but periods:
    "Область\t2022\t2023", "Регион\tСобрано, тыс. тонн"); () otherwise."""
    cells = tuple(c.strip() for c in text.split("\t"))
    numbers = [c for c in cells if re.search(r"\d", c) and not _is_period(c)]
    return () if numbers else cells


def _is_period(text: str) -> bool:
    found = find_periods(text)
    return len(found) == 1 and not re.sub(r"\W|год\w*|year", "", text.replace(found[0].text, ""))


def _first_place(text: str, index: TerritoryIndex) -> Place | None:
    """The first territory ``text`` names unambiguously, outside quotation marks."""
    return next((p for p in _places(text, index) if len(p.territory_ids) == 1), None)


def _is_heading(text: str) -> bool:
    """A short line that ends no sentence: a section's title ("Новокузнецкий городской округ",
    "2. Обращение с отходами")."""
    return len(text) <= 100 and not re.search(r"[.;,:!?…]\s*$", text) and "\t" not in text


def _territory(
    sentence: str,
    index: TerritoryIndex,
    context: _Context,
    rules: ExtractRules,
    around: _Around,
) -> tuple[str, str, float]:
    """(as written, territory id, confidence factor) of a figure: the nearest territory named,
    from its sentence out to the document (see the module's step 4)."""
    if rules.territory == "sentence":
        places = _places(sentence, index)
        ids = {p.territory_ids[0] for p in places if len(p.territory_ids) == 1}
        if len(ids) == 1:
            return places[0].as_written, ids.pop(), 1.0
        if len(ids) > 1:
            countries = {index.territories[i].country_code for i in ids if i in index.territories}
            if len(countries) == 1 and (country := countries.pop()) in index.territories:
                return ", ".join(p.as_written for p in places), country, 1.0
        organisations = {p.territory_ids[0]: p for p in find_organisation_cities(sentence, index)}
        if len(organisations) == 1:
            # A city named only inside a company's name: likely where it works, not certain.
            ((tid, place),) = organisations.items()
            return place.as_written, tid, 0.8
        for place in (around.paragraph, around.section):
            if place is not None:
                return place.as_written, place.territory_ids[0], 1.0
    if context.territory and len(context.territory.territory_ids) == 1:
        return context.territory.as_written, context.territory.territory_ids[0], 1.0
    return "", "", 1.0


def _period(periods: list[Period], sentence: tuple[int, int], context: _Context) -> str:
    """A figure's period: the first its sentence names, else its paragraph's (``periods``, read
    once per paragraph), else the document's."""
    a, b = sentence
    found = [p for p in periods if a <= p.start < b] or periods
    if found:
        return found[0].text
    return context.period.text if context.period else ""


@dataclass
class _Hit:
    rule: FigureRule
    label: str
    # Nearer is better: where a ``before`` label ends, or minus where an ``after`` one starts
    # (so a label before the number wins over one after it).
    position: int
    unit_ok: bool  # the label is the unit's own word ("18 участников": providers, not persons)
    end: int = 0  # where an ``after`` label ends: the next figure's clause starts after it
    from_header: bool = False  # the label is a table's header cell or caption


def _label(
    rule: FigureRule, ws: list[Word], number: Number, unit: _Unit | None, clause_start: int
) -> _Hit | None:
    """The rule's label for a number: a ``before`` phrase in its clause, or an ``after`` phrase
    in the words right after it."""
    after_words = [w for w in ws if w.start >= number.end][:AFTER_WORDS]
    if rule.after and after_words:
        stop = after_words[-1].end
        hit = find_any(ws, rule.after, number.end, stop)
        if hit and not any(
            re.search(r"\d|[.;:]\s", w.text) for w in ws if number.end <= w.start < hit[1][0].start
        ):
            covers_unit = unit is not None and hit[1][0].start < unit.end
            return _Hit(rule, hit[0], -hit[1][0].start, covers_unit, hit[1][-1].end)
    if rule.before:
        back = [w for w in ws if clause_start <= w.start and w.end <= number.start]
        back = back[-BEFORE_WORDS:]
        if back:
            hit = find_any(ws, rule.before, back[0].start, number.start, last=True)
            if hit:
                return _Hit(rule, hit[0], hit[1][-1].end, False)
    return None


def find_candidates(
    document: Document,
    index: TerritoryIndex,
    units: Units,
    dataset_names: list[str] | None = None,
) -> list[Candidate]:
    """Every candidate figure of ``document`` for the datasets that declare extraction rules
    (all, or ``dataset_names``), in document order."""
    context = document_context(document, index)
    declared = [
        (load_contract(d), r)
        for d in (dataset_names or datasets())
        if (r := load_extract_rules(d)) is not None
    ]
    topical_at: dict[str, int] = {}  # dataset -> last paragraph naming a topic phrase
    out: list[Candidate] = []
    section: Place | None = None  # the territory the last section heading names
    header: tuple[str, ...] = ()  # the header row of the table being read
    caption = ""  # the paragraph above that table
    previous: Paragraph | None = None
    for paragraph in document.paragraphs:
        row = "\t" in paragraph.text
        if row and not (previous and "\t" in previous.text):
            header = _header_row(paragraph.text)  # a table begins
            caption = previous.text if previous else ""
        elif not row:
            header, caption = (), ""
        if _is_heading(paragraph.text):
            section = _first_place(paragraph.text, index)
        ws = words(paragraph.text)
        named_here = set()
        for contract, rules in declared:
            if find_any(ws, rules.topic):
                topical_at[contract.dataset] = paragraph.number
                named_here.add(contract.dataset)
            elif row and previous and topical_at.get(contract.dataset) == previous.number:
                topical_at[contract.dataset] = paragraph.number  # a table is read whole
        previous = paragraph
        # A topic carries over a few paragraphs (a heading, a list), unless this paragraph
        # names another dataset's topic: then it is about that one.
        about = [
            (contract, rules)
            for contract, rules in declared
            if contract.dataset in named_here
            or (
                not named_here
                and paragraph.number - topical_at.get(contract.dataset, -(10**9)) <= rules.reach
            )
        ]
        if about:
            around = _Around(
                _first_place(paragraph.text, index)
                or (_first_place(caption, index) if row else None),
                section,
                header,
                caption,
            )
            found = _paragraph_candidates(
                document, paragraph, ws, about, index, units, context, around
            )
            for c in found:
                c.topic_paragraph = topical_at[c.dataset]
            out += found
    inherit_values(out, document)
    _number_records(out)
    return out


def _paragraph_candidates(
    document: Document,
    paragraph: Paragraph,
    ws: list[Word],
    about: list[tuple[Contract, ExtractRules]],
    index: TerritoryIndex,
    units: Units,
    context: _Context,
    around: _Around,
) -> list[Candidate]:
    text = paragraph.text
    sentences = _sentences(text)
    periods = find_periods(text)
    numbering = _LIST_NUMBER.match(text)
    found: list[Candidate] = []

    def sentence_of(at: int) -> tuple[int, int]:
        return next(((a, b) for a, b in sentences if a <= at < b), sentences[-1])

    def make(
        contract: Contract,
        rules: ExtractRules,
        rule: FigureRule,
        value: str,
        unit: str,
        start: int,
        end: int,
        label: str,
        confidence: float,
        period: str | None = None,
    ) -> Candidate:
        a, b = sentence_of(start)
        sentence = text[a:b]
        written, tid, factor = _territory(sentence, index, context, rules, around)
        clause = _clause(text, (a, b), start)
        values = _row_values(contract, rules, rule, ws, text, start, end, clause)
        return Candidate(
            candidate_id=f"{document.sha256[:8]}-{paragraph.start + start}",
            dataset=contract.dataset,
            column=rule.column,
            value=value,
            unit=unit,
            as_written=text[start:end],
            territory=written,
            territory_id=tid,
            period=period or _period(periods, (a, b), context),
            values=values,
            record="",
            confidence=round(min(confidence * factor, 1.0), 2),
            rule=f"{contract.dataset}.{rule.column}: {label}",
            document=document.name,
            sha256=document.sha256,
            paragraph=paragraph.number,
            page=paragraph.page,
            start=paragraph.start + start,
            end=paragraph.start + end,
            sentence_start=paragraph.start + a,
            sentence_end=paragraph.start + len(sentence.rstrip()) + a,
            quote=sentence.strip(),
            ocr_confidence=paragraph.ocr_confidence,
        )

    # Text figures (an event's title after the date that starts its line): confidence 0.8
    # with a period, 0.5 without.
    for contract, rules in about:
        starts_with_period = bool(periods) and re.fullmatch(
            r"[\W\d]{0,6}", text[: periods[0].start]
        )
        if rules.period_first and not starts_with_period:
            continue
        for rule in (r for r in rules.figures if r.text):
            after = periods[0].end if periods else 0
            m = re.search(rule.text, text[after:])
            if m and m.group("value").strip():
                s = after + m.start("value")
                e = s + len(_name(m.group("value")))
                found.append(
                    make(
                        contract,
                        rules,
                        rule,
                        text[s:e].strip(),
                        "",
                        s,
                        e,
                        "text pattern",
                        0.8 if periods else 0.5,
                    )
                )

    # Numbers.
    taken = [(p.start, p.end) for p in periods]
    clause_start = 0
    # The paragraph's own language decides (an English quote inside a Russian report).
    decimal = _decimal(text) if re.search("[A-Za-zА-Яа-яЁё]", text) else context.decimal
    for number in read_numbers(text, units.scales, decimal):
        if number.year or any(a <= number.start < b for a, b in taken):
            continue
        if numbering and number.start < numbering.end():
            continue  # the list's own numbering: "6. В целях...", "1\t04.10.2023"
        unit = _unit_after(text, number.end, units)
        a, _ = sentence_of(number.start)
        clause_start = max(clause_start, a)
        change = _is_change(ws, number, clause_start, text)
        # A number alone in its cell under a header row: the header's cell (then the caption)
        # says what it is, its unit and scale ("Собрано, тыс. тонн"), and its period ("2023").
        cell = _cell_under_header(text, number, unit, around, units)
        if cell is not None and unit is None and cell.unit is not None:
            number, unit = cell.scaled(number)
        best: tuple[float, _Hit, Contract, ExtractRules] | None = None
        for contract, rules in about:
            for rule in (r for r in rules.figures if not r.text):
                column = contract.column(rule.column)
                dims = _dimension(column, units)
                hit = _label(rule, ws, number, unit, clause_start)
                if hit is None and cell is not None:
                    hit = cell.label(rule)
                if hit is None or (change and not _says_change(hit.label)):
                    continue
                dimension = units.dimension_of.get(unit.code) if unit else None
                if unit is None:
                    if column.type != "count":
                        continue
                elif not (_takes(dims, dimension) or hit.unit_ok):
                    continue
                if column.type == "count" and (number.value % 1 or number.is_range):
                    continue
                # Confidence: a label names the number (0.5); its unit has the column's
                # dimension (+0.3) or it is a bare count (+0.1); the label is a phrase of
                # several words, less often said of something else (+0.1).
                score = 0.5 + (0.3 if unit and _takes(dims, dimension) else 0.1)
                score += 0.1 if hit.label and len(hit.label.split()) > 1 else 0.0
                key = (score, hit.position)
                if best is None or key > (best[0], best[1].position):
                    best = (score, hit, contract, rules)
        end = unit.end if unit else number.end
        # A label after the figure is its own ("12 тонна пластик, 8 тонна резеңке"): the next
        # figure's words begin after it.
        clause_end = max(end, best[1].end) if best is not None else end
        if best is not None:
            score, hit, contract, rules = best
            column = contract.column(hit.rule.column)
            value = _value(number, unit, column, units)
            if value is not None:
                found.append(
                    make(
                        contract,
                        rules,
                        hit.rule,
                        value,
                        unit.code if unit else "",
                        number.start,
                        end,
                        f"'{hit.label}'" + (" (table header)" if hit.from_header else ""),
                        score,
                        cell.period if cell is not None else None,
                    )
                )
        clause_start = clause_end
    return found


@dataclass(frozen=True)
class _Cell:
    """What a table's header (and caption) says of a number alone in its cell."""

    words: list[Word]  # of the header's cell, then the caption
    unit: tuple[float, str | None] | None  # scale and unit the header or caption gives
    period: str | None  # the header's cell when it is a period

    def label(self, rule: FigureRule) -> _Hit | None:
        hit = find_any(self.words, [*rule.before, *rule.after])
        return _Hit(rule, hit[0], 0, False, from_header=True) if hit else None

    def scaled(self, number: Number) -> tuple[Number, _Unit | None]:
        factor, code = self.unit or (1.0, None)
        value = float(Decimal(str(number.value)) * Decimal(str(factor)))
        scaled = replace(
            number, value=value, high=None if number.high is None else number.high * factor
        )
        return scaled, (_Unit(code, number.end) if code else None)


def _cell_under_header(
    text: str, number: Number, unit: _Unit | None, around: _Around, units: Units
) -> _Cell | None:
    """The header's view of ``number`` when it stands alone in a cell of a table under a header
    row (its unit, if any, beside it), else None."""
    if not around.header or "\t" not in text:
        return None
    k = text.count("\t", 0, number.start)
    start = text.rfind("\t", 0, number.start) + 1
    stop = text.find("\t", number.start)
    cell = text[start : stop if stop >= 0 else len(text)]
    end = unit.end if unit else number.end
    if cell.strip() != text[number.start : end].strip() or k >= len(around.header):
        return None
    head = around.header[k]
    return _Cell(
        words(f"{head}. {around.caption}"),
        _unit_of_heading(head, units) or _unit_of_heading(around.caption, units),
        head if _is_period(head) else None,
    )


def _unit_of_heading(text: str, units: Units) -> tuple[float, str | None] | None:
    """The unit a heading gives its figures, after a comma or in parentheses ("Собрано, тыс.
    тонн", "Выбросы (тыс. т)"): the last such part that names one."""
    for part in reversed(re.split(r"[,(;]", text)[1:]):
        found = units.resolve(part.strip(" )."))
        if found and found[1]:
            return found
    return None


def _name(value: str) -> str:
    """A text figure is a name, not the paragraph around it: its first sentence, and within it
    up to the end of its first quoted name ("Круглый стол «Экоактивисты в решении
    экологических проблем»", "Проведена экологическая акция «Чистый берег»")."""
    first = value[: _sentences(value)[0][1]].rstrip()
    quoted = re.search(r"«[^»]*»|“[^”]*”", first)
    return first[: quoted.end()] if quoted else first.rstrip(".")


@cache
def _change_lemmas() -> frozenset[str]:
    return frozenset(lemma(w) for w in _CHANGE)


def _is_change(ws: list[Word], number: Number, clause_start: int, text: str) -> bool:
    """Whether a change word stands among the six words before the number in its clause, the
    number not in parentheses ("Сокращение добычи по сравнению с 2024-м (198,4 млн т)": the
    earlier level, given aside)."""
    before = text[clause_start : number.start]
    if before.count("(") > before.count(")"):
        return False
    back = [w for w in ws if clause_start <= w.start and w.end <= number.start][-6:]
    return any(w.lemma in _change_lemmas() for w in back)


def _says_change(label: str) -> bool:
    """Whether a rule's label is itself a change ("использование угля сократилось")."""
    return any(lemma(w) in _change_lemmas() for w in re.findall(r"\w+", label))


def _clause(text: str, sentence: tuple[int, int], at: int) -> tuple[int, int]:
    """The span of the clause of ``text`` around offset ``at`` within its sentence."""
    a, b = sentence
    start, end = a, b
    for m in _CLAUSE_END.finditer(text, a, b):
        if m.end() <= at:
            start = m.end()
        elif m.start() >= at:
            end = m.start()
            break
    return start, end


def _value(number: Number, unit: _Unit | None, column: ColumnSpec, units: Units) -> str | None:
    """The figure as the submission's column writes it: in the column's unit for a quantity
    (3,6 тыс. т -> 3600 in a tonnes column), with its unit for a measure ("392900000 KGS")."""
    if number.is_range:
        return None  # "до 10-15%": a range is no single figure
    if column.type == "measure":
        return f"{_number_text(number.value)} {unit.code}" if unit else None
    if column.type == "quantity" and unit and column.unit:
        factor = units.factor_of[unit.code] / units.factor_of.get(column.unit, 1.0)
        return _number_text(number.value * factor)
    return _number_text(number.value)


def _row_values(
    contract: Contract,
    rules: ExtractRules,
    rule: FigureRule,
    ws: list[Word],
    text: str,
    at: int,
    figure_end: int,
    clause: tuple[int, int],
) -> dict[str, str]:
    """The other values of the figure's row: the rule's, the vocabulary its clause names (before
    the figure, else after it), captured ones, then the defaults."""
    values = dict(rule.set)
    a, b = clause
    # After a number, its clause speaks of it up to the clause's end ("мощностью 120 тыс. т
    # запущена"), or where another figure's words begin: "добыто 220,7 млн т, из них открытым
    # способом 150,1 млн т" (the second figure's method, not the first's) stops at the comma
    # before the next number that is not a year.
    if not rule.text and (following := _NEXT_FIGURE.search(text, figure_end, b)):
        comma = text.rfind(",", figure_end, following.start())
        b = comma if comma >= 0 else following.start()
    for column in contract.columns:
        if column.name in values or not isinstance(column.allowed, dict):
            continue
        named = _vocabulary_value(column, ws, a, b, at)
        if named:
            values[column.name] = named
    for name, pattern in rules.capture.items():
        m = re.search(pattern, text)
        if m and m.group("value").strip() and name not in values:
            values[name] = m.group("value").strip()
    for name, value in rules.defaults.items():
        values.setdefault(name, value)
    return values


def _number_records(candidates: list[Candidate]) -> None:
    """Candidates of one paragraph, dataset, territory, period and fixed values form one record;
    a column named twice starts a new one."""
    records: dict[tuple, list[Candidate]] = {}
    n = 0
    for c in candidates:
        key = (c.sha256, c.paragraph, c.dataset, c.territory_id, c.period,
               tuple(sorted(c.values.items())))  # fmt: skip
        group = records.get(key)
        if group is None or any(o.column == c.column for o in group):
            n += 1
            records[key] = group = []
            c.record = f"{c.sha256[:8]}-r{n}"
        else:
            c.record = group[0].record
        group.append(c)


def inherit_values(candidates: list[Candidate], document: Document) -> None:
    """Fill a text column a rule lets a list item inherit from the nearest earlier paragraph
    of its list (back to the paragraph that named the topic) that names one of its values
    ("2 государственных учреждения:" above "Кыргызгидромет – 20 станций")."""
    by_number = {p.number: p for p in document.paragraphs}
    for c in candidates:
        rules = load_extract_rules(c.dataset)
        if not rules or not rules.inherit:
            continue
        contract = load_contract(c.dataset)
        for name in rules.inherit:
            if c.values.get(name) not in (None, rules.defaults.get(name)):
                continue
            for n in range(c.paragraph - 1, c.topic_paragraph - 1, -1):
                p = by_number.get(n)
                value = _vocabulary_value(contract.column(name), words(p.text)) if p else None
                if value:
                    c.values[name] = value
                    break
