"""The request keeps its translations at hand (portal.i18n.RequestCachedDomain) without ever
answering in the wrong language: a mail in the requester's language (force_locale) in the
middle of an English page, the page afterwards, and the next request in another language."""
from flask import render_template_string
from flask_babel import force_locale, gettext, ngettext

from portal.i18n import LANGUAGE_SESSION_KEY


def test_force_locale_in_the_middle_of_a_page_and_back(app):
    template = "{{ _('Page not found') }} / {{ ngettext('%(num)d request.', '%(num)d requests.', 2) }}"
    with app.test_request_context("/"):
        from flask import session

        session[LANGUAGE_SESSION_KEY] = "en"
        assert gettext("Page not found") == "Page not found"
        assert render_template_string(template) == "Page not found / 2 requests."

        with force_locale("ja"):
            assert gettext("Page not found") == "ページが見つかりません"
            assert render_template_string(template).startswith("ページが見つかりません / ")
            assert ngettext("%(num)d request.", "%(num)d requests.", 2) != "2 requests."

        assert gettext("Page not found") == "Page not found"
        assert render_template_string(template) == "Page not found / 2 requests."


def test_each_request_finds_its_own_language(app):
    for language, expected in (("en", "Page not found"), ("ja", "ページが見つかりません"), ("en", "Page not found")):
        with app.test_request_context("/"):
            from flask import session

            session[LANGUAGE_SESSION_KEY] = language
            assert gettext("Page not found") == expected
            assert render_template_string("{{ _('Page not found') }}") == expected


def test_dates_are_written_in_each_requests_language_and_time_zone(app):
    from datetime import date, datetime, timezone

    template = "{{ day|dateformat('long') }} {{ moment|datetimeformat('short') }}"
    values = {"day": date(2026, 11, 24), "moment": datetime(2026, 11, 24, 16, 30, tzinfo=timezone.utc)}
    seen = []
    for language in ("ja", "en", "ja"):
        with app.test_request_context("/"):
            from flask import session

            session[LANGUAGE_SESSION_KEY] = language
            seen.append(render_template_string(template, **values))
    assert seen[0] == seen[2] and seen[0] != seen[1]
    assert seen[0] == "2026年11月24日 2026/11/25 1:30"  # the moment in Japan time: the next day
    assert seen[1].startswith("November 24, 2026 11/25/26") and "1:30" in seen[1]
