"""The Japanese catalogue keeps up with the code: every user-facing string has a translation.

Japanese is the portal's default language, so an English msgid without a Japanese msgstr
shows English to a Japanese customer. These tests extract the strings exactly as
`make messages` does and compare them with `portal/translations/ja/LC_MESSAGES/messages.po`.

When one fails: run `make messages`, translate the listed msgids in the ja catalogue
(keep every placeholder such as `%(name)s`), then `make translations`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
JA_CATALOGUE = ROOT / "portal" / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
HOW_TO_FIX = (
    "run `make messages`, fill the msgstr in portal/translations/ja/LC_MESSAGES/messages.po, "
    "then `make translations`"
)

# The same keywords as the Makefile's `messages` target (`-k _l -k lazy_gettext -k lazy_ngettext:1,2`).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}

# %(name)s, %s, %d … as Flask-Babel formats them; `%%` is a literal percent sign.
PERCENT_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")


@lru_cache(maxsize=1)
def extracted_messages() -> dict[tuple[str | tuple[str, ...], str | None], list[str]]:
    """Every translatable string in portal/**.py and templates/**.html → where it occurs."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        if isinstance(message, (list, tuple)):
            message = tuple(message)
        if not message:
            continue
        found.setdefault((message, context), []).append(f"{filename}:{lineno}")
    return found


@lru_cache(maxsize=1)
def ja_catalogue():
    with open(JA_CATALOGUE, "rb") as po:
        return read_po(po, locale="ja", abort_invalid=True)


def placeholders(text: str) -> list[str]:
    """The placeholders in a string, sorted, so reordering in a translation is allowed."""
    found = [m.group(0) for m in PERCENT_PLACEHOLDER.finditer(text) if m.group(0) != "%%"]
    found += ["{" + m.group(1) + "}" for m in BRACE_PLACEHOLDER.finditer(text)]
    return sorted(found)


def _as_tuple(value) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def _describe(msgid, where: list[str]) -> str:
    text = " | ".join(_as_tuple(msgid))
    return f"  {text!r}  ({', '.join(sorted(set(where))[:3])})"


def test_extraction_finds_the_landing_page_strings():
    """Guards the guard: if extraction silently found nothing, every other check would pass."""
    ids = {msgid for msgid, _context in extracted_messages()}
    assert "See and control the personal data we hold about you" in ids
    assert "Page not found" in ids


def test_japanese_catalogue_is_not_marked_fuzzy():
    """A fuzzy header makes `pybabel compile` (without --use-fuzzy) drop the whole catalogue."""
    assert not ja_catalogue().fuzzy, f"remove '#, fuzzy' from the header of {JA_CATALOGUE.name}"


def test_every_extracted_string_has_a_japanese_translation():
    catalogue = ja_catalogue()
    missing, empty = [], []
    for (msgid, context), where in sorted(extracted_messages().items(), key=lambda kv: str(kv[0])):
        key = msgid[0] if isinstance(msgid, tuple) else msgid
        entry = catalogue.get(key, context=context)
        if entry is None:
            missing.append(_describe(msgid, where))
        elif not all(form.strip() for form in _as_tuple(entry.string)):
            empty.append(_describe(msgid, where))
    problems = []
    if missing:
        problems.append(f"{len(missing)} msgid(s) missing from the ja catalogue:\n" + "\n".join(missing))
    if empty:
        problems.append(f"{len(empty)} msgid(s) without a Japanese translation:\n" + "\n".join(empty))
    if problems:
        pytest.fail("\n\n".join(problems) + f"\n\nTo fix: {HOW_TO_FIX}.", pytrace=False)


def test_translations_keep_the_placeholders_of_their_msgid():
    wrong = []
    for entry in ja_catalogue():
        if not entry.id or not entry.string:
            continue
        # A plural's Japanese form stands for every count, so it follows the plural msgid.
        expected = placeholders(_as_tuple(entry.id)[-1])
        for form in _as_tuple(entry.string):
            if form and placeholders(form) != expected:
                wrong.append(
                    f"  {_as_tuple(entry.id)[-1]!r}\n    msgid has {expected}, msgstr {form!r} has {placeholders(form)}"
                )
    if wrong:
        pytest.fail("Placeholders differ between msgid and Japanese msgstr:\n" + "\n".join(wrong), pytrace=False)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello %(name)s, you have %(count)d items", ["%(count)d", "%(name)s"]),
        ("100%% sure, %s", ["%s"]),
        ("{company} holds {{literal}}", ["{company}"]),
        ("no placeholders", []),
    ],
)
def test_placeholder_detection(text, expected):
    assert placeholders(text) == expected
