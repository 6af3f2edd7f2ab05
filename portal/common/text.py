"""Normalising what people type, the same way everywhere it is compared: one normaliser for
every customer form.

Phones and Japanese keyboards give full-width digits (０９０), long-vowel marks or dashes for
hyphens (０９０ー１２３４), and dates in the Japanese era (昭和60年4月1日, S60.4.1, 令和元年).
Customer forms read their text through `normalise` and their dates through `parse_date`, so a
value means the same however it was typed."""
from __future__ import annotations

import re
import unicodedata
from datetime import date


def normalise_email(text: str | None) -> str:
    """One spelling per address: full-width input from a Japanese keyboard becomes ASCII
    (NFKC), surrounding spaces go, case does not matter."""
    return unicodedata.normalize("NFKC", text or "").strip().lower()


# Every dash a Japanese keyboard or a word processor offers for "-" (NFKC keeps most of them).
_DASHES = re.compile("[\u2010-\u2015\u2212\u30fc\uff0d\uff70\u2043\ufe58\ufe63]")
_SPACES = re.compile(r"\s+")

#: Era → (first Gregorian year, first day of the era). Year 1 (元年) is the first year.
ERAS = {
    "明治": (1868, date(1868, 1, 25)), "大正": (1912, date(1912, 7, 30)), "昭和": (1926, date(1926, 12, 25)),
    "平成": (1989, date(1989, 1, 8)), "令和": (2019, date(2019, 5, 1)),
}
_ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_KANJI = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_ERA_KANJI = re.compile(r"^(明治|大正|昭和|平成|令和)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日?$")
_ERA_LETTER = re.compile(r"^([MTSHR])(\d{1,2}|元)[-/.](\d{1,2})[-/.](\d{1,2})$", re.IGNORECASE)


def normalise(text: str | None) -> str:
    """Full-width letters and digits to half-width, every dash to "-", runs of spaces to one."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    return _SPACES.sub(" ", _DASHES.sub("-", text)).strip()


def _era_year(era: str, year: str) -> int:
    number = 1 if year == "元" else int(year)
    if number < 1:
        raise ValueError("era year")
    return ERAS[era][0] + number - 1


def parse_date(text: str | None) -> date:
    """A date typed any common Japanese or ISO way; ValueError when it is none of them
    (or not a real day, or before its era began)."""
    value = normalise(text).replace(" ", "")
    for pattern in (_ISO, _COMPACT, _KANJI):
        match = pattern.match(value)
        if match:
            return date(*map(int, match.groups()))
    match = _ERA_KANJI.match(value) or _ERA_LETTER.match(value)
    if match:
        era, year, month, day = match.groups()
        era = _ERA_LETTERS.get(era.upper(), era)
        result = date(_era_year(era, year), int(month), int(day))
        later = [begun for _, begun in ERAS.values() if begun > ERAS[era][1]]
        if result < ERAS[era][1] or (later and result >= min(later)):
            raise ValueError("not a day of that era")
        return result
    raise ValueError(f"not a date: {text!r}")


def digits_only(text: str | None) -> str:
    """What a code or a phone number means, whatever separators were typed."""
    return re.sub(r"\D", "", normalise(text))
