"""The admins' deadline policies page: rules in words, changing and adding rules, errors in
both languages, audit entries, and due dates of existing requests that never move."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.common.time import JST
from portal.dsr import services as dsr
from portal.dsr.models import DataRequest, Jurisdiction, Policy, RequestType
from portal.extensions import db
from tests.fixtures.pages import in_english, post_page_form, text_of

POLICIES = "/staff/policies"
APPI_DEFAULT = POLICIES + "/appi/default"

APPI_AS_IS = {"response_period": "14", "response_unit": "calendar_days", "clock_starts": "received",
              "extension_period": "", "extension_unit": "calendar_days",
              "acknowledge_period": "", "acknowledge_unit": "calendar_days"}


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST).astimezone(timezone.utc)


def file_verified_request(app, *, residence: str = "jp", type: str = "disclosure", when: datetime) -> int:
    with app.app_context():
        change = dsr.create_request(type=type, person_id=None, requester_email="someone@example.jp",
                                    channel="web", language="ja", residence=residence,
                                    actor=Actor("customer", None), verified=True, received_at=when)
        db.session.commit()
        request_id = change.request.id
        db.session.remove()
    return request_id


def due_at(app, request_id: int) -> datetime:
    with app.app_context():
        value = db.session.get(DataRequest, request_id).due_at
        db.session.remove()
    return value


def policy_row(app, jurisdiction: str, request_type: str | None = None) -> Policy | None:
    with app.app_context():
        condition = Policy.request_type.is_(None) if request_type is None else Policy.request_type == RequestType(request_type)
        policy = db.session.scalar(sa.select(Policy).where(Policy.jurisdiction == Jurisdiction(jurisdiction), condition))
        if policy is not None:
            db.session.expunge(policy)
        db.session.remove()
    return policy


def test_the_rules_are_explained_in_words_in_japanese(client, login_as):
    login_as("admin")
    text = text_of(client.get(POLICIES))
    assert "14日（暦日）, 延長なし, 確認期間中も進行" in text
    assert "1か月, 延長は最大2か月, 確認期間中は停止" in text


def test_the_rules_are_explained_in_words_in_english(client, login_as):
    login_as("admin")
    in_english(client)
    text = text_of(client.get(POLICIES))
    assert "14 days (calendar days), no extension, keeps running while waiting for the requester" in text
    assert ("45 days (calendar days), extension of up to 45 days (calendar days), keeps running while waiting "
            "for the requester, confirm receipt within 10 business days, counted from receipt") in text
    assert "Follows the default" in text


def test_managers_cannot_change_policies(client, login_as):
    login_as("manager")
    assert client.get(POLICIES).status_code == 403
    assert client.get(APPI_DEFAULT).status_code == 403


def test_an_unknown_jurisdiction_or_type_is_not_found(client, login_as):
    login_as("admin")
    assert client.get(POLICIES + "/mars/default").status_code == 404
    assert client.get(POLICIES + "/appi/everything").status_code == 404


def test_changing_a_rule_keeps_the_due_dates_of_existing_requests(app, client, login_as):
    before = file_verified_request(app, when=jst(2026, 4, 1, 10))
    due_before = due_at(app, before)
    assert due_before == jst(2026, 4, 15, 23, 59, 59)
    admin = login_as("admin")
    in_english(client)

    response = post_page_form(client, APPI_DEFAULT, {**APPI_AS_IS, "response_period": "30"})
    assert response.status_code == 302
    page = client.get(response.location)
    text = text_of(page)
    assert "The rule has been changed." in text
    assert "1 open request that followed the earlier rule keeps its due date." in text
    assert "30 days (calendar days), no extension" in text

    assert due_at(app, before) == due_before, "the existing request keeps its due date"
    after = file_verified_request(app, when=jst(2026, 4, 1, 10))
    assert due_at(app, after) == jst(2026, 5, 1, 23, 59, 59), "a request verified now follows the new rule"

    with app.app_context():
        [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "dsr.policy.updated")).all()
        assert (entry.actor_type, entry.actor_id) == ("staff", str(admin.id))
        assert entry.details["changes"] == {"response_period": [14, 30]}
        db.session.remove()


def test_saving_the_same_rule_changes_nothing_and_a_change_without_requests_says_so(app, client, login_as):
    login_as("admin")
    in_english(client)
    response = post_page_form(client, APPI_DEFAULT, APPI_AS_IS)
    assert "Nothing was changed." in text_of(client.get(response.location))
    changed = post_page_form(client, APPI_DEFAULT, {**APPI_AS_IS, "extension_period": "14"})
    assert "No open request with a due date followed the earlier rule." in text_of(client.get(changed.location))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action.startswith("dsr.policy."))) == 1, "only the real change"
        db.session.remove()


def test_a_rule_for_one_request_type_is_added_from_the_default(app, client, login_as):
    erasure = file_verified_request(app, residence="eu", type="erasure", when=jst(2026, 4, 1, 10))
    due_before = due_at(app, erasure)
    login_as("admin")
    in_english(client)
    url = POLICIES + "/gdpr/erasure"
    form_page = text_of(client.get(url))
    assert "This request type follows the default now" in form_page

    response = post_page_form(client, url, {
        "response_period": "20", "response_unit": "business_days", "clock_starts": "verified",
        "extension_period": "", "extension_unit": "months", "acknowledge_period": "", "acknowledge_unit": "calendar_days",
        "pause_when_waiting": "y",
    })
    assert response.status_code == 302
    text = text_of(client.get(response.location))
    assert "The new rule has been added." in text
    assert "1 open request that followed the earlier rule keeps its due date." in text
    assert "Own rule 20 business days, no extension, paused while waiting for the requester" in text

    rule = policy_row(app, "gdpr", "erasure")
    assert (rule.response_period, rule.response_unit.value, rule.extension_period) == (20, "business_days", None)
    assert due_at(app, erasure) == due_before
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "dsr.policy.created")) == 1
        db.session.remove()


def test_mistakes_are_shown_at_their_field_in_english(app, client, login_as):
    login_as("admin")
    in_english(client)
    response = post_page_form(client, APPI_DEFAULT, {**APPI_AS_IS, "response_period": "400", "extension_period": "0"})
    assert response.status_code == 422
    text = text_of(response)
    assert text.count("A period must be a whole number between 1 and 366.") == 2
    assert "Please correct the fields marked below." in text
    missing = post_page_form(client, APPI_DEFAULT, {**APPI_AS_IS, "response_period": ""})
    assert "Enter the time to answer." in text_of(missing)
    assert policy_row(app, "appi").response_period == 14, "nothing was saved"


def test_mistakes_are_shown_in_japanese(client, login_as):
    login_as("admin")
    response = post_page_form(client, APPI_DEFAULT, {**APPI_AS_IS, "response_period": "13", "response_unit": "months"})
    assert response.status_code == 422
    assert "期間は1から12までの整数で入力してください。" in text_of(response)


CCPA_AS_IS = {"response_period": "45", "response_unit": "calendar_days", "clock_starts": "received",
              "extension_period": "45", "extension_unit": "calendar_days",
              "acknowledge_period": "10", "acknowledge_unit": "business_days"}


def test_the_ccpa_rule_offers_the_global_privacy_control_setting_and_an_admin_turns_it_off(app, client, login_as):
    login_as("admin")
    in_english(client)
    page = client.get(POLICIES + "/ccpa/default").get_data(as_text=True)
    [box] = re.findall(r'<input[^>]*name="honour_gpc"[^>]*>', page)
    assert " checked" in box and "CCPA Regulations § 7025" in page
    assert 'name="honour_gpc"' not in client.get(APPI_DEFAULT).get_data(as_text=True)
    post_page_form(client, POLICIES + "/ccpa/default", CCPA_AS_IS)  # the box left unticked
    assert policy_row(app, "ccpa").honour_gpc is False
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "dsr.policy.updated")).one()
        assert entry.details["changes"]["honour_gpc"] == [True, False]
        db.session.remove()
    post_page_form(client, POLICIES + "/ccpa/default", {**CCPA_AS_IS, "honour_gpc": "y"})
    assert policy_row(app, "ccpa").honour_gpc is True
