"""Disclosure decisions: a package written at decision time, private on disk, downloadable by
its owner for 7 days (audited), gone for everyone else, expired after, deleted by `tick`."""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import time
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.common.time import utcnow
from portal.dsr.decisions import Decision
from portal.dsr.decisions.packages import file_of, read_package
from portal.extensions import db
from tests.customer.helpers import text_of
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.decisions import applied_event, package_of


@pytest.fixture
def disclosed(people, file_about, decide):
    """Hanako's disclosure request, decided: a ZIP package."""
    request = file_about(people["hanako"], "disclosure", {"format": "electronic", "note": None})
    decide(request, Decision(format="zip"))
    return request


def test_a_disclosure_decision_writes_a_private_package_offered_for_seven_days(disclosed, package_dir):
    package = package_of(disclosed)
    path = file_of(package)
    assert path.parent == package_dir and path.suffix == ".zip"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert package.expires_at - package.created_at == timedelta(days=7)
    # Encrypted at rest: the file is not a ZIP and shows no value; its hash and size are the content's.
    assert not zipfile.is_zipfile(path) and HANAKO_VALUES["product"].encode() not in path.read_bytes()
    content = read_package(package)
    assert hashlib.sha256(content).hexdigest() == package.sha256 and len(content) == package.size
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert HANAKO_VALUES["product"] in archive.read("purchase.csv").decode("utf-8-sig")  # lines have their own file
    body = applied_event(disclosed).body
    assert body.startswith("開示するデータをご用意しました。") and "ダウンロードできます" in body
    assert applied_event(disclosed).data["package"]["format"] == "zip"


def test_a_package_of_provision_records_holds_the_records_of_provision_and_of_receipt(people, file_about, decide):
    request = file_about(people["hanako"], "provision_records", {"format": "electronic", "note": None})

    decide(request, Decision(format="json"))

    records = [json.loads(line) for line in read_package(package_of(request)).decode().splitlines()]
    assert {record["type"] for record in records} == {"provision", "source"}
    assert next(r for r in records if r["type"] == "provision")["recipient"]["name"] == "株式会社サンプル物流"
    receipts = [r for r in records if r["type"] == "source"]
    assert receipts and all(r["provider"] for r in receipts)  # only the sources another company gave us data through
    assert not [r for r in records if r["type"] in ("item", "person", "consent")]


def test_a_zip_of_provision_records_reads_in_japanese_with_its_receipts(people, file_about, decide):
    import csv

    request = file_about(people["hanako"], "provision_records", {"format": "electronic", "note": None})
    decide(request, Decision(format="zip"))

    archive = zipfile.ZipFile(io.BytesIO(read_package(package_of(request))))
    assert sorted(archive.namelist()) == ["README.txt", "my-data.jsonl", "provisions.csv", "receipts.csv"]
    [provision] = csv.DictReader(io.StringIO(archive.read("provisions.csv").decode("utf-8-sig")))
    assert provision["区分"] == "業務委託" and provision["提供先"] == "株式会社サンプル物流"
    receipts = list(csv.DictReader(io.StringIO(archive.read("receipts.csv").decode("utf-8-sig"))))
    assert {"提供元", "取得元", "受領日", "提供元の取得方法"} == set(receipts[0])
    assert "株式会社サンプルリサーチ" in {row["提供元"] for row in receipts}


def test_an_answer_by_post_makes_no_package(people, file_about, decide):
    request = file_about(people["hanako"], "disclosure", {"format": "post", "note": None})

    decide(request, Decision())

    assert package_of(request) is None
    assert applied_event(request).body == "回答は書面にて、当社でお預かりしているご住所へ郵送いたします。"


def test_the_owner_downloads_the_package_and_each_download_is_audited(client, login_customer, disclosed):  # noqa: F811
    login_customer(client, "hanako@example.jp", stepped_up=True)
    url = f"/my/requests/{disclosed.reference}/package"

    first, second = client.get(url), client.get(url)

    assert first.status_code == second.status_code == 200
    assert first.headers["Content-Disposition"] == f"attachment; filename={disclosed.reference}.zip"
    assert first.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    package = package_of(disclosed)
    assert first.data == read_package(package) and first.data != file_of(package).read_bytes()
    assert package.download_count == 2 and package.downloaded_at is not None
    audited = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "customer.package_downloaded")).all()
    assert [(entry.target_id, entry.person_id) for entry in audited] == [(str(package.id), disclosed.person_id)] * 2


def test_the_request_page_links_to_the_package(client, login_customer, disclosed):  # noqa: F811
    login_customer(client, "hanako@example.jp", stepped_up=True)
    page = client.get(f"/my/requests/{disclosed.reference}").get_data(as_text=True)
    assert f'href="/my/requests/{disclosed.reference}/package"' in page
    assert "開示するデータをご用意しました。" in text_of(page)  # the answer, in the timeline


def test_the_package_does_not_exist_for_another_customer(client, login_customer, disclosed):  # noqa: F811
    login_customer(client, "jiro@example.jp", stepped_up=True)
    assert client.get(f"/my/requests/{disclosed.reference}/package").status_code == 404


def test_the_package_needs_the_extra_check(client, login_customer, disclosed):  # noqa: F811
    login_customer(client, "hanako@example.jp", stepped_up=False)
    response = client.get(f"/my/requests/{disclosed.reference}/package")
    assert response.status_code == 302 and "/step-up" in response.headers["Location"]


def test_after_seven_days_the_page_says_the_download_has_expired(client, login_customer, disclosed):  # noqa: F811
    package_of(disclosed).expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    login_customer(client, "hanako@example.jp", stepped_up=True)

    response = client.get(f"/my/requests/{disclosed.reference}/package")

    assert response.status_code == 410
    assert "このダウンロードは期限切れです" in text_of(response.get_data(as_text=True))
    assert response.mimetype == "text/html"


def test_tick_deletes_the_files_of_expired_packages_and_keeps_current_ones(runner, people, file_about, decide):
    expired = file_about(people["hanako"], "disclosure", {"format": "electronic"})
    decide(expired, Decision(format="zip"))
    current = file_about(people["jiro"], "disclosure", {"format": "electronic"})
    decide(current, Decision(format="json"))
    package_of(expired).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    output = runner.invoke(args=["tick"]).output

    assert "disclosure-packages: 1 expired packages and 0 stray files deleted" in output
    db.session.expire_all()
    gone, kept = package_of(expired), package_of(current)
    assert gone.deleted_at is not None and not file_of(gone).exists()
    assert kept.deleted_at is None and file_of(kept).exists()


def test_tick_removes_files_left_by_decisions_that_were_rolled_back(runner, app_ctx, package_dir):
    package_dir.mkdir(parents=True)
    old, fresh = package_dir / "old-stray.zip", package_dir / "fresh-stray.zip"
    old.write_bytes(b"PK"), fresh.write_bytes(b"PK")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))

    output = runner.invoke(args=["tick"]).output

    assert "disclosure-packages: 0 expired packages and 1 stray files deleted" in output
    assert not old.exists() and fresh.exists()


def test_an_erasure_withdraws_a_package_that_still_holds_the_erased_data(client, login_customer, disclosed,  # noqa: F811
                                                                        file_about, decide):
    erasure = file_about(disclosed.person_id, "erasure", {"scope": "chosen", "categories": ["purchase"],
                                                          "ground": "no_longer_needed"})
    decide(erasure, Decision())
    login_customer(client, "hanako@example.jp", stepped_up=True)

    assert client.get(f"/my/requests/{disclosed.reference}/package").status_code == 410
    assert not package_of(disclosed).is_available()
