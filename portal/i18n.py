"""Language and time zone: Japanese by default, English on request, Japan time on screen."""
from __future__ import annotations

from functools import lru_cache

from flask import Flask, current_app, g, has_app_context, has_request_context, session
from flask_babel import Domain, format_date, format_datetime, get_locale, get_timezone

from portal.extensions import babel

LANGUAGE_SESSION_KEY = "lang"


def select_locale() -> str:
    """An explicit choice (the switch) wins; otherwise Japanese, the portal's default."""
    languages = current_app.config["PORTAL_LANGUAGES"]
    # CLI and `tick` run without a request (and so without a session): use the default.
    chosen = session.get(LANGUAGE_SESSION_KEY) if has_request_context() else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


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


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    # One domain for the app; Flask-Babel builds its default lazily, so setting it first wins.
    domain = babel.domain_instance = RequestCachedDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.filters.update(dateformat=_remembered(format_date), datetimeformat=_remembered(format_datetime))
    # Templates call the domain straight away (Flask-Babel's callables look the domain up first).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.globals.update(current_language=current_language, localized=localized)
