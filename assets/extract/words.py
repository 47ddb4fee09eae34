"""Words of Russian and English prose by their dictionary form, so that a phrase declared once
("государственное учреждение", "собрано всего") is found in any case form ("2 государственных
учреждения", "Собрано всего отходов").

pymorphy3 gives each Russian word its normal form (its dictionaries ship inside the package:
nothing is downloaded); English and other Latin words are lower-cased and a plural "s" is
dropped. A phrase matches a run of consecutive words whose normal forms are the phrase's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

_WORD = re.compile(r"[^\W_][\w-]*")  # from any letter or digit: Kazakh "қоқыс" too
# Letters of Kazakh, Kyrgyz, Uzbek, Tajik and Belarusian Cyrillic that Russian has not (and the
# Latin barred o some Kyrgyz pages type for "ө").
OTHER_CYRILLIC = "әғқңөұүһіўҳҷӣӯɵ"
# Kazakh, Kyrgyz and Uzbek endings a noun takes after its stem, longest first: plural, then
# the cases (genitive, dative, accusative, locative, ablative, instrumental), and a case after
# the possessive ("ішінде", Uzbek "ҳашарида"). "тоннадан" is "тонна" + ablative,
# "шығарындылар" "шығарынды" + plural. One- and two-letter endings that are also Russian
# endings ("а", "е", "на") are left out.
_ENDINGS = {
    "plural": "лар лер дар дер тар тер лор лөр дор дөр тор төр",
    "genitive": "ның нің дың дің тың тің нын нин нун нүн дын дин дун дүн тын тин тун түн нинг",
    "dative": "ға ге қа ке га ка го гө ко кө",
    "accusative": "ны ні ды ді ты ті ну нү ду дү ту тү ни",
    "locative": "да де та те нда нде до дө то тө",
    "ablative": "дан ден тан тен нан нен дон дөн тон төн нон нөн",
    "instrumental": "мен бен пен",
    "possessive and case": "ында інде сында сінде ына іне сына сіне ынан інен сынан сінен "
    "ының інің сының сінің ида ига идан ини ининг",
}
TURKIC_ENDINGS = tuple(
    sorted(
        {e for endings in _ENDINGS.values() for e in endings.split()}, key=lambda e: (-len(e), e)
    )
)


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str
    lemma: str


@cache
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


def is_dictionary_word(word: str) -> bool:
    """Whether pymorphy3's dictionary holds ``word`` (any case form); a Latin word is taken as
    known. Used to tell a word hyphenated at a line's end from a compound word."""
    w = word.lower().replace("ё", "е")
    if not re.search("[а-я]", w):
        return True
    return _morph().word_is_known(w)


def turkic_stem(word: str) -> str:
    """A Kazakh, Kyrgyz or Uzbek word without its plural and case endings (up to two, the stem
    kept at three letters or more): "тоннадан" -> "тонна", "шығарындылардан" -> "шығарынды"."""
    for _ in range(2):
        ending = next(
            (e for e in TURKIC_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3), None
        )
        if ending is None:
            break
        word = word[: -len(ending)]
    return word


@cache
def lemma(word: str, turkic: bool = False) -> str:
    """The dictionary form of one word, lower case: "учреждения" -> "учреждение", "PM2" ->
    "pm2", "stations" -> "station". A word with letters Russian has not is Kazakh, Kyrgyz,
    Uzbek or Belarusian: its stem ("қоқысты" -> "қоқыс"). A word pymorphy3 does not know is
    that stem too in a ``turkic`` text ("ишембиликке" -> "ишембилик"); in a Russian one it is
    pymorphy3's guess ("нацпроекта" -> "нацпроект"), unless it is a Russian loanword with a
    Turkic ending ("тоннадан" -> "тонна")."""
    w = word.lower().replace("ё", "е")
    if any(c in OTHER_CYRILLIC for c in w):
        return turkic_stem(w)
    if re.search("[а-я]", w):
        morph = _morph()
        if not morph.word_is_known(w):
            stem = turkic_stem(w)
            if turkic:
                return stem
            if stem != w and morph.word_is_known(stem):
                w = stem
        return morph.parse(w)[0].normal_form.replace("ё", "е")
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


def words(text: str) -> list[Word]:
    """Every word of ``text`` with its offsets and its dictionary form. A text with a letter of
    Kazakh, Kyrgyz, Uzbek or Belarusian is read as one: its unknown words lose their endings."""
    turkic = any(c in OTHER_CYRILLIC for c in text.lower())
    return [
        Word(m.start(), m.end(), m.group(), lemma(m.group(), turkic)) for m in _WORD.finditer(text)
    ]


@cache
def phrase_lemmas(phrase: str) -> tuple[frozenset[str], ...]:
    """Each word's dictionary forms as a Russian and as a Turkic text would give them (a
    phrase of the rules may be either: "ишембилик" matches "ишембиликке" in a Kyrgyz text)."""
    return tuple(
        frozenset({lemma(m.group()), lemma(m.group(), True)}) for m in _WORD.finditer(phrase)
    )


def find_phrase(ws: list[Word], phrase: str, start: int = 0, end: int | None = None) -> list[Word]:
    """The words of the first occurrence of ``phrase`` among ``ws`` lying within the characters
    ``start``..``end`` (empty when it does not occur)."""
    target = phrase_lemmas(phrase)
    if not target:
        return []
    inside = [w for w in ws if w.start >= start and (end is None or w.end <= end)]
    for i in range(len(inside) - len(target) + 1):
        run = inside[i : i + len(target)]
        if all(w.lemma in forms for w, forms in zip(run, target, strict=True)):
            return run
    return []


def find_any(
    ws: list[Word], phrases: list[str], start: int = 0, end: int | None = None, last: bool = False
) -> tuple[str, list[Word]] | None:
    """The phrase of ``phrases`` found within ``start``..``end`` (the first in the text, or the
    last with ``last``), with its words; longer phrases win at one position (at one end, for the
    last)."""
    hits = []
    for p in phrases:
        run = find_phrase(ws, p, start, end)
        if run:
            hits.append((run[0].start, -len(run), p, run))
            if last:  # the last occurrence: search again after the first
                while more := find_phrase(ws, p, run[-1].end, end):
                    run = more
                    hits.append((run[0].start, -len(run), p, run))
    if not hits:
        return None
    # The last: the one that ends last, the longer of two that end together ("угледобывающие
    # предприятия" over "предприятия").
    hit = max(hits, key=lambda h: (h[3][-1].end, -h[1])) if last else min(hits)
    return hit[2], hit[3]
