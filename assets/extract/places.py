"""Territories named in prose, in any case form (#18): "в Кузбассе", "Бишкека", "Кемеровской
области", "города Атырау" -> the gazetteer's territories, with the words' offsets.

Russian declines names; the gazetteer holds them in the nominative. Each word is put back in
the nominative by pymorphy3 (its dictionaries ship inside the package: nothing is downloaded),
keeping gender and number, so that "Кемеровской области" becomes "кемеровская область", which
the gazetteer resolves like a cell of a table (contracts/territories.py). Runs of up to four
words are tried, longest first; a run that names nothing is not a territory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from assets.extract.words import OTHER_CYRILLIC, TURKIC_ENDINGS, turkic_stem
from contracts.place_names import code_key
from contracts.territories import TerritoryIndex

_WORD = re.compile(r"[^\W\d_][\w-]*")  # from any letter: Kazakh "Қостанай" too
_LONGEST = 4  # words in a territory's name as prose writes it ("Кемеровская область - Кузбасс")
# A city's municipal form is named by its adjective: "Новокузнецкий городской округ" is the city
# of Новокузнецк. A "муниципальный район/округ" of the same adjective is the district around a
# city, not the city: it resolves only when the gazetteer lists it.
_URBAN_OKRUG = ["городской", "округ"]
# Adjective endings of city names and the endings of the names they come from:
# Новокузнецк-ий, Прокопьевск-ий, Кемеров-ский -> Кемерово, Бишкек-ский, Осинников-ский -> Осинники.
_ADJECTIVE_TO_NAME = [("ий", ""), ("ский", ""), ("ский", "о"), ("ский", "а"), ("ский", "ы"),
                      ("ский", "и"), ("ский", "ь")]  # fmt: skip
_CITY_TYPES = frozenset({"city"})


@dataclass(frozen=True)
class Place:
    start: int
    end: int
    as_written: str
    territory_ids: tuple[str, ...]  # the strongest candidates (one when the name is clear)


@cache
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@cache
def nominative(word: str) -> str:
    """A word in the nominative, its gender and number kept ("Кемеровской" -> "кемеровская");
    a Kazakh, Kyrgyz or Uzbek common noun without its case ending ("облысында" -> "облыс"); a
    word pymorphy3 does not know, or a Latin one, as written."""
    if not re.search("[А-Яа-яЁё]", word):
        return word
    lower = word.lower()
    if any(c in OTHER_CYRILLIC for c in lower):
        # Kazakh, Kyrgyz, Uzbek: a name ("Қостанай") as written, a common noun without its
        # case ending ("қаласында" -> "қала"; find_places tries the other ways to cut it).
        return word if word[:1].isupper() else turkic_stem(lower)
    stem = turkic_stem(lower)
    if word[:1].islower() and stem != lower and not _morph().word_is_known(lower):
        return stem  # "облысында", "облусунда"
    parse = _morph().parse(word)[0]
    if "NOUN" not in parse.tag and "ADJF" not in parse.tag:
        return word  # prepositions, verbs: never part of a name's nominative
    number = "plur" if "plur" in parse.tag else "sing"
    inflected = parse.inflect({"nomn", number}) or parse.inflect({"nomn"})
    return inflected.word if inflected else word


@cache
def _stems(word: str) -> tuple[str, ...]:
    """Every stem of a word with one Turkic ending taken off (a stem of three letters or
    more), longest stem first."""
    found = {
        word[: -len(e)] for e in TURKIC_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3
    }
    return tuple(sorted(found, key=lambda s: (-len(s), s)))


@cache
def _lemma(word: str) -> str:
    return _morph().parse(word.lower())[0].normal_form


def find_places(text: str, index: TerritoryIndex) -> list[Place]:
    """Every territory named in ``text``, in order, longest names first where names overlap."""
    words = list(_WORD.finditer(text))
    # Codes name territories in tables, not in prose: "kg" is a kilogram and "ОС" the
    # environment. A word of three letters or fewer counts only as a name the gazetteer spells
    # so ("КР", "Ош", and "Оше" through its nominative).
    short_names = {name.lower() for _, name, _ in index.spellings if len(name) <= 3}
    out: list[Place] = []
    i = 0
    while i < len(words):
        found = None
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            run = words[i : i + n]
            # Words of one name are next to each other (a space, a hyphen or a dash between).
            gaps = [text[a.end() : b.start()] for a, b in pairwise(run)]
            if any(not re.fullmatch(r"\s*[-–—]?\s*", g) for g in gaps):
                continue
            word = run[0].group()
            if n == 1 and len(word) <= 3 and nominative(word).lower() not in short_names:
                continue
            written = text[run[0].start() : run[-1].end()]
            if code_key(written) is not None:
                continue
            names = [nominative(w.group()) for w in run]
            candidates = index.candidates(" ".join(names))
            if not candidates and n >= 2:
                # A Kazakh or Kyrgyz case ending on the name's last word: each way to take it
                # off ("облысының" -> "облыс", "қаласында" -> "қаласы").
                for stem in _stems(run[-1].group().lower()):
                    candidates = index.candidates(" ".join([*names[:-1], stem]))
                    if candidates:
                        break
            if not candidates and n >= 3 and [_lemma(w.group()) for w in run[-2:]] == _URBAN_OKRUG:
                # "в Новокузнецком городском округе": the city whose adjective it is.
                candidates = _city_of_adjective(" ".join(names[:-2]), index)
            if candidates:
                best = max(candidates.values())
                start, end = run[0].start(), run[-1].end()
                found = Place(
                    start,
                    end,
                    text[start:end],
                    tuple(sorted(t for t, s in candidates.items() if s == best)),
                )
                i += n
                break
        if found is None:
            i += 1
        else:
            out.append(found)
    return out


def _city_of_adjective(adjective: str, index: TerritoryIndex) -> dict[str, int]:
    """The city an adjective names ("новокузнецкий" -> Новокузнецк), among the gazetteer's
    cities only; {} when none."""
    adjective = adjective.lower()
    for ending, name_ending in _ADJECTIVE_TO_NAME:
        if adjective.endswith(ending) and len(adjective) > len(ending) + 1:
            name = adjective[: -len(ending)] + name_ending
            found = {
                t: s
                for t, s in index.candidates(name).items()
                if index.territories[t].place_type in _CITY_TYPES
            }
            if found:
                return found
    return {}


def _cities(index: TerritoryIndex) -> list[tuple[str, str]]:
    """(name in lower case, territory id) of the gazetteer's cities, longest names first; names
    of five letters or more (shorter ones start too many words). Built once per index (the
    entry holds the index, so its id is not reused by another while cached)."""
    cached = _CITY_NAMES.get(id(index))
    if cached is None or cached[0] is not index:
        names = {
            (name.lower().replace("ё", "е"), tid)
            for _, name, tid in index.spellings
            if index.territories[tid].place_type in _CITY_TYPES and len(name) >= 5
        }
        cached = (index, sorted(names, key=lambda n: (-len(n[0]), n)))
        _CITY_NAMES[id(index)] = cached
    return cached[1]


_CITY_NAMES: dict[int, tuple[TerritoryIndex, list[tuple[str, str]]]] = {}


def find_organisation_cities(text: str, index: TerritoryIndex) -> list[Place]:
    """Cities named only at the start of an organisation's name written as one word
    ("Бишкектеплоэнерго", "Новокузнецкводоканал", "Алматыэнергосбыт"): a word that begins with
    a city's name and goes on for at least four letters that are not an adjective's ending
    ("Бишкекская" is an adjective, not an organisation)."""
    out = []
    for m in re.finditer(r"[A-ZА-ЯЁ][A-Za-zА-Яа-яЁё]{8,}", text):
        word = m.group().lower().replace("ё", "е")
        for name, tid in _cities(index):
            rest = word[len(name) :]
            if word.startswith(name) and len(rest) >= 4 and not rest.startswith("ск"):
                out.append(Place(m.start(), m.end(), m.group(), (tid,)))
                break
    return out
