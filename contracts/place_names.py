"""How territory names and codes are written, taken apart into what can be matched.

Pure string functions, no gazetteer: the gazetteer's names and a submission's cells go through
the same rules, so that "Респ Адыгея", "Адыгея, Респ.", "Республика Адыгея (Адыгея)" and
"Adygeya, Respublika" all come down to the core name "адыгея" and the type "republic".

- ``clean``: lower case, ё as е, every dash as "-", every space as " ", quotes dropped;
- ``forms``: the alternatives a cell offers (the whole; the text outside and inside brackets or
  slashes; the parts around a spaced dash, as in "Кемеровская область - Кузбасс"). Each
  alternative is a list of parts that must all name the same territory;
- ``split_type``: a type word before or after the name, written out or abbreviated, in Russian,
  English, Kazakh, Kyrgyz, Uzbek, Ukrainian, Belarusian ("обл.", "Респ", "г.", "АО", "oblysy",
  "shaary", "viloyati", "вобласць", "krai") -> (core, the place types it may denote);
- ``exact_key`` and ``latin_key``: the core as written (spaces and hyphens removed), and a
  transliteration skeleton that makes the usual romanisations of one Cyrillic name equal
  ("Čeljabinskaja", "Chelyabinskaya" and "Челябинская" give one key);
- ``code_key``: a cell that is a code (ISO 3166-1/-2, OKATO, OKTMO, KLADR) rather than a name.
"""

from __future__ import annotations

import re
from functools import cache

from anyascii import anyascii

# Place types of the gazetteer (regions.place_type).
PLACE_TYPES = (
    "country",
    "region",
    "krai",
    "republic",
    "autonomous_okrug",
    "autonomous_oblast",
    "city",
    "district",
    "county",
    "municipality",
    "rayon",
    "territorial_unit",
)

_OBLAST = frozenset({"region", "autonomous_oblast"})
_ANY_REGION = frozenset(
    {"region", "krai", "autonomous_okrug", "autonomous_oblast", "county", "territorial_unit"}
)

# Type words as ``clean`` leaves them -> the place types they may denote. English "region" is
# used for an oblast, a krai and an okrug alike; "область" only for an oblast.
TYPE_WORDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        [
            "область",
            "обл",
            "oblast",
            "oblys",
            "oblysy",
            "облысы",
            "облыс",
            "облусу",
            "oblusu",
            "voblasts",
            "voblasc",
            "вобласць",
            "viloyati",
            "viloyat",
            "вилояти",
            "вилоят",
            "марз",
            "marz",
            "mkhare",
            "велаят",
            "welayat",
            "welayaty",
        ],
        _OBLAST,
    ),
    **dict.fromkeys(["region", "регион", "province", "провинция"], _ANY_REGION),
    **dict.fromkeys(["край", "kray", "krai", "kraj", "territory"], frozenset({"krai"})),
    **dict.fromkeys(
        [
            "республика",
            "респ",
            "republic",
            "republic of",
            "respublika",
            "respublikasi",
            "respublikasy",
            "республикасы",
        ],
        frozenset({"republic", "country"}),
    ),
    **dict.fromkeys(
        [
            "автономный округ",
            "автономный окр",
            "авт округ",
            "ао",
            "округ",
            "autonomous okrug",
            "autonomous district",
            "avtonomnyy okrug",
            "avtonomnyj okrug",
            "avtonomnyi okrug",
            "okrug",
        ],
        frozenset({"autonomous_okrug"}),
    ),
    **dict.fromkeys(
        [
            "автономная область",
            "автономная обл",
            "аобл",
            "авт обл",
            "autonomous oblast",
            "autonomous region",
            "avtonomnaya oblast",
            "avtonomnaja oblast",
        ],
        frozenset({"autonomous_oblast"}),
    ),
    **dict.fromkeys(
        [
            "г",
            "гор",
            "город",
            "город федерального значения",
            "город республиканского значения",
            "city",
            "city of",
            "shaary",
            "шаары",
            "shahri",
            "шахри",
            "qalasy",
            "қаласы",
            "каласы",
            "horad",
            "горад",
            "місто",
            "м",
        ],
        frozenset({"city"}),
    ),
    **dict.fromkeys(
        ["район", "р-н", "district", "raion", "rayon", "ауданы", "audany"],
        frozenset({"district", "rayon"}),
    ),
    **dict.fromkeys(["county", "maakond", "apskritis"], frozenset({"county"})),
    **dict.fromkeys(
        ["municipality", "vald", "novads", "savivaldybe", "муниципалитет"],
        frozenset({"municipality"}),
    ),
}
_LONGEST_TYPE = max(len(w.split()) for w in TYPE_WORDS)

_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d]")
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u2000-\u200b\ufeff]+")
_APOSTROPHES = re.compile(r"[\"'`´ʹʻʼʽ‘’“”«»„‚]")


def clean(text: str) -> str:
    """Lower case, ё as е, one kind of dash and space, no quotes or apostrophes, trimmed."""
    t = text.lower().replace("ё", "е")
    t = _DASHES.sub("-", t)
    t = _APOSTROPHES.sub("", t)
    return _SPACES.sub(" ", t).strip()


def _plain(text: str) -> str:
    """Punctuation a name carries but does not need (dots, commas, brackets) as spaces."""
    t = re.sub(r"[.,;:()\[\]/\\*]", " ", text)
    return _SPACES.sub(" ", t).strip(" -")


def forms(text: str) -> list[list[str]]:
    """The alternatives a cell offers, most complete first. Each is a list of parts that must
    all name the same territory: "Кемеровская область - Кузбасс" offers the whole, then
    ["Кемеровская область", "Кузбасс"]; "Республика Саха (Якутия)" the whole, then
    ["Республика Саха", "Якутия"]."""
    t = clean(text)
    out = [[_plain(t)]]
    bracketed = re.findall(r"[(\[/]\s*([^()\[\]/]+?)\s*[)\]/]", t)
    if bracketed:
        outer = re.sub(r"[(\[/]\s*[^()\[\]/]+?\s*[)\]/]", " ", t)
        out.append([_plain(p) for p in (outer, *bracketed)])
    if " - " in t:
        out.append([_plain(p) for p in t.split(" - ")])
    return [[p for p in parts if p] for parts in out if all(parts)]


def split_type(name: str) -> tuple[str, frozenset[str]]:
    """(core name, the place types its type words allow) of one part: type words are taken off
    the start and the end ("респ адыгея", "адыгея респ", "кемеровская обл"); a name that is
    nothing but a type word is kept whole. No type word: an empty set."""
    tokens = name.replace(",", " ").split()
    types: frozenset[str] | None = None
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        for n in range(min(_LONGEST_TYPE, len(tokens) - 1), 0, -1):
            head, tail = " ".join(tokens[:n]), " ".join(tokens[-n:])
            for phrase, where in ((head, "head"), (tail, "tail")):
                allowed = TYPE_WORDS.get(phrase) or TYPE_WORDS.get(_ascii(phrase))
                if allowed is None:
                    continue
                types = allowed if types is None else (types & allowed) or types
                tokens = tokens[n:] if where == "head" else tokens[:-n]
                changed = True
                break
            if changed:
                break
    return " ".join(tokens), types or frozenset()


def _ascii(text: str) -> str:
    """A type word with its diacritics and apostrophes gone ("voblasć" -> "voblasc")."""
    return _APOSTROPHES.sub("", anyascii(text).lower())


def exact_key(core: str) -> str:
    """The core as written, without spaces and hyphens ("Марий Эл" = "Марий-Эл")."""
    return re.sub(r"[\s-]+", "", core)


# Romanisations of one Cyrillic letter that differ between GOST, ISO 9, BGN/PCGN and the
# transliteration of the Cyrillic itself, brought to one spelling (order matters).
_LATIN_FOLDS = (
    ("shch", "s"),
    ("sch", "s"),
    ("ch", "c"),
    ("sh", "s"),
    ("zh", "z"),
    ("kh", "h"),
    ("ts", "c"),
    ("tz", "c"),
    ("gh", "g"),
    ("q", "k"),
    ("j", "y"),
    ("ye", "e"),
    ("y", "i"),
    ("ii", "i"),
)


@cache
def latin_key(core: str) -> str:
    """A transliteration skeleton: the core in Latin letters (any script), letters only, with
    the usual differences between romanisations folded ("Čeljabinskaja" = "Chelyabinskaya" =
    "Челябинская"; "Atyraū" = "Атырау"). Doubled letters stay double, so a misspelling such as
    "Кузбас" for "Кузбасс" is not matched but suggested."""
    t = re.sub(r"[^a-z0-9]", "", anyascii(core).lower())
    for a, b in _LATIN_FOLDS:
        t = t.replace(a, b)
    return t


_ISO_3166_2 = re.compile(r"^[a-z]{2}-[a-z0-9]{1,3}$")
_ALPHA = re.compile(r"^[A-Za-z]{2}$|^[A-Z]{3}$")
_DIGITS = re.compile(r"^[0-9][0-9 ]*$")


def code_key(text: str) -> str | None:
    """The code a cell holds, normalised ("ru-kem" -> "RU-KEM", "32 000 000" -> "32000000"),
    or None when the cell is a name. Two Latin letters, or three capitals, are an ISO 3166-1
    country code; a name such as "Osh" is not."""
    t = text.strip()
    if _ISO_3166_2.match(clean(t)):
        return clean(t).upper()
    if _ALPHA.match(t):
        return t.upper()
    if _DIGITS.match(t):
        return t.replace(" ", "")
    return None


def numeric_code_variants(code: str) -> list[str]:
    """A numeric code and its form with the leading zero a spreadsheet drops: OKTMO has 8 digits,
    OKATO 11 and KLADR 13, so 7, 10 and 12 digits are read with one zero in front."""
    if code.isdigit() and len(code) in (7, 10, 12):
        return [code, "0" + code]
    return [code]
