"""The queue: deadline order, badges, filters, search, keyset pages, my work, the audit entry."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.common.time import utcnow
from portal.dsr.calendar import end_of_japan_day, japan_date
from tests.fixtures.pages import in_english, text_of

REFERENCE = re.compile(r"MG-\d{4}-\d{6}")


def listed(response) -> list[str]:
    """The references in the queue's table, in order."""
    html = response.get_data(as_text=True)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    seen = []
    for reference in REFERENCE.findall(body):
        if reference not in seen:
            seen.append(reference)
    return seen


def row(response, reference: str) -> str:
    """The visible text of one request's row."""
    html = response.get_data(as_text=True)
    for chunk in html.split("<tr")[1:]:
        if reference in chunk:
            return " ".join(re.sub(r"<[^>]+>", " ", chunk.split("</tr>")[0]).split())
    raise AssertionError(f"{reference} is not in the queue")


def due_in(days: int):
    """A due date `days` Japan dates from today (negative: passed), at the end of that day."""
    return end_of_japan_day(japan_date(utcnow()) + timedelta(days=days))


@pytest.fixture
def english_agent(client, login_as):
    account = login_as("agent")
    in_english(client)
    return account


# Unverified GDPR requests have no due date yet (its clock starts once verified); APPI and
# CCPA ones are due from receipt and sort among the others (tests/deadlines/test_clock_from_receipt.py).
def test_open_requests_come_unverified_first_then_by_due_date_and_closed_ones_not_at_all(
        client, english_agent, file_case, set_due):
    later = file_case()
    unverified = file_case(status="received", residence="eu")
    overdue = file_case()
    set_due(overdue.reference, due_in(-2))
    tomorrow = file_case(status="in_progress")
    set_due(tomorrow.reference, due_in(1))
    done = file_case(status="completed")
    refused = file_case(status="rejected")

    page = client.get("/staff/")
    assert page.status_code == 200
    assert listed(page) == [unverified.reference, overdue.reference, tomorrow.reference, later.reference]
    assert done.reference not in listed(page) and refused.reference not in listed(page)


def test_badges_and_relative_due_dates_say_what_needs_attention(
        client, english_agent, file_case, set_due, make_person):
    overdue = file_case(person_id=make_person())
    set_due(overdue.reference, due_in(-2))
    soon = file_case(person_id=make_person())
    set_due(soon.reference, due_in(2))
    relaxed = file_case(person_id=make_person())
    agent = file_case(status="received", residence="eu", is_agent=True, agent={"name": "代理 一郎", "relationship": "弁護士"},
                      subject={"name": "本人 花子"})
    paused = file_case(status="awaiting_requester", residence="eu", person_id=make_person())

    page = client.get("/staff/")
    # One badge per row says how the deadline stands; the row's edge is coloured by it.
    assert "due-overdue" in row(page, overdue.reference) and "2 days overdue" in row(page, overdue.reference)
    assert "due-soon" in row(page, soon.reference) and "2 days left" in row(page, soon.reference)
    assert "14 days left" in row(page, relaxed.reference)
    assert "Overdue" not in row(page, relaxed.reference) and "Unmatched" not in row(page, relaxed.reference)
    assert "By an agent" in row(page, agent.reference) and "Unmatched" in row(page, agent.reference)
    assert "Starts when verified" in row(page, agent.reference)
    assert "Clock paused" in row(page, paused.reference)


def test_due_dates_read_in_japanese_by_default(client, login_as, file_case, set_due):
    login_as("agent")
    soon, late = file_case(), file_case()
    set_due(soon.reference, due_in(2))
    set_due(late.reference, due_in(-2))
    page = client.get("/staff/")
    assert "あと2日" in row(page, soon.reference)
    assert "2日超過" in row(page, late.reference)


@pytest.mark.parametrize("query, expected", [
    ({"status": "received"}, ["received", "agent"]),
    ({"status": "closed"}, ["completed"]),
    ({"type": "correction"}, ["correction"]),
    ({"jurisdiction": "gdpr"}, ["gdpr"]),
    ({"overdue": "1"}, ["overdue"]),
    ({"unmatched": "1"}, ["received", "correction", "gdpr", "overdue"]),
    ({"agent": "1"}, ["agent"]),
    ({"assignee": "me"}, ["mine"]),
    ({"assignee": "none"}, ["received", "correction", "gdpr", "overdue", "agent"]),
    ({"type": "correction", "unmatched": "1"}, ["correction"]),
])
def test_each_filter_narrows_the_queue(client, english_agent, file_case, set_due, make_person, query, expected):
    cases = {
        "received": file_case(status="received"),
        "correction": file_case(type="correction", details={"changes": []}),
        "gdpr": file_case(residence="eu"),
        "overdue": file_case(),
        "agent": file_case(status="received", is_agent=True, agent={"name": "代理"}, person_id=make_person()),
        "mine": file_case(assignee_id=english_agent.id, person_id=make_person()),
        "completed": file_case(status="completed", person_id=make_person()),
    }
    set_due(cases["overdue"].reference, due_in(-1))
    page = client.get("/staff/", query_string=query)
    assert page.status_code == 200
    assert sorted(listed(page)) == sorted(cases[name].reference for name in expected)


def test_assignee_filter_takes_a_colleague(client, english_agent, create_staff, file_case):
    colleague = create_staff("agent")
    theirs = file_case(assignee_id=colleague.id)
    file_case()
    assert listed(client.get("/staff/", query_string={"assignee": colleague.id})) == [theirs.reference]


def test_unknown_filter_values_are_ignored(client, english_agent, file_case):
    case = file_case()
    page = client.get("/staff/", query_string={"status": "bogus", "type": "x", "assignee": "'; drop", "after": "zz"})
    assert page.status_code == 200 and listed(page) == [case.reference]


def test_search_by_reference_finds_the_request_whatever_the_filters(client, english_agent, file_case):
    done = file_case(status="completed")
    file_case()
    page = client.get("/staff/", query_string={"q": " " + done.reference.lower() + " ", "type": "erasure"})
    assert listed(page) == [done.reference]


def test_search_by_email_is_exact_and_normalised_and_finds_the_matched_person(
        client, english_agent, file_case, make_person):
    by_requester = file_case(email="hanako@example.jp")
    person = make_person(email="taro@example.jp")
    by_person = file_case(email="someone-else@example.jp", person_id=person)
    file_case(email="hanako@example.jp.evil")
    assert listed(client.get("/staff/", query_string={"q": "  HANAKO@Example.JP "})) == [by_requester.reference]
    assert listed(client.get("/staff/", query_string={"q": "ｔａｒｏ@example.jp"})) == [by_person.reference]
    assert listed(client.get("/staff/", query_string={"q": "hanako@example"})) == []


def test_search_by_name_finds_the_whole_name_with_or_without_spaces(client, english_agent, file_case, make_person):
    requester = file_case(requester_name="山田 花子")
    person = file_case(person_id=make_person(name="佐藤　一郎"))
    file_case(requester_name="鈴木 次郎")
    assert listed(client.get("/staff/", query_string={"q": "山田花子"})) == [requester.reference]
    assert listed(client.get("/staff/", query_string={"q": "佐藤 一郎"})) == [person.reference]
    assert listed(client.get("/staff/", query_string={"q": "シケンタロウ"})) == [person.reference]  # the kana
    # Names are encrypted and found through a keyed hash of the whole name: no partial matches.
    assert listed(client.get("/staff/", query_string={"q": "花子"})) == []
    assert listed(client.get("/staff/", query_string={"q": "100%"})) == []


def test_keyset_pages_walk_forward_and_back_across_unverified_and_verified(
        client, english_agent, file_case, set_due, monkeypatch):
    from portal.casework import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 4)
    unverified = [file_case(status="received", residence="eu").reference for _ in range(5)]
    verified = []
    for days in (9, 3, 3, 7, 1, 5):
        case = file_case()
        set_due(case.reference, due_in(days))
        verified.append((days, case.reference))
    expected = unverified + [reference for _days, reference in sorted(verified, key=lambda v: (v[0], v[1]))]

    pages, url = [], "/staff/?type=disclosure"
    while url:
        page = client.get(url)
        pages.append(listed(page))
        found = re.search(r'rel="next" href="([^"]+)"', page.get_data(as_text=True))
        url = found.group(1).replace("&amp;", "&") if found else None
    assert [len(p) for p in pages] == [4, 4, 3]
    assert sum(pages, []) == expected

    back = re.search(r'rel="prev" href="([^"]+)"', page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert "type=disclosure" in back
    assert listed(client.get(back)) == pages[1]
    assert 'rel="prev"' not in client.get("/staff/").get_data(as_text=True)


def test_my_work_lists_my_open_requests_and_counts_them(client, english_agent, file_case, create_staff):
    colleague = create_staff("agent")
    mine = [file_case(assignee_id=english_agent.id) for _ in range(2)]
    file_case(assignee_id=colleague.id)
    file_case(status="completed", assignee_id=english_agent.id)
    page = client.get("/staff/?assignee=me")
    assert sorted(listed(page)) == sorted(c.reference for c in mine)
    assert re.search(r"My work\s*<span[^>]*>2<", page.get_data(as_text=True))


def test_customer_text_is_escaped_in_the_queue(client, english_agent, file_case):
    file_case(requester_name='<script>alert("x")</script><b>太郎</b>')
    html = client.get("/staff/").get_data(as_text=True)
    assert "<script>alert" not in html and "<b>太郎" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;太郎" in html


def test_each_view_of_the_queue_is_audited_without_what_was_searched(client, english_agent, file_case,
                                                                    audit_actions):
    file_case(requester_name="山田 花子")
    client.get("/staff/", query_string={"q": "山田 花子", "type": "disclosure"})
    views = [a for a in audit_actions() if a[0] == "staff.viewed_queue"]
    assert len(views) == 1
    _action, actor_type, actor_id, details = views[0]
    assert (actor_type, actor_id) == ("staff", str(english_agent.id))
    assert details == {"shown": 1, "filters": ["type"], "search": "name"}
    assert "山田" not in str(details)


def test_the_landing_page_greets_and_counts_capped(client, english_agent, file_case):
    file_case()
    page = client.get("/staff/")
    assert english_agent.name in text_of(page)
    assert "1 request." in text_of(page)


def test_search_finds_the_person_by_key_customer_number_or_phone_in_any_format(
        app, client, english_agent, file_case):
    from portal.extensions import db
    from portal.inventory.models import Person

    with app.app_context():
        person = Person(key="C-000001", email="yamada@example.jp", name="山田 花子", name_kana="ヤマダ ハナコ",
                        phone="090-0000-0111", customer_number="M-55500037")
        db.session.add(person)
        db.session.commit()
        person_id = person.id
        db.session.remove()
    theirs = file_case(person_id=person_id, email="yamada@example.jp")
    file_case()
    for text in ("C-000001", "M-55500037", "ｍ５５５０００３７", "090-0000-0111", "09000000111",
                 "０９０（００００）０１１１", "ﾔﾏﾀﾞ ﾊﾅｺ", "山田　花子", "山田", "ﾔﾏﾀﾞ", "ヤマダ"):
        assert listed(client.get("/staff/", query_string={"q": text})) == [theirs.reference], text


def test_at_risk_is_overdue_due_within_three_days_or_waiting_for_the_identity_check(
        client, english_agent, file_case, set_due, make_person):
    overdue, soon, later = (file_case(person_id=make_person()) for _ in range(3))
    set_due(overdue.reference, due_in(-1))
    set_due(soon.reference, due_in(3))
    set_due(later.reference, due_in(4))
    unverified = file_case(status="received", residence="eu")
    file_case(status="completed")
    page = client.get("/staff/", query_string={"risk": "1"})
    assert listed(page) == [unverified.reference, overdue.reference, soon.reference]
    assert "Remove the filter: At risk" in page.get_data(as_text=True)


def at_risk_badge(response) -> str:
    return re.search(r'At risk <span class="badge badge-danger">([^<]*)</span>', response.get_data(as_text=True)).group(1)


def test_the_at_risk_tab_counts_each_request_at_risk_once(client, english_agent, file_case, set_due, make_person):
    overdue, soon, later = (file_case(person_id=make_person()) for _ in range(3))
    set_due(overdue.reference, due_in(-1))
    set_due(soon.reference, due_in(2))
    set_due(later.reference, due_in(9))
    unverified = file_case(status="received", residence="eu")
    set_due(unverified.reference, due_in(1))  # at risk twice over: counted once
    file_case(status="completed")
    assert at_risk_badge(client.get("/staff/")) == "3"


def test_the_at_risk_tab_says_more_than_its_cap_from_any_of_its_reasons(
        client, english_agent, file_case, set_due, make_person, monkeypatch):
    import portal.casework.queue as queue

    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    overdue = [file_case(person_id=make_person()) for _ in range(2)]
    for case in overdue:
        set_due(case.reference, due_in(-1))
    assert at_risk_badge(client.get("/staff/")) == "2"  # exactly the cap: no "+"
    file_case(status="received", residence="eu")  # a third, for another reason
    assert at_risk_badge(client.get("/staff/")) == "2+"
    set_due(overdue[0].reference, due_in(20))
    assert at_risk_badge(client.get("/staff/")) == "2"
