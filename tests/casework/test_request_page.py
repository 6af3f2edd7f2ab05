"""The request page: everything on one page, audited views, full data on demand, matching, escaping."""
from __future__ import annotations

import pytest

from portal.common.time import utcnow
from portal.dsr.calendar import add_months, japan_date

from tests.fixtures.pages import in_english, text_of

ADDRESS = "東京都港区サンプル1-2-3"
HOSTILE = '<script>alert("x")</script>'


@pytest.fixture
def english_agent(client, login_as):
    account = login_as("agent")
    in_english(client)
    return account


@pytest.fixture
def hanako(make_person):
    return make_person(name="山田 花子", email="hanako@example.jp", items={
        ("contact", "address"): ADDRESS, ("contact", "phone"): "090-1234-5678",
        ("purchase", "line"): {"product": "緑茶", "price": 150},
    })


def test_the_page_shows_the_request_its_deadline_and_policy_the_requester_and_the_person(
        client, english_agent, file_case, hanako):
    case = file_case(type="correction", person_id=hanako, requester_name="山田 花子", residence="eu",
                     details={"changes": [{"item_id": None, "category": "contact", "field": "address",
                                           "action": "change", "current": "旧住所", "proposed": "新住所"}]})
    page = client.get(f"/staff/requests/{case.reference}")
    text = text_of(page)
    assert page.status_code == 200
    assert case.reference in text and "Correction of the person's data" in text and "Verified" in text
    assert "GDPR: 1 month, counted from verification." in text
    assert "The clock pauses while we wait for the requester." in text
    assert "Possible once, by at most 2 months." in text
    today = japan_date(utcnow())
    assert f"{(add_months(today, 1) - today).days} days left" in text
    assert "requester@example.jp" in text and "The person themselves" in text
    assert "hanako@example.jp" in text and "C-0000" in text
    assert "Contact details 2" in text  # counts per category (in staff words), not values
    assert ADDRESS not in text and "090-1234-5678" not in text
    assert "旧住所" in text and "新住所" in text  # what the correction asks: when asked vs proposed
    assert "Show full data" in text


def test_an_agents_request_shows_the_agent_who_it_is_about_and_that_it_is_unmatched(
        client, english_agent, file_case, app):
    case = file_case(status="received", is_agent=True, agent={"name": "代理 一郎", "relationship": "弁護士"},
                     subject={"name": "本人 花子", "phone": "03-1234-5678"}, authority_document_id=1)
    without = file_case(status="received", is_agent=True, agent={"name": "代理 二郎"})
    assert "View the letter of authority" not in text_of(client.get(f"/staff/requests/{without.reference}"))
    text = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert "An agent, for the person below." in text
    assert "代理 一郎" in text and "弁護士" in text
    assert "本人 花子" in text and "03-1234-5678" in text
    assert "Unmatched" in text and "Verify the request" in text
    assert "View the letter of authority" in text
    assert f'href="/staff/requests/{case.reference}/authority-document"' in client.get(
        f"/staff/requests/{case.reference}").get_data(as_text=True)


def test_every_view_of_the_page_is_audited(client, english_agent, file_case, hanako, audit_actions):
    case = file_case(person_id=hanako)
    client.get(f"/staff/requests/{case.reference}")
    client.get(f"/staff/requests/{case.reference}")
    views = [a for a in audit_actions() if a[0] == "staff.viewed_request"]
    assert len(views) == 2
    assert views[0][1:3] == ("staff", str(english_agent.id))
    assert views[0][3] == {"reference": case.reference}


def test_full_data_is_shown_only_after_asking_and_the_asking_is_audited(
        client, english_agent, file_case, hanako, post_form, audit_actions):
    case = file_case(person_id=hanako)
    url = f"/staff/requests/{case.reference}"
    assert ADDRESS not in client.get(url).get_data(as_text=True)
    shown = post_form(f"{url}/person-data", page=url)
    assert shown.status_code == 200
    text = text_of(shown)
    assert ADDRESS in text and "090-1234-5678" in text and "緑茶" in text
    assert "shown for this page view only" in text
    opened = [a for a in audit_actions() if a[0] == "staff.viewed_person_data"]
    assert len(opened) == 1 and opened[0][3] == {"reference": case.reference, "items_shown": 3}
    assert ADDRESS not in client.get(url).get_data(as_text=True), "the next view shows the summary again"


def test_the_timeline_marks_staff_only_events_and_messages_and_notes_stay_apart(
        client, english_agent, file_case, hanako, act):
    case = file_case(person_id=hanako, status="in_progress")
    url = f"/staff/requests/{case.reference}"
    act(case, "note", body="電話で本人確認済み")
    act(case, "message", body="ご依頼を確認しています。")
    html = client.get(url).get_data(as_text=True)
    messages = html.split('id="messages-title"')[1].split("</section>")[0]
    notes = html.split('id="notes-title"')[1].split("</section>")[0]
    timeline = html.split('id="timeline-title"')[1].split("</section>")[0]
    assert "ご依頼を確認しています。" in messages and "電話で本人確認済み" not in messages
    assert "電話で本人確認済み" in notes and "ご依頼を確認しています。" not in notes
    assert "電話で本人確認済み" in timeline and "ご依頼を確認しています。" in timeline
    note_entry = timeline.split("電話で本人確認済み")[0].rsplit("<li", 1)[1]
    assert "Staff only" in note_entry


def test_customer_text_is_escaped_everywhere_on_the_page(client, english_agent, file_case, make_person, post_form,
                                                        act):
    person = make_person(name=HOSTILE, items={("contact", "address"): HOSTILE})
    case = file_case(type="correction", person_id=person, requester_name=HOSTILE, is_agent=True, status="received",
                     agent={"name": HOSTILE}, subject={"name": HOSTILE},
                     details={"description": HOSTILE, "changes": [
                         {"item_id": None, "category": "contact", "field": "address", "action": "change",
                          "current": HOSTILE, "proposed": HOSTILE, "reason": HOSTILE}]})
    url = f"/staff/requests/{case.reference}"
    act(case, "reply", body=HOSTILE)
    for response in (client.get(url), post_form(f"{url}/person-data", page=url)):
        html = response.get_data(as_text=True)
        assert "<script>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_an_unmatched_request_is_matched_to_a_person_found_by_email_key_or_name(
        client, english_agent, file_case, hanako, make_person, act, case_state, audit_actions):
    make_person(name="別人 次郎")
    case = file_case(status="received")
    url = f"/staff/requests/{case.reference}"
    for query in ("HANAKO@example.jp", "C-00001", "山田花子", "山田　花子"):
        found = text_of(client.get(url, query_string={"person_q": query}))
        assert "hanako@example.jp" in found and "別人" not in found, query
    assert "Nobody in the register matches." in text_of(client.get(url, query_string={"person_q": "nobody@x.jp"}))
    searches = [a for a in audit_actions() if a[0] == "staff.searched_persons"]
    assert len(searches) == 5 and "hanako" not in str(searches)

    response = act(case, "match", person_id=str(hanako))
    assert response.status_code == 302
    request, events = case_state(case.reference)
    assert request.person_id == hanako and events[-1].kind.value == "matched"
    assert "Contact details" in text_of(client.get(url))


def test_matching_to_someone_not_in_the_register_is_refused(client, english_agent, file_case, act, case_state):
    case = file_case(status="received")
    response = act(case, "match", person_id="999")
    assert response.status_code == 422 and "Choose a person from the register." in text_of(response)
    assert case_state(case.reference)[0].person_id is None


def test_an_unknown_reference_is_not_found(client, english_agent):
    assert client.get("/staff/requests/MG-2026-999999").status_code == 404
    assert client.get("/staff/requests/not-a-reference").status_code == 404


@pytest.mark.parametrize("residence, law", [("jp", "APPI Art. 36"), ("eu", "GDPR Art. 12(4)"), ("us-ca", "11 CCR § 7024")])
def test_a_rejection_cites_the_requests_own_law(client, login_as, file_case, residence, law):
    in_english(client)
    login_as("agent")
    case = file_case(residence=residence)
    assert law in text_of(client.get(f"/staff/requests/{case.reference}"))


def test_an_agents_details_are_labelled_not_raw_keys(client, login_as, file_case):
    in_english(client)
    login_as("agent")
    case = file_case(status="received", is_agent=True, agent={"name": "代理 一郎", "relationship": "appointed"})
    page = text_of(client.get(f"/staff/requests/{case.reference}"))
    assert "Authority to act" in page and "Appointed by the person" in page and "relationship" not in page
