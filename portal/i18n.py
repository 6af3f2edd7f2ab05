"""Language and time zone: Japanese by default, English on request, Japan time on screen."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from babel import support
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from flask import Flask, Request, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Domain, format_date, format_datetime, get_locale, get_timezone
from wtforms.i18n import messages_path

from portal.extensions import babel

LANGUAGE_SESSION_KEY = "lang"


def select_locale() -> str:
    """An explicit choice (the switch) wins; then the browser's Accept-Language; then Japanese."""
    languages = current_app.config["PORTAL_LANGUAGES"]
    # CLI and `tick` run without a request (and so without a session): use the default.
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get(LANGUAGE_SESSION_KEY)
    if chosen in languages:
        return chosen
    # Until the person chooses, the browser's languages decide (Japanese when it names neither).
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    return str(get_locale() or "ja")


def localized(obj, field: str) -> str | None:
    """Pick `field_ja` or `field_en` from a model by the current language, falling back to ja."""
    value = getattr(obj, f"{field}_{current_language()}", None)
    return value or getattr(obj, f"{field}_ja", None)


class RequestCachedDomain(Domain):
    """Flask-Babel's message domain, keeping the request's translations at hand.

    Flask-Babel finds them anew for every message, through half a dozen context-local
    look-ups and the locale's name (about 6 µs; a page shows a few hundred messages). Here
    they are kept with the locale they were found for, in Flask-Babel's own per-request
    state, so `force_locale` (mail in the requester's language) sets a different locale
    and is answered with its own translations, and the next request starts afresh.
    """

    def get_translations(self):
        state = g.get("_flask_babel") if has_app_context() else None
        locale = getattr(state, "babel_locale", None)
        kept = getattr(state, "madoguchi_translations", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()  # also settles the locale
        if state is not None:
            state.madoguchi_translations = (getattr(state, "babel_locale", None), translations)
        return translations


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class PortalRequest(Request):
    """Flask's request, with WTForms' own messages ("This field is required.") at hand.

    Flask-WTF reads their catalogue from disk on the first form of every request and keeps it
    on the request as `wtforms_translations`; here it is read once per language and process
    (a catalogue of the library's words, the same for everyone)."""

    @property
    def wtforms_translations(self):
        return _wtforms_catalogue(str(get_locale()))


@lru_cache(maxsize=4096)
def _formatted(formatter, value, format: str | None, locale: str, zone: str) -> str:
    return formatter(value, format)


def _remembered(formatter):
    """A date filter that formats each (value, format, locale, time zone) once: Babel takes
    ~25 µs a date, and pages repeat theirs (a source's date on every line it gave us)."""
    def filter_(value, format: str | None = None):
        if value is None:
            return formatter(value, format)
        return _formatted(formatter, value, format, str(get_locale()), str(get_timezone()))
    return filter_


#: How the customer's pages write a moment and a day: 2024年6月10日 10:00, no seconds.
WHEN_PATTERNS = {"ja": "y年M月d日 H:mm", "en": "MMM d, y, HH:mm"}
DAY_PATTERNS = {"ja": "y年M月d日", "en": "MMMM d, y"}


def _format_when(value, format: str | None = None) -> str:
    return format_datetime(value, WHEN_PATTERNS.get(current_language(), WHEN_PATTERNS["en"]))


def _format_day(value, format: str | None = None) -> str:
    return format_date(value, DAY_PATTERNS.get(current_language(), DAY_PATTERNS["en"]))


def compile_catalogues(source: Path, target: Path) -> int:
    """Compile every `.po` under `source` whose `.mo` under `target` is missing or older.

    Each file is written aside and renamed into place, so workers starting together never
    read half a catalogue. Returns how many were compiled."""
    compiled = 0
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parent.parent.name)
        mo.parent.mkdir(parents=True, exist_ok=True)
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        with partial.open("wb") as handle:
            write_mo(handle, catalogue, use_fuzzy=True)
        os.replace(partial, mo)
        compiled += 1
    return compiled


def translation_directory(app: Flask) -> str:
    """Where the compiled catalogues are: beside the sources when they are current there.

    `make` compiles them; an install without it (`pip install .`, a deployment image) ships
    only the `.po` files, and pages would be English under `lang="ja"`. So they are compiled
    here at start-up: in place when the package folder is writable, else under the instance
    folder."""
    source = Path(app.root_path) / "translations"
    try:
        compile_catalogues(source, source)
        return str(source)
    except OSError:
        target = Path(app.instance_path) / "translations"
        compile_catalogues(source, target)
        return str(target)


def init_app(app: Flask) -> None:
    app.request_class = PortalRequest
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=translation_directory(app),
    )
    # One domain for the app; Flask-Babel builds its default lazily, so setting it first wins.
    domain = babel.domain_instance = RequestCachedDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.filters.update(dateformat=_remembered(format_date), datetimeformat=_remembered(format_datetime),
                                 when=_remembered(_format_when), day=_remembered(_format_day))
    # Templates call the domain straight away (Flask-Babel's callables look the domain up first).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(current_language=current_language, localized=localized)
