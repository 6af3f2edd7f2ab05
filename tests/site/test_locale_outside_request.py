"""Translations work outside a request too (CLI, tick), in the default language."""
from flask_babel import gettext


def test_gettext_outside_a_request_uses_japanese(app_ctx):
    assert gettext("Page not found") == "ページが見つかりません"
