"""Landing page, public notice, language switch, health check, error pages."""
import pytest

from portal import create_app
from tests.fixtures.app import TEST_SECRET_KEY
from tests.inventory.records import PURPOSE


def test_landing_page_is_japanese_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert "お客様の個人データ" in page or "個人データ" in page


def test_language_switch_turns_the_portal_english(client, post_form):
    response = post_form("/language", {"lang": "en", "next": "/notice"}, page="/")
    assert response.status_code == 302 and response.headers["Location"] == "/notice"
    page = client.get("/notice").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Public notice on personal information" in page


def test_language_switch_does_not_redirect_off_site(client, post_form):
    response = post_form("/language", {"lang": "en", "next": "//evil.example/"}, page="/")
    assert response.headers["Location"] == "/"


def test_language_switch_requires_csrf_token(client):
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_public_notice_lists_company_purposes_and_joint_use(client, import_lines):
    import_lines(PURPOSE)
    page = client.get("/notice").get_data(as_text=True)
    assert "新商品・サービスのお知らせ（メール）" in page
    assert "株式会社さくらマート" in page
    assert "さくらカード株式会社" in page  # joint-use partner


def test_healthz_answers_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_json_when_database_is_down(tmp_path):
    app = create_app(
        {
            "PORTAL_ENV": "testing",
            "SECRET_KEY": TEST_SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_unreachable_database_at_start_up_is_one_clear_line():
    with pytest.raises(SystemExit) as stop:
        create_app(
            {
                "PORTAL_ENV": "development",
                "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=1",
                "PORTAL_CHECK_DATABASE_ON_START": True,
            }
        )
    message = str(stop.value)
    assert message.startswith("madoguchi: cannot reach the database at postgresql+psycopg://nobody:***@127.0.0.1:1/none")
    assert "\n" not in message and "secret" not in message


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(SystemExit) as stop:
        create_app({"PORTAL_ENV": "production"})
    assert "SECRET_KEY" in str(stop.value)


@pytest.mark.parametrize("lang, text", [("ja", "ページが見つかりません"), ("en", "Page not found")])
def test_404_page_in_both_languages(client, post_form, lang, text):
    post_form("/language", {"lang": lang}, page="/")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)
