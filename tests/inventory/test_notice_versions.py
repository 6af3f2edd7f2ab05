"""Which notice the person saw (#17 item 5): a source and a consent event carry the version of
the notice or consent wording shown at collection — the card handed over at the exhibition booth —
and the person sees it on "my data", in their consent history and in the disclosure download."""
from __future__ import annotations

import csv
import io
import zipfile

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.models import ConsentEvent, Source
from tests.fixtures.pages import text_of
from tests.inventory.records import CONSENT, ITEM, PERSON, PURPOSE, SOURCE

BOOTH = {**SOURCE, "notice_version": "展示会用カード 2024年4月版"}
GRANTED = {**CONSENT, "notice_version": "同意文言 v3"}


def test_notice_versions_load_and_reach_every_view_of_the_data(app, client, import_lines, login_customer):
    import_lines(BOOTH, PURPOSE, PERSON, ITEM, GRANTED)
    with app.app_context():
        assert db.session.scalar(sa.select(Source.notice_version)) == "展示会用カード 2024年4月版"
        assert db.session.scalar(sa.select(ConsentEvent.notice_version)) == "同意文言 v3"
        db.session.remove()
    login_customer(client, PERSON["email"], stepped_up=True)

    contact = text_of(client.get("/my/data/category/contact"))
    assert "取得時にお示しした通知：展示会用カード 2024年4月版" in contact
    consents = text_of(client.get("/my/consents"))
    assert "同意文言 v3" in consents

    archive = zipfile.ZipFile(io.BytesIO(client.get("/my/download.zip").data))
    sources = list(csv.DictReader(io.StringIO(archive.read("sources.csv").decode("utf-8-sig"))))
    assert sources[0]["取得時にお示しした通知（版）"] == "展示会用カード 2024年4月版"
    given = list(csv.DictReader(io.StringIO(archive.read("consents.csv").decode("utf-8-sig"))))
    assert given[0]["お示しした文言（版）"] == "同意文言 v3"
    exported = archive.read("my-data.jsonl").decode()
    assert '"notice_version": "展示会用カード 2024年4月版"' in exported and '"notice_version": "同意文言 v3"' in exported


def test_files_without_notice_versions_load_and_export_as_before(app, import_lines, client, login_customer):
    import_lines(SOURCE, PURPOSE, PERSON, ITEM, CONSENT)
    login_customer(client, PERSON["email"], stepped_up=True)
    assert b"notice_version" not in client.get("/my/download.json").data


def test_a_notice_version_too_long_is_refused_with_its_line(import_lines):
    import pytest

    from portal.inventory.importer import ImportFailed

    with pytest.raises(ImportFailed) as failure:
        import_lines({**SOURCE, "notice_version": "x" * 65})
    assert failure.value.problems[0].line == 1 and "notice_version" in failure.value.problems[0].message
