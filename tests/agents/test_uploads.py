"""Letters of authority: PDF, JPEG or PNG up to the limit, typed by content; anything else is
refused with a reason the agent understands, and nothing is written — no file, no request."""
from __future__ import annotations

import io

import pytest

from portal.agents import uploads
from tests.agents import files
from tests.customer.helpers import text_of
from tests.fixtures.pages import in_english


class Upload:
    def __init__(self, data: bytes, filename: str):
        self.stream = io.BytesIO(data)
        self.filename = filename


@pytest.fixture
def agent(client, verify_address, upload_dir):
    verify_address()
    in_english(client)
    return client


def refused(submit_agent_form, data: bytes, name: str, *, content_type: str = "application/pdf") -> str:
    response, _sent = submit_agent_form(file=(data, name), content_type=content_type)
    assert response.status_code in (400, 413), response.status_code
    return text_of(response.get_data(as_text=True))


def nothing_written(stored, upload_dir) -> bool:
    return stored() == ([], []) and list(upload_dir.iterdir()) == []


@pytest.mark.parametrize("data, name, content_type", [
    (files.pdf(), "letter.pdf", "application/pdf"),
    (files.png(), "scan.png", "image/png"),
    (files.jpeg(), "photo.jpg", "image/jpeg"),
    (files.jpeg(), "PHOTO.JPEG", "image/jpeg"),
    (files.pdf_with_harmless_object_stream(), "compressed.pdf", "application/pdf"),
])
def test_pdf_png_and_jpeg_are_accepted(app, agent, submit_agent_form, stored, upload_dir, data, name, content_type):
    response, _sent = submit_agent_form(file=(data, name), content_type=content_type)
    assert response.status_code == 302
    [_request], [document] = stored()
    assert data[:32] not in (upload_dir / document.storage_path).read_bytes()  # encrypted at rest
    with app.app_context():
        assert uploads.read_stored(document.storage_path) == data


def test_the_browsers_content_type_is_not_trusted(agent, submit_agent_form, stored):
    """A PNG sent as application/pdf is stored as what it is."""
    response, _sent = submit_agent_form(file=(files.png(), "scan.png"), content_type="application/pdf")
    assert response.status_code == 302
    [_request], [document] = stored()
    assert document.content_type == "image/png"


def test_an_oversized_file_is_refused(app, agent, submit_agent_form, stored, upload_dir):
    app.config["PORTAL_UPLOAD_MAX_BYTES"] = 1024 * 1024
    try:
        page = refused(submit_agent_form, files.pdf() + b"0" * (1024 * 1024), "big.pdf")
    finally:
        app.config["PORTAL_UPLOAD_MAX_BYTES"] = 10 * 1024 * 1024
    assert "The file is too large. Files up to 1 MB are accepted" in page
    assert nothing_written(stored, upload_dir)


def test_a_file_just_over_ten_megabytes_is_refused_by_default(agent, submit_agent_form, stored, upload_dir):
    page = refused(submit_agent_form, files.pdf() + b"0" * (10 * 1024 * 1024), "big.pdf")
    assert "Files up to 10 MB are accepted" in page
    assert nothing_written(stored, upload_dir)


def test_a_body_beyond_the_request_limit_gets_a_clear_page(app, agent, submit_agent_form, stored, upload_dir):
    response, _sent = submit_agent_form(file=(b"%PDF-" + b"0" * (13 * 1024 * 1024), "huge.pdf"))
    assert response.status_code == 413
    assert "Files up to 10 MB are accepted, and nothing was sent" in text_of(response.get_data(as_text=True))
    assert nothing_written(stored, upload_dir)


def test_a_png_named_pdf_is_refused(agent, submit_agent_form, stored, upload_dir):
    page = refused(submit_agent_form, files.png(), "letter.pdf")
    assert "The file is named as a PDF file but its content is PNG" in page
    assert nothing_written(stored, upload_dir)


def test_a_program_named_pdf_is_refused(agent, submit_agent_form, stored, upload_dir):
    page = refused(submit_agent_form, files.exe(), "letter.pdf")
    assert "Only PDF, JPEG or PNG files are accepted, and this file is none of them." in page
    assert nothing_written(stored, upload_dir)


def test_a_jpeg_renamed_png_is_refused(agent, submit_agent_form, stored, upload_dir):
    """We refuse rather than guess: staff open the file by its name."""
    page = refused(submit_agent_form, files.jpeg(), "scan.png", content_type="image/png")
    assert "named as a PNG file but its content is JPEG" in page and "rename it to end in .jpg" in page
    assert nothing_written(stored, upload_dir)


def test_a_file_without_an_accepted_extension_is_refused(agent, submit_agent_form, stored, upload_dir):
    page = refused(submit_agent_form, files.pdf(), "letter.exe")
    assert "The file name must end in .pdf, .jpg, .jpeg or .png" in page
    assert nothing_written(stored, upload_dir)


@pytest.mark.parametrize("data", [files.pdf_with_javascript(), files.pdf_with_escaped_javascript(),
                                  files.pdf_with_javascript_in_object_stream()],
                         ids=["plain", "escaped-name", "in-object-stream"])
def test_a_pdf_with_javascript_is_refused(agent, submit_agent_form, stored, upload_dir, data):
    page = refused(submit_agent_form, data, "letter.pdf")
    assert "This PDF contains JavaScript, which we do not accept for security reasons." in page
    assert nothing_written(stored, upload_dir)


def test_an_empty_file_is_refused(agent, submit_agent_form, stored, upload_dir):
    page = refused(submit_agent_form, b"", "letter.pdf")
    assert "The file is empty" in page or "Please attach the letter of authority" in page
    assert nothing_written(stored, upload_dir)


def test_a_refusal_is_explained_in_japanese_by_default(client, verify_address, submit_agent_form, upload_dir):
    verify_address()
    response, _sent = submit_agent_form(file=(files.pdf_with_javascript(), "letter.pdf"))
    assert "JavaScript" in text_of(response.get_data(as_text=True)) and "受け付けて" in text_of(response.get_data(as_text=True))


# --- the checks themselves ------------------------------------------------------------------

def test_the_uploaders_file_name_loses_any_path_and_control_characters(app_ctx):
    checked = uploads.inspect_upload(Upload(files.pdf(), "C:\\Users\\taro\\..\\委任状\x00\x1b.pdf"))
    assert checked.original_name == "委任状.pdf"


def test_an_object_stream_that_cannot_be_inflated_is_refused(app_ctx):
    broken = files.pdf(b"5 0 obj <</Type /ObjStm /N 1 /First 4 /Filter /FlateDecode>>\nstream\nnot zlib\nendstream\nendobj\n")
    with pytest.raises(uploads.UploadRefused, match="could not be checked"):
        uploads.inspect_upload(Upload(broken, "letter.pdf"))


def test_an_upload_folder_inside_static_is_refused(app):
    with app.app_context():
        app.config["PORTAL_UPLOAD_DIR"], saved = app.static_folder + "/uploads", app.config["PORTAL_UPLOAD_DIR"]
        try:
            with pytest.raises(RuntimeError, match="static"):
                uploads.upload_dir()
        finally:
            app.config["PORTAL_UPLOAD_DIR"] = saved


def test_stored_names_cannot_point_outside_the_folder(app_ctx):
    with pytest.raises(ValueError):
        uploads.stored_path("../../portal/config.py")
