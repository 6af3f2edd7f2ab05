"""Bad input and limits: each gets a clear message in the user's language, and nothing is
written (or sent) twice."""
from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from portal.audit.services import Actor
from portal.campaigns import links
from portal.campaigns.models import Campaign, CampaignAnswer, CampaignRecipient
from portal.campaigns.sending import send_due
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import Person
from portal.inventory.restrictions import restrict_use
from portal.mail.models import OutboxMessage
from tests.fixtures.campaigns import in_days, scalar
from tests.fixtures.pages import csrf_from


def _count(app, model) -> int:
    return scalar(app, sa.select(sa.func.count()).select_from(model))


def test_cli_create_send_status_close(app, runner, bought_list):
    bought_list()
    created = runner.invoke(args=["campaign", "create", "--name", "2025 list", "--source", "list-2025",
                                  "--purposes", "newsletter-email,dm-post", "--answer-by", in_days(7).isoformat(),
                                  "--when-silent", "withdraw"])
    assert created.exit_code == 0, created.output
    campaign_id = int(re.match(r"campaign (\d+): 2 people", created.output).group(1))
    sent = runner.invoke(args=["campaign", "send", str(campaign_id)])
    assert sent.output.strip() == f"campaign {campaign_id}: 2 mails queued, 0 letters to print"
    again = runner.invoke(args=["campaign", "send", str(campaign_id)])
    assert again.exit_code == 1 and "already sent" in again.output and "nothing sent twice" in again.output
    status = runner.invoke(args=["campaign", "status", str(campaign_id)])
    assert "people: 2  queued: 2  sent: 0" in status.output
    assert "newsletter-email (silence: withdraw)" in status.output
    closed = runner.invoke(args=["campaign", "close", str(campaign_id)])
    assert "closed before the answer-by date" in closed.output and "2 not sent" in closed.output
    assert runner.invoke(args=["campaign", "close", str(campaign_id)]).exit_code == 1
    # Closed early: nothing is mailed afterwards, and nobody's silence became an answer.
    with app.app_context():
        assert str(send_due(rate=100)) == "nothing to send"
        db.session.rollback()
        db.session.remove()
    assert _count(app, CampaignAnswer) == 0 and _count(app, OutboxMessage) == 0


def test_cli_refuses_a_past_date_and_an_unknown_source_writing_nothing(app, runner, bought_list):
    bought_list()
    past = runner.invoke(args=["campaign", "create", "--name", "x", "--source", "list-2025",
                               "--answer-by", in_days(-1).isoformat()])
    assert past.exit_code == 1 and "the answer-by date is in the past" in past.output
    unknown = runner.invoke(args=["campaign", "create", "--name", "x", "--source", "no-such-list",
                                  "--answer-by", in_days(3).isoformat()])
    assert unknown.exit_code == 1 and "unknown source key: no-such-list" in unknown.output
    assert _count(app, Campaign) == 0 and _count(app, CampaignRecipient) == 0


def test_an_audience_of_nobody_is_refused_and_leaves_no_campaign(app, runner, bought_list, new_campaign):
    bought_list()
    first = new_campaign()
    runner.invoke(args=["campaign", "send", str(first)])
    runner_result = runner.invoke(args=["campaign", "create", "--name", "again", "--source", "list-2025",
                                        "--answer-by", in_days(7).isoformat()])
    # Everyone on the list was contacted by the first campaign within 90 days.
    assert runner_result.exit_code == 1
    assert "the audience is empty" in runner_result.output
    assert _count(app, Campaign) == 1 and _count(app, CampaignRecipient) == 2


def test_the_form_explains_an_empty_audience_and_a_past_date(app, client, login_as, bought_list):
    bought_list()
    login_as("manager")
    page = client.get("/staff/campaigns/new").get_data(as_text=True)
    base = {"csrf_token": csrf_from(page), "name": "x", "consent": "granted", "contacted_within_days": "0",
            "purposes": ["newsletter-email"], "sources": "list-2025", "answer_by": in_days(7).isoformat(),
            "subject_ja": "件名", "body_ja": "本文 ${source}", "subject_en": "S", "body_en": "B"}
    nobody = client.post("/staff/campaigns/new", data={**base, "action": "preview"})
    assert nobody.status_code == 422
    assert "この条件に該当する方はいません" in nobody.get_data(as_text=True)
    past = client.post("/staff/campaigns/new", data={**base, "consent": "any", "action": "create",
                                                      "answer_by": in_days(-2).isoformat()})
    assert "回答期限が過去の日付です" in past.get_data(as_text=True)
    typo = client.post("/staff/campaigns/new", data={**base, "consent": "any", "action": "create",
                                                      "body_ja": "取得元：${sorce}"})
    assert "${sorce}" in typo.get_data(as_text=True)
    assert _count(app, Campaign) == 0


def test_a_link_for_a_person_erased_since_says_so(app, bought_list, mailed_notice):
    bought_list()
    _campaign_id, path = mailed_notice()
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.key == "C-1"))
        restrict_use(person_id=person.id, kind="erasure", actor=Actor("test"))
        db.session.commit()
        db.session.remove()
    response = app.test_client().get(path)
    assert response.status_code == 410 and "お客様の個人情報は消去済みです" in response.get_data(as_text=True)
    assert app.test_client().post(path, data={}).status_code in (400, 410)
    assert _count(app, CampaignAnswer) == 0


def test_a_tampered_link_and_an_unknown_code(app, client, bought_list, mailed_notice):
    bought_list()
    _campaign_id, path = mailed_notice()
    assert client.get(path[:-2] + "zz").status_code == 404
    page = client.get("/c/code").get_data(as_text=True)
    wrong = client.post("/c/code", data={"csrf_token": csrf_from(page), "code": "AAAAA-AAAAA"})
    assert wrong.status_code == 422 and "このコードは見つかりませんでした" in wrong.get_data(as_text=True)


def test_the_code_from_a_letter_opens_the_same_page(app, client, bought_list, mailed_notice):
    bought_list()
    mailed_notice()
    with app.app_context():
        recipient = db.session.scalar(sa.select(CampaignRecipient).order_by(CampaignRecipient.id))
        typed = links.display_code(recipient.short_code).lower().replace("-", " - ")
        expected = links.notice_token(recipient.id)
        db.session.remove()
    page = client.get("/c/code").get_data(as_text=True)
    found = client.post("/c/code", data={"csrf_token": csrf_from(page), "code": typed})
    assert found.status_code == 303 and found.location.endswith(f"/c/{expected}")


def test_sending_keeps_to_the_rate_over_any_minute(app, bought_list, new_campaign, runner):
    bought_list()
    campaign_id = new_campaign()
    runner.invoke(args=["campaign", "send", str(campaign_id)])
    now = utcnow()
    with app.app_context():
        assert send_due(now=now, rate=1).mailed == 1
        assert str(send_due(now=now + timedelta(seconds=30), rate=1)) == "rate reached, waiting"
        assert send_due(now=now + timedelta(seconds=61), rate=1).mailed == 1
        assert str(send_due(now=now + timedelta(seconds=200), rate=1)) == "nothing to send"
        db.session.commit()
        db.session.remove()
    assert _count(app, OutboxMessage) == 2


def test_after_the_answer_by_date_a_draft_cannot_be_sent(app, runner, bought_list, new_campaign):
    bought_list()
    campaign_id = new_campaign(answer_by=in_days(0))
    with app.app_context():
        db.session.get(Campaign, campaign_id).answer_by = in_days(-1)
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["campaign", "send", str(campaign_id)])
    assert result.exit_code == 1 and "answer-by date has passed" in result.output
    assert scalar(app, sa.select(Campaign.sent_at).where(Campaign.id == campaign_id)) is None


def test_one_click_unsubscribe_still_works_after_the_answer_by_date(app, runner, smtp_server, bought_list,
                                                                     new_campaign):
    from portal.inventory.suppression import suppressed_for_purpose

    bought_list()
    campaign_id = new_campaign()
    runner.invoke(args=["campaign", "send", str(campaign_id)])
    runner.invoke(args=["tick"])
    url = smtp_server.to("jiro@example.jp")[0]["List-Unsubscribe"].strip().strip("<>").replace("http://portal.test", "")
    with app.app_context():
        db.session.get(Campaign, campaign_id).answer_by = in_days(-1)
        db.session.commit()
        db.session.remove()
    runner.invoke(args=["tick"])  # closes the campaign; DM (keep by default) is not withdrawn by silence
    response = app.test_client().post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        assert "C-2" in [s.person_key for s in suppressed_for_purpose("dm-post")]
        db.session.remove()
