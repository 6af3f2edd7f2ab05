"""A person we hold no email for is told by letter: the postal list names them with the address
we hold, and the letters are recorded as posted; "my data" still shows them the notice."""
from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.incidents.models import IncidentPerson, NoticeChannel
from portal.inventory.models import Category, Item, Person
from tests.fixtures.pages import csrf_from, in_english, text_of
from tests.incidents.test_incident_walk import post, record


def test_persons_without_email_are_listed_for_a_letter_and_recorded_as_posted(app, client, leak_data, login_as):
    with app.app_context():  # a paper form: no email (made directly, whatever the importer accepts)
        person = Person(key="C-9", email=None, name="郵送 太郎")
        db.session.add(person)
        db.session.flush()
        db.session.add(Item(person_id=person.id, category=Category.CONTACT, field="address", value="北海道札幌市9-9"))
        db.session.commit()
        db.session.remove()
    login_as("manager")
    in_english(client)
    incident_id = record(client)
    post(client, f"/staff/incidents/{incident_id}/affected", {"mode": "keys", "keys": "C-1 C-9"},
         page=f"/staff/incidents/{incident_id}")
    post(client, f"/staff/incidents/{incident_id}/notify", {}, page=f"/staff/incidents/{incident_id}")
    with app.app_context():
        channels = dict(db.session.execute(sa.select(IncidentPerson.person_id, IncidentPerson.channel)).all())
        db.session.remove()
    assert sorted(channels.values()) == [NoticeChannel.EMAIL, NoticeChannel.POST]
    page = text_of(client.get(f"/staff/incidents/{incident_id}"))
    assert "Letters to post 1" in page
    postal = text_of(client.get(f"/staff/incidents/{incident_id}/postal-list"))
    assert "C-9" in postal and "郵送 太郎" in postal and "北海道札幌市9-9" in postal and "C-1 " not in postal
    html = client.get(f"/staff/incidents/{incident_id}").get_data(as_text=True)
    assert client.post(f"/staff/incidents/{incident_id}/posted", data={"csrf_token": csrf_from(html)}).status_code == 302
    assert "Letters posted 1" in text_of(client.get(f"/staff/incidents/{incident_id}"))
