"""Verification by any of the person's emails: the own one or a further contact email (issue #17)."""
import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import Person
from portal.verification.models import CustomerSession
from tests.inventory.records import ITEM, PERSON, PURPOSE, SOURCE
from tests.inventory.test_contact_points import POSTAL, contact
from tests.fixtures.pages import post_page_form as post


def test_verifying_with_a_second_address_opens_that_persons_data(client, import_lines, ask_for_mail, app):
    import_lines(SOURCE, PURPOSE, PERSON, ITEM, contact("C-000123", "email", "hanako.work@example.co.jp", 1))
    mail = ask_for_mail("hanako.work@example.co.jp")
    assert post(client, "/verify/code", {"code": mail.code}).headers["Location"] == "/my/data"
    page = client.get("/my/data").get_data(as_text=True)
    assert "東京都港区" in page or "東京都" in page  # the person's address item, masked or not
    with app.app_context():
        person_id = db.session.scalar(sa.select(CustomerSession.person_id))
        assert db.session.get(Person, person_id).key == "C-000123"


def test_an_address_two_persons_hold_as_contact_email_matches_neither(client, import_lines, ask_for_mail, app):
    import_lines(SOURCE, PURPOSE, PERSON, POSTAL, contact("C-000123", "email", "family@example.jp", 1),
                 contact("P-1", "email", "family@example.jp", 1))
    mail = ask_for_mail("family@example.jp")
    post(client, "/verify/code", {"code": mail.code})
    with app.app_context():
        assert db.session.scalar(sa.select(CustomerSession.person_id)) is None
