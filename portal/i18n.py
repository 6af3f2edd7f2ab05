"""Language and time zone: Japanese by default, English on request, Japan time on screen."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_babel import get_locale

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


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories="translations",
    )
    app.jinja_env.globals.update(current_language=current_language, localized=localized)
