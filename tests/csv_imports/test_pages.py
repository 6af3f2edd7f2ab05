"""/staff/imports: a manager uploads a CSV, maps it with a preview, checks it, then loads it."""
import io
import re

import sqlalchemy as sa

from portal.extensions import db
from portal.inventory.csv_uploads import CsvMapping, CsvUpload
from portal.inventory.models import Item, Person
from tests.fixtures.pages import csrf_from, text_of
from tests.inventory.records import PURPOSE, SOURCE

HEADER = "名刺ID,氏名,メールアドレス,会社名,交換日"
ROWS = ["1001,山田 花子,hanako@example.jp,株式会社サンプル,2023/9/14",
        "1002,佐藤 一郎,,サンプル商事,2023年9月15日"]
CSV = ("\r\n".join([HEADER, *ROWS]) + "\r\n").encode("cp932")
MAPPING_FORM = {"name": "展示会の名刺", "key": "名刺ID", "key_prefix": "CARD-", "source": "bigsight-2024",
                "purposes": ["newsletter-email"], "collected_at": "交換日", "collected_on": "",
                "column_0": "", "column_1": "person.name", "column_2": "person.email",
                "column_3": "business_card.company", "column_4": ""}


def upload(client, data: bytes = CSV, encoding: str = ""):
    token = csrf_from(client.get("/staff/imports").get_data(as_text=True))
    return client.post("/staff/imports", data={"csrf_token": token, "encoding": encoding,
                                              "file": (io.BytesIO(data), "名刺.csv")},
                       content_type="multipart/form-data")


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(Person)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Item)))


def test_upload_map_check_then_load(app, client, login_as, import_lines, audit_actions, upload_dir):
    import_lines(SOURCE, PURPOSE)
    login_as("manager")
    response = upload(client)
    assert response.status_code == 302
    page_url = response.location
    page = client.get(page_url)
    html = page.get_data(as_text=True)
    # The preview shows the first rows under each column, decoded from Shift_JIS.
    assert "山田 花子" in html and "株式会社サンプル" in html and page.headers["Cache-Control"] == "no-store"

    token = csrf_from(html)
    checked = client.post(page_url + "/check", data={"csrf_token": token, **MAPPING_FORM})
    assert checked.status_code == 200, text_of(checked)[:500]
    assert "人: 2、データ項目: 2" in checked.get_data(as_text=True)
    assert counts(app) == (0, 0)  # the check writes nothing
    with app.app_context():
        saved = db.session.scalar(sa.select(CsvMapping))
        assert saved.name == "展示会の名刺" and saved.mapping["columns"]["氏名"] == "person.name"

    mapping_id = re.search(r'name="mapping_id"[^>]*value="(\d+)"', checked.get_data(as_text=True)).group(1)
    loaded = client.post(page_url + "/load", data={"csrf_token": token, "mapping_id": mapping_id})
    assert loaded.status_code == 302 and loaded.location.endswith("/staff/imports")
    with app.app_context():
        people = dict(db.session.execute(sa.select(Person.key, Person.email)).all())
        assert people == {"CARD-1001": "hanako@example.jp", "CARD-1002": None}
        assert db.session.scalar(sa.select(CsvUpload.loaded_at)) is not None
    assert list(upload_dir.iterdir()) == []  # the uploaded file is gone once loaded
    actions = [action for action, *_ in audit_actions("inventory.")]
    assert actions.count("inventory.csv_previewed") == 2
    assert {"inventory.csv_uploaded", "inventory.csv_mapping_saved", "inventory.import"} <= set(actions)
    # A loaded upload cannot be loaded again.
    assert client.get(page_url).status_code == 404


def test_a_saved_mapping_fills_the_form_for_the_next_export(app, client, login_as, import_lines, upload_dir):
    import_lines(SOURCE, PURPOSE)
    login_as("manager")
    first = upload(client).location
    token = csrf_from(client.get(first).get_data(as_text=True))
    client.post(first + "/check", data={"csrf_token": token, **MAPPING_FORM})
    with app.app_context():
        mapping_id = db.session.scalar(sa.select(CsvMapping.id))
    second = upload(client).location
    html = client.get(f"{second}?mapping={mapping_id}").get_data(as_text=True)
    assert re.search(r'<option selected value="person.name">|<option value="person.name" selected>', html)
    assert 'value="CARD-"' in html


def test_an_undecodable_upload_is_refused_with_a_clear_message(app, client, login_as, upload_dir):
    login_as("manager")
    response = upload(client, HEADER.encode("utf-8") + b"\n1001,\xff\xfe\xff,,,\n")
    assert response.status_code == 400
    assert "UTF-8" in text_of(response) and "Shift_JIS" in text_of(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CsvUpload)) == 0
    assert list(upload_dir.iterdir()) == []


def test_problems_are_listed_by_csv_line_and_nothing_is_written(app, client, login_as, import_lines, upload_dir):
    import_lines(SOURCE, PURPOSE)
    login_as("manager")
    bad = ("\n".join([HEADER, ROWS[0], ",名無し,,,2023/9/14", "1003,田中,not-an-email,,2023/9/14"]) + "\n")
    page_url = upload(client, bad.encode("utf-8")).location
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    checked = client.post(page_url + "/check", data={"csrf_token": token, **MAPPING_FORM})
    assert checked.status_code == 400
    text = text_of(checked)
    assert "3: the row has no key" in text and "4: person: &#39;email&#39; is not a valid address" in text
    assert counts(app) == (0, 0)


def test_agents_cannot_open_the_import_pages(client, login_as):
    login_as("agent")
    assert client.get("/staff/imports").status_code in (403, 404)
