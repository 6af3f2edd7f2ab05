"""Campaign fixtures: a bought list with four people, loaded through the real importer.

`bought_list()` loads it and returns the keys: C-1 and C-2 (e-mail), C-3 (consent to the
newsletter withdrawn earlier: on the suppression list), C-4 (data from our own sign-up only,
not on the list). `new_campaign(**options)` builds one through the service and commits.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.campaigns.audience import Criteria
from portal.campaigns.models import Campaign
from portal.campaigns.services import create_campaign
from portal.common.time import JST, utcnow
from portal.extensions import db
from tests.staff.conftest import audit_actions, create_staff, login_as, login_staff  # noqa: F401

LIST_SOURCE = {"type": "source", "key": "list-2025", "kind": "purchased_list",
               "name": {"ja": "首都圏 生活者リスト 2025年版", "en": "Greater Tokyo consumer list 2025"},
               "obtained_on": "2025-09-01", "provider": "株式会社サンプルリサーチ",
               "provider_obtained_by": "懸賞応募時に第三者提供への同意を得て取得"}
SIGNUP_SOURCE = {"type": "source", "key": "web-signup", "kind": "direct",
                 "name": {"ja": "会員登録フォーム", "en": "Sign-up form"}}
NEWSLETTER = {"type": "purpose", "key": "newsletter-email",
              "title": {"ja": "新商品・サービスのお知らせをメールでお送りするため",
                        "en": "To email you news about new products and services"},
              "consent_required": True, "channel": "email"}
DM_POST = {"type": "purpose", "key": "dm-post",
           "title": {"ja": "カタログを郵便でお送りするため", "en": "To post you catalogues"},
           "consent_required": False, "channel": "post"}


def _person(key: str, email: str, name: str) -> dict:
    return {"type": "person", "key": key, "email": email, "name": name}


def _item(person: str, source: str, field: str, value: str) -> dict:
    return {"type": "item", "key": f"{person}/{field}", "person": person, "category": "contact", "field": field,
            "value": value, "source": source, "collected_at": "2025-09-01T10:00:00",
            "purposes": ["newsletter-email", "dm-post"]}


@pytest.fixture
def bought_list(import_lines):
    def load() -> list[str]:
        import_lines(
            LIST_SOURCE, SIGNUP_SOURCE, NEWSLETTER, DM_POST,
            _person("C-1", "ichiro@example.jp", "一郎 試験"), _item("C-1", "list-2025", "address", "東京都港区1-1"),
            _person("C-2", "jiro@example.jp", "二郎 試験"), _item("C-2", "list-2025", "address", "東京都港区2-2"),
            _person("C-3", "saburo@example.jp", "三郎 試験"), _item("C-3", "list-2025", "address", "東京都港区3-3"),
            {"type": "consent", "person": "C-3", "purpose": "newsletter-email", "state": "withdrawn",
             "at": "2025-10-01T09:00:00+09:00", "method": "web-form"},
            _person("C-4", "shiro@example.jp", "四郎 試験"), _item("C-4", "web-signup", "address", "東京都港区4-4"),
        )
        return ["C-1", "C-2", "C-3", "C-4"]

    return load


def in_days(days: int) -> date:
    return (utcnow().astimezone(JST) + timedelta(days=days)).date()


@pytest.fixture
def new_campaign(app):
    def build(*, answer_by: date | None = None, purposes=("newsletter-email", "dm-post"), **criteria) -> int:
        with app.app_context():
            campaign = create_campaign(name="2025 list check", answer_by=answer_by or in_days(14),
                                       criteria=Criteria(source_keys=("list-2025",), purpose_keys=tuple(purposes),
                                                         **criteria),
                                       actor=Actor("test"))
            db.session.commit()
            campaign_id = campaign.id
            db.session.remove()
        return campaign_id

    return build


def campaign_row(app, campaign_id: int) -> Campaign:
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        db.session.expunge(campaign)
        db.session.remove()
    return campaign


def scalar(app, stmt):
    with app.app_context():
        value = db.session.scalar(stmt)
        db.session.remove()
    return value


def rows(app, stmt):
    with app.app_context():
        found = db.session.execute(stmt).all()
        db.session.remove()
    return found


__all__ = ["sa", "campaign_row", "scalar", "rows", "in_days"]
