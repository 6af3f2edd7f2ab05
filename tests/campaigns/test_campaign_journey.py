"""A campaign from the manager's form to the silence rule: real pages, real `tick`, mail over
real SMTP, the answer page as the customer sees it, and what other systems then read
(consent history, suppression list, webhooks, results CSV)."""
from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import secrets

import sqlalchemy as sa

from portal.webhooks.models import WebhookDelivery
from portal.webhooks.services import create_webhook
from portal.audit.models import AuditEntry
from portal.audit.services import Actor
from portal.campaigns.models import Campaign, CampaignAnswer, CampaignStatus, Choice
from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.inventory.models import ConsentEvent, Person
from portal.inventory.suppression import suppressed_for_purpose
from portal.verification.models import CustomerSession
from portal.verification.session import TOKEN_KEY
from tests.fixtures.campaigns import in_days, scalar
from tests.fixtures.pages import csrf_from

LINK = re.compile(r"http://portal\.test/c/[A-Za-z0-9_.\-]+")


def _subscribe_webhook(app):
    with app.app_context():
        create_webhook(url="https://crm.example.jp/hook", events=["consent.withdrawn"], description=None,
                       actor=Actor("test"))
        db.session.commit()
        db.session.remove()


def _create_through_the_page(client, *, answer_by):
    page = client.get("/staff/campaigns/new")
    assert page.status_code == 200
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "name": "2025 list check",
            "sources": "list-2025", "consent": "any", "exclude_suppressed": "y", "contacted_within_days": "90",
            "include_postal": "y", "purposes": ["newsletter-email", "dm-post"],
            "silent-newsletter-email": "withdraw", "silent-dm-post": "keep", "answer_by": answer_by.isoformat()}
    for name in ("subject_ja", "body_ja", "subject_en", "body_en"):
        match = re.search(rf'(?s)name="{name}"[^>]*?(?:value="([^"]*)"|>(.*?)</textarea>)', page.get_data(as_text=True))
        form[name] = html.unescape(match.group(1) or match.group(2)).strip()
    preview = client.post("/staff/campaigns/new", data={**form, "action": "preview"})
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    # C-1 and C-2; C-3 withdrew the newsletter (suppressed), C-4's data is from our own sign-up.
    assert "2人" in text or "2 people" in text
    assert "C-1" in text and "C-2" in text and "C-3" not in text
    created = client.post("/staff/campaigns/new", data={**form, "action": "create"})
    assert created.status_code == 302
    return int(created.location.rstrip("/").rsplit("/", 1)[1])


def test_a_campaign_from_the_form_to_the_silence_rule(app, client, login_as, runner, smtp_server, bought_list):
    bought_list()
    _subscribe_webhook(app)
    login_as("manager")
    campaign_id = _create_through_the_page(client, answer_by=in_days(14))
    assert scalar(app, sa.select(Campaign.size).where(Campaign.id == campaign_id)) == 2
    assert smtp_server.messages == []  # creating contacts nobody

    # Send from the progress page; a second send sends nothing.
    detail = client.get(f"/staff/campaigns/{campaign_id}")
    token = csrf_from(detail.get_data(as_text=True))
    assert client.post(f"/staff/campaigns/{campaign_id}/send", data={"csrf_token": token}).status_code == 303
    again = client.post(f"/staff/campaigns/{campaign_id}/send", data={"csrf_token": token}, follow_redirects=True)
    assert "既に送信" in again.get_data(as_text=True) or "already sent" in again.get_data(as_text=True)

    result = runner.invoke(args=["tick"])
    assert "campaign notices: 2 notices queued" in result.output
    assert sorted(m["To"] for m in smtp_server.messages) == ["ichiro@example.jp", "jiro@example.jp"]
    mail = smtp_server.to("ichiro@example.jp")[0]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = mail["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe_url.startswith("http://portal.test/c/")
    body = mail.get_body(("plain",)).get_content()
    # The person's own source, provider and how the provider got it, filled in.
    assert "首都圏 生活者リスト 2025年版" in body and "株式会社サンプルリサーチ" in body
    assert "懸賞応募時に第三者提供への同意を得て取得" in body and "2025年9月1日" in body
    notice_url = LINK.search(body).group(0)
    assert runner.invoke(args=["tick"]).output.count("notices queued") == 0  # nothing sent twice
    assert len(smtp_server.messages) == 2

    # Ichiro opens the page (masked address, no values) and answers: continue DM, stop newsletter.
    customer = app.test_client()
    page = customer.get(notice_url.replace("http://portal.test", ""))
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "i***@example.jp" in text and "ichiro@example.jp" not in text and "東京都港区1-1" not in text
    assert "株式会社サンプルリサーチ" in text
    with app.app_context():
        purposes = {key: pid for key, pid in db.session.execute(sa.text("SELECT key, id FROM purpose"))}
        ichiro = db.session.scalar(sa.select(Person.id).where(Person.key == "C-1"))
    answer = customer.post(notice_url.replace("http://portal.test", ""), data={
        "csrf_token": csrf_from(text), f"purpose-{purposes['newsletter-email']}": "stop",
        f"purpose-{purposes['dm-post']}": "continue"})
    assert answer.status_code == 303
    thanks = customer.get(answer.location).get_data(as_text=True)
    assert "停止" in thanks and "継続" in thanks or "Stop" in thanks

    # Effective at once: consent history, suppression list, webhook queued.
    with app.app_context():
        suppressed = [s.person_key for s in suppressed_for_purpose("newsletter-email")]
        assert "C-1" in suppressed
        event = db.session.scalars(sa.select(ConsentEvent).where(ConsentEvent.person_id == ichiro)
                                   .order_by(ConsentEvent.id.desc())).first()
        assert event.method == "campaign"
        answer_row = db.session.scalar(sa.select(CampaignAnswer).where(CampaignAnswer.consent_event_id == event.id))
        assert answer_row.campaign_id == campaign_id
        assert answer_row.notice_version == db.session.get(Campaign, campaign_id).notice_version
        deliveries = db.session.scalars(sa.select(WebhookDelivery)).all()
        assert [d.payload["person_key"] for d in deliveries] == ["C-1"]
        db.session.remove()
    # Answering the same again writes nothing twice.
    page = customer.get(notice_url.replace("http://portal.test", "")).get_data(as_text=True)
    customer.post(notice_url.replace("http://portal.test", ""), data={
        "csrf_token": csrf_from(page), f"purpose-{purposes['newsletter-email']}": "stop"})
    assert scalar(app, sa.select(sa.func.count()).select_from(CampaignAnswer)) == 2

    # The progress page counts it.
    progress = client.get(f"/staff/campaigns/{campaign_id}").get_data(as_text=True)
    assert re.search(r"(ページを開いた方|Opened the page)</dt><dd>1<", progress)

    # The answer-by day passes (moved into the past); tick applies the silence rule once.
    with app.app_context():
        db.session.get(Campaign, campaign_id).answer_by = in_days(-1)
        db.session.commit()
        db.session.remove()
    first = runner.invoke(args=["tick"])
    assert "campaign 1" not in first.output or "silent" in first.output
    assert re.search(rf"campaign {campaign_id}: 1 silent, 1 withdrawn", first.output)
    second = runner.invoke(args=["tick"])
    assert "campaign closing: nothing to close" in second.output
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status is CampaignStatus.CLOSED and campaign.silence_applied_at is not None
        jiro = db.session.scalar(sa.select(Person.id).where(Person.key == "C-2"))
        silent = db.session.execute(sa.select(CampaignAnswer.choice, CampaignAnswer.consent_event_id)
                                    .where(CampaignAnswer.person_id == jiro)).all()
        assert sorted(c.value for c, _e in silent) == ["no_answer", "no_answer"]
        withdrawal = db.session.scalar(sa.select(ConsentEvent).where(ConsentEvent.person_id == jiro))
        assert withdrawal.method == "campaign_no_answer" and withdrawal.state.value == "withdrawn"
        assert "C-2" in [s.person_key for s in suppressed_for_purpose("newsletter-email")]
        # DM (keep) : Jiro is not suppressed for it.
        assert "C-2" not in [s.person_key for s in suppressed_for_purpose("dm-post")]
        actions = [a for (a,) in db.session.execute(sa.select(AuditEntry.action).where(
            AuditEntry.action.like("campaigns.%")).order_by(AuditEntry.id))]
        assert actions[:3] == ["campaigns.audience_previewed", "campaigns.created", "campaigns.sent"]
        assert "campaigns.answered" in actions and actions[-1] == "campaigns.closed"
        db.session.remove()

    # After the date the link explains what to do instead.
    late = customer.get(notice_url.replace("http://portal.test", ""))
    assert late.status_code == 410 and "/verify" in late.get_data(as_text=True)

    # Results CSV: key, answer, when — one row per person and purpose.
    csv_response = client.get(f"/staff/campaigns/{campaign_id}/results.csv")
    table = list(csv.DictReader(io.StringIO(csv_response.get_data(as_text=True))))
    answers = {(r["person_key"], r["purpose"]): r["answer"] for r in table}
    assert answers == {("C-1", "newsletter-email"): "stop", ("C-1", "dm-post"): "continue",
                       ("C-2", "newsletter-email"): "no_answer", ("C-2", "dm-post"): "no_answer"}
    assert all(r["answered_at"] for r in table)


def test_one_click_unsubscribe_is_a_signed_post_without_csrf(app, runner, smtp_server, bought_list, new_campaign):
    bought_list()
    campaign_id = new_campaign()
    assert runner.invoke(args=["campaign", "send", str(campaign_id)]).exit_code == 0
    runner.invoke(args=["tick"])
    url = smtp_server.to("jiro@example.jp")[0]["List-Unsubscribe"].strip().strip("<>").replace("http://portal.test", "")
    client = app.test_client()
    assert client.post(url[:-3] + "xyz", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        assert "C-2" in [s.person_key for s in suppressed_for_purpose("newsletter-email")]
        assert "C-2" in [s.person_key for s in suppressed_for_purpose("dm-post")]
        db.session.remove()
    assert scalar(app, sa.select(sa.func.count()).select_from(CampaignAnswer)) == 2
    client.post(url, data={"List-Unsubscribe": "One-Click"})  # a client retrying: nothing twice
    assert scalar(app, sa.select(sa.func.count()).select_from(CampaignAnswer)) == 2


def test_erase_my_data_stops_everything_and_files_an_erasure_request(app, bought_list, mailed_notice):
    bought_list()
    _campaign_id, path = mailed_notice()
    client = app.test_client()
    confirm = client.get(path + "/erase")
    done = client.post(path + "/erase", data={"csrf_token": csrf_from(confirm.get_data(as_text=True))})
    assert done.status_code == 200
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest))
        assert request.type.value == "erasure" and request.status.value == "verified"
        assert request.reference in done.get_data(as_text=True)
        choices = db.session.scalars(sa.select(CampaignAnswer.choice)).all()
        assert choices == [Choice.ERASE, Choice.ERASE]
        assert "C-1" in [s.person_key for s in suppressed_for_purpose("dm-post")]
        db.session.remove()


def test_the_progress_page_and_csv_are_for_managers_and_audited(app, client, login_as, bought_list,
                                                                new_campaign):
    bought_list()
    campaign_id = new_campaign()
    login_as("agent")
    assert client.get(f"/staff/campaigns/{campaign_id}").status_code == 403
    client.get("/staff/logout")
    app_client = app.test_client()
    assert app_client.get(f"/staff/campaigns/{campaign_id}/results.csv").status_code == 302
    assert scalar(app, sa.select(sa.func.count()).select_from(AuditEntry)
                  .where(AuditEntry.action == "campaigns.results_exported")) == 0


def test_my_data_lists_the_notices_received_and_the_answers(app, bought_list, mailed_notice):
    bought_list()
    _campaign_id, path = mailed_notice()
    client = app.test_client()
    page = client.get(path).get_data(as_text=True)
    with app.app_context():
        newsletter = db.session.execute(sa.text("SELECT id FROM purpose WHERE key='newsletter-email'")).scalar()
        ichiro = db.session.scalar(sa.select(Person.id).where(Person.key == "C-1"))
        token = secrets.token_urlsafe(32)
        db.session.add(CustomerSession(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                       email="ichiro@example.jp", person_id=ichiro))
        db.session.commit()
        db.session.remove()
    client.post(path, data={"csrf_token": csrf_from(page), f"purpose-{newsletter}": "stop"})
    with client.session_transaction() as session:
        session[TOKEN_KEY] = token
    my_data = client.get("/my/data").get_data(as_text=True)
    assert 'id="campaign-notices"' in my_data
    assert "新商品・サービスのお知らせをメールでお送りするため" in my_data and "停止" in my_data
