"""Input as people type it: full-width digits, hyphens and Japanese era dates mean what they say;
a malformed code or answer is a typing slip, not a used try."""
from __future__ import annotations

from datetime import date

import pytest

from portal.common.text import digits_only, normalise, parse_date


@pytest.mark.parametrize("typed, meant", [
    ("1985-04-01", date(1985, 4, 1)), ("1985/4/1", date(1985, 4, 1)), ("19850401", date(1985, 4, 1)),
    ("１９８５－０４－０１", date(1985, 4, 1)), ("1985年4月1日", date(1985, 4, 1)),
    ("昭和60年4月1日", date(1985, 4, 1)), ("S60.4.1", date(1985, 4, 1)), ("s60/4/1", date(1985, 4, 1)),
    ("Ｓ６０．４．１", date(1985, 4, 1)), ("平成元年1月8日", date(1989, 1, 8)), ("令和6年6月10日", date(2024, 6, 10)),
    ("R6.6.10", date(2024, 6, 10)), ("令和元年5月1日", date(2019, 5, 1)), (" 2024 年 6 月 10 日 ", date(2024, 6, 10)),
])
def test_dates_are_read_however_they_are_typed(typed, meant):
    assert parse_date(typed) == meant


@pytest.mark.parametrize("typed", ["12ab", "", "1985-13-01", "昭和64年2月1日", "令和元年4月30日", "S0.1.1", "2024-02-30"])
def test_what_is_not_a_day_is_refused(typed):
    with pytest.raises(ValueError):
        parse_date(typed)


def test_full_width_digits_and_every_dash_become_ascii():
    assert normalise("０９０ー１２３４‐５６７８") == "090-1234-5678"
    assert digits_only("０９０ー１２３４ー５６７８") == "09012345678"


def test_a_malformed_code_is_a_format_error_that_uses_no_try(app, client, smtp_server, post_form):
    from portal.extensions import db
    from portal.verification.models import EmailChallenge
    import sqlalchemy as sa

    post_form("/verify", {"email": "nobody@example.jp"})
    page = post_form("/verify/code", {"code": "12ab"}).get_data(as_text=True)
    assert "6" in page and 'id="error-summary"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(EmailChallenge.failed_attempts)) == 0
        db.session.remove()


def test_a_full_width_code_is_read_as_digits(app, client, smtp_server, post_form):
    from tests.fixtures.verification import read_mail

    post_form("/verify", {"email": "nobody@example.jp"})
    code = read_mail(smtp_server.to("nobody@example.jp")[-1]).code
    full_width = code[:3].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "-" + code[3:]
    response = post_form("/verify/code", {"code": full_width})
    assert response.status_code == 302
