"""Files at rest: letters of authority and disclosure packages are sealed on disk (AES-256-GCM,
key id in the header, the file's kind as associated data), read back whole for the people
allowed to download them, refused plainly when altered, still read when written before
encryption, and moved to a new key by `rotate_files`."""
from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.agents import uploads
from portal.agents.models import AuthorityDocument
from portal.common.time import utcnow
from portal.dsr.decisions import Decision
from portal.dsr.decisions.packages import file_of, read_package
from portal.dsr.models import DataRequest
from portal.encryption import files
from portal.encryption.keys import DEVELOPMENT_DATA_KEYS, DEVELOPMENT_INDEX_KEY, Keyring, UnknownKey
from portal.extensions import db
from portal.verification.models import CustomerSession
from portal.verification.session import TOKEN_KEY
from tests.agents import files as samples
from tests.agents.factories import agent_request_with_document
from tests.fixtures.app import TEST_SECRET_KEY
from tests.customer.records import HANAKO_VALUES
from tests.fixtures.decisions import package_of

HANAKO_EMAIL = "hanako@example.jp"
HANAKO_NAME = "山田 花子"


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def ring(keys: str) -> Keyring:
    return Keyring.from_settings(keys, DEVELOPMENT_INDEX_KEY)


@pytest.fixture
def disclosed(people, file_about, decide):
    """Hanako's disclosure, decided as JSON Lines (plain text inside, so a leak would show)."""
    request = file_about(people["hanako"], "disclosure", {"format": "electronic", "note": None})
    decide(request, Decision(format="json"))
    return request


def document_path(app, reference: str) -> Path:
    with app.app_context():
        request = db.session.scalar(sa.select(DataRequest).where(DataRequest.reference == reference))
        path = uploads.stored_path(db.session.get(AuthorityDocument, request.authority_document_id).storage_path)
        db.session.remove()
    return path


# --- the format ---------------------------------------------------------------------------------

def test_a_sealed_blob_opens_only_as_its_own_kind_and_unaltered():
    keys = ring(DEVELOPMENT_DATA_KEYS)
    blob = files.seal(b"%PDF-1.4 letter", files.AUTHORITY_DOCUMENT, keys)
    assert blob.startswith(files.MAGIC) and b"letter" not in blob
    assert files.open_sealed(blob, files.AUTHORITY_DOCUMENT, keys) == b"%PDF-1.4 letter"
    with pytest.raises(files.SealedFileError):
        files.open_sealed(blob, files.DISCLOSURE_PACKAGE, keys)
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(files.SealedFileError):
        files.open_sealed(bytes(flipped), files.AUTHORITY_DOCUMENT, keys)
    with pytest.raises(files.SealedFileError):
        files.open_sealed(blob[:-5], files.AUTHORITY_DOCUMENT, keys)
    with pytest.raises(files.SealedFileError):
        files.open_sealed(blob[:len(files.MAGIC) + 1], files.AUTHORITY_DOCUMENT, keys)


def test_the_key_id_is_in_the_header_and_cannot_be_edited(tmp_path):
    old_key = new_key()
    old, new = ring(f"old:{old_key}"), ring(f"new:{new_key()},old:{old_key}")
    path = tmp_path / "file"
    files.write_file(path, b"content", files.DISCLOSURE_PACKAGE, old)
    assert files.key_id_of_file(path) == "old"
    assert files.read_file(path, files.DISCLOSURE_PACKAGE, new) == b"content"
    # Same length id, other key: the header is associated data, so the tag no longer matches.
    edited = path.read_bytes().replace(b"\x03old", b"\x03new", 1)
    with pytest.raises(files.SealedFileError):
        files.open_sealed(edited, files.DISCLOSURE_PACKAGE, new)
    with pytest.raises(files.SealedFileError, match="PORTAL_DATA_KEYS"):
        files.read_file(path, files.DISCLOSURE_PACKAGE, ring(f"other:{new_key()}"))


def _stream_to(path: Path, content: bytes, keys: Keyring, piece: int = 10_000) -> files.Written:
    return files.write_stream(path, (content[i:i + piece] for i in range(0, len(content), piece)),
                              files.DISCLOSURE_PACKAGE, keys)


@pytest.mark.parametrize("size", [0, 5, files.SEGMENT_BYTES, 2 * files.SEGMENT_BYTES, 200_003])
def test_a_streamed_file_reads_back_exactly_whatever_its_size(tmp_path, size):
    keys = ring(DEVELOPMENT_DATA_KEYS)
    content = os.urandom(size)
    written = _stream_to(tmp_path / "package", content, keys)
    assert (written.size, written.sha256) == (size, hashlib.sha256(content).hexdigest())
    assert b"".join(files.read_stream(tmp_path / "package", files.DISCLOSURE_PACKAGE, keys)) == content
    assert files.read_file(tmp_path / "package", files.DISCLOSURE_PACKAGE, keys) == content
    assert files.key_id_of_file(tmp_path / "package") == "dev"
    with pytest.raises(files.SealedFileError):
        files.read_file(tmp_path / "package", files.AUTHORITY_DOCUMENT, keys)


def test_a_streamed_file_cut_short_reordered_or_spliced_is_refused(tmp_path):
    keys = ring(DEVELOPMENT_DATA_KEYS)
    path, other = tmp_path / "package", tmp_path / "other"
    _stream_to(path, os.urandom(3 * files.SEGMENT_BYTES + 100), keys)
    _stream_to(other, os.urandom(3 * files.SEGMENT_BYTES + 100), keys)
    blob = path.read_bytes()
    start = len(blob) - (3 * (files.SEGMENT_BYTES + files.TAG_BYTES) + 100 + files.TAG_BYTES)
    segment = files.SEGMENT_BYTES + files.TAG_BYTES
    first, second = blob[start:start + segment], blob[start + segment:start + 2 * segment]
    attempts = {
        "cut after a whole segment": blob[:start + 2 * segment],
        "last bytes cut": blob[:-1],
        "two segments swapped": blob[:start] + second + first + blob[start + 2 * segment:],
        "a segment dropped": blob[:start] + second + blob[start + 2 * segment:],
        "a segment of another file": blob[:start] + other.read_bytes()[start:start + segment] + blob[start + segment:],
    }
    for label, altered in attempts.items():
        path.write_bytes(altered)
        with pytest.raises(files.SealedFileError):
            b"".join(files.read_stream(path, files.DISCLOSURE_PACKAGE, keys))
            pytest.fail(label)


def test_writing_and_reading_a_streamed_file_holds_a_segment_in_memory_not_the_file(tmp_path):
    import tracemalloc

    keys = ring(DEVELOPMENT_DATA_KEYS)
    piece = os.urandom(50_000)
    tracemalloc.start()
    try:
        written = files.write_stream(tmp_path / "big", (piece for _ in range(400)), files.DISCLOSURE_PACKAGE, keys)
        _, write_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read = sum(len(chunk) for chunk in files.read_stream(tmp_path / "big", files.DISCLOSURE_PACKAGE, keys))
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written.size == read == 20_000_000
    assert write_peak < 1_000_000 and read_peak < 1_000_000, (write_peak, read_peak)  # 20 MB went through


def test_a_file_without_the_marker_is_legacy_plaintext(tmp_path):
    path = tmp_path / "legacy.pdf"
    path.write_bytes(samples.pdf())
    assert files.key_id_of_file(path) is None
    assert files.read_file(path, files.AUTHORITY_DOCUMENT, ring(DEVELOPMENT_DATA_KEYS)) == samples.pdf()


def test_a_write_leaves_no_temporary_file_and_is_private(tmp_path):
    path = tmp_path / "file"
    files.write_file(path, b"x" * 1000, files.AUTHORITY_DOCUMENT, ring(DEVELOPMENT_DATA_KEYS))
    files.write_file(path, b"y" * 1000, files.AUTHORITY_DOCUMENT, ring(DEVELOPMENT_DATA_KEYS))
    assert [p.name for p in tmp_path.iterdir()] == ["file"]
    assert path.stat().st_mode & 0o777 == 0o600


# --- letters of authority -----------------------------------------------------------------------

def test_a_letter_is_ciphertext_on_disk_and_staff_download_the_original(app, client, login_as, upload_dir):  # noqa: F811
    reference = agent_request_with_document(app, data=samples.png(), filename="scan.png")
    path = document_path(app, reference)
    on_disk = path.read_bytes()
    assert samples.png()[:16] not in on_disk and samples.png()[-16:] not in on_disk
    assert files.key_id_of_file(path) == "dev"
    login_as("agent")
    response = client.get(f"/staff/requests/{reference}/authority-document")
    assert response.status_code == 200 and response.get_data() == samples.png()
    assert response.headers["Content-Length"] == str(len(samples.png()))
    with app.app_context():
        document = db.session.scalar(sa.select(AuthorityDocument))
        assert document.sha256 == hashlib.sha256(samples.png()).hexdigest() and document.size == len(samples.png())
        db.session.remove()


def test_an_altered_letter_is_refused_with_a_clear_page(app, client, login_as, upload_dir, audit_actions):  # noqa: F811
    reference = agent_request_with_document(app)
    path = document_path(app, reference)
    altered = bytearray(path.read_bytes())
    altered[len(altered) // 2] ^= 0x40
    path.write_bytes(bytes(altered))
    login_as("agent")
    response = client.get(f"/staff/requests/{reference}/authority-document")
    assert response.status_code == 410 and response.mimetype == "text/html"
    assert "委任状を開けません" in response.get_data(as_text=True)
    assert not [a for a in audit_actions() if a[0] == "staff.viewed_authority_document"]


def test_a_letter_stored_before_encryption_still_downloads(app, client, login_as, upload_dir):  # noqa: F811
    reference = agent_request_with_document(app)
    path = document_path(app, reference)
    path.write_bytes(samples.pdf())  # as the portal wrote it before files were encrypted
    login_as("agent")
    response = client.get(f"/staff/requests/{reference}/authority-document")
    assert response.status_code == 200 and response.get_data() == samples.pdf()


def test_a_plain_file_swapped_in_for_a_letter_is_refused(app, client, login_as, upload_dir):  # noqa: F811
    reference = agent_request_with_document(app)
    document_path(app, reference).write_bytes(samples.png())  # plain, but not what was uploaded
    login_as("agent")
    assert client.get(f"/staff/requests/{reference}/authority-document").status_code == 410


# --- disclosure packages ------------------------------------------------------------------------

def test_a_package_shows_no_personal_value_on_disk_and_downloads_as_built(client, login_customer, disclosed):  # noqa: F811
    package = package_of(disclosed)
    content, on_disk = read_package(package), file_of(package).read_bytes()
    for value in (HANAKO_EMAIL, HANAKO_NAME, HANAKO_VALUES["product"]):
        assert value.encode() in content and value.encode() not in on_disk
    assert files.key_id_of_file(file_of(package)) == "dev"
    assert hashlib.sha256(content).hexdigest() == package.sha256 and len(content) == package.size
    login_customer(client, HANAKO_EMAIL, stepped_up=True)
    response = client.get(f"/my/requests/{disclosed.reference}/package")
    assert response.status_code == 200 and response.get_data() == content
    assert response.headers["Content-Disposition"] == f"attachment; filename={disclosed.reference}.jsonl"
    assert response.headers["Content-Length"] == str(package.size)


def test_an_altered_package_is_not_sent_and_the_customer_is_told(client, login_customer, disclosed):  # noqa: F811
    path = file_of(package_of(disclosed))
    stored = path.read_bytes()
    path.write_bytes(stored[:-1] + bytes([stored[-1] ^ 0x01]))  # one bit of the tag (always a change)
    login_customer(client, HANAKO_EMAIL, stepped_up=True)
    response = client.get(f"/my/requests/{disclosed.reference}/package")
    assert response.status_code == 410 and response.mimetype == "text/html"
    assert "このダウンロードはご利用いただけません" in response.get_data(as_text=True)
    db.session.expire_all()
    assert package_of(disclosed).download_count == 0


def test_a_letter_passed_off_as_a_package_is_refused(app, client, login_customer, disclosed, upload_dir):  # noqa: F811
    reference = agent_request_with_document(app)
    file_of(package_of(disclosed)).write_bytes(document_path(app, reference).read_bytes())
    login_customer(client, HANAKO_EMAIL, stepped_up=True)
    assert client.get(f"/my/requests/{disclosed.reference}/package").status_code == 410


def test_a_package_written_before_encryption_still_downloads(client, login_customer, disclosed):  # noqa: F811
    package = package_of(disclosed)
    content = read_package(package)
    file_of(package).write_bytes(content)
    login_customer(client, HANAKO_EMAIL, stepped_up=True)
    response = client.get(f"/my/requests/{disclosed.reference}/package")
    assert response.status_code == 200 and response.get_data() == content


# --- rotation -----------------------------------------------------------------------------------

@pytest.fixture
def other_apps(app):
    """`other_apps(keys)`: apps on the same database and folders as `app`, with other data keys."""
    made = []

    def make(keys: str):
        other = create_app({
            "PORTAL_ENV": "testing", "SECRET_KEY": TEST_SECRET_KEY, "SERVER_NAME": None,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"],
            "PORTAL_UPLOAD_DIR": app.config["PORTAL_UPLOAD_DIR"],
            "PORTAL_DISCLOSURE_DIR": app.config["PORTAL_DISCLOSURE_DIR"],
            "PORTAL_DATA_KEYS": keys, "PORTAL_INDEX_KEY": DEVELOPMENT_INDEX_KEY,
        })
        made.append(other)
        return other

    yield make
    for other in made:  # no connection may stay open (PostgreSQL's TRUNCATE would wait on it)
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_rotation_moves_every_file_to_the_new_key_and_the_new_key_alone_serves_them(
        app, disclosed, upload_dir, other_apps):  # noqa: F811
    from portal.encryption.rotation import rotate

    person_id, url = disclosed.person_id, f"/my/requests/{disclosed.reference}/package"
    reference = agent_request_with_document(app)
    letter, package = document_path(app, reference), file_of(package_of(disclosed))
    content = read_package(package_of(disclosed))
    legacy = agent_request_with_document(app, key="factory-key-0000000002")
    document_path(app, legacy).write_bytes(samples.pdf())  # one from before encryption
    db.session.commit()

    fresh = new_key()
    rotating = other_apps(f"new:{fresh},{DEVELOPMENT_DATA_KEYS}")  # the old key is the tests' "dev"
    with rotating.app_context():
        assert files.rotate_files(batch_size=1) == 3
        assert files.rotate_files(batch_size=1) == 0  # resumable: nothing left
        rotate(batch_size=100)  # the columns too, so the new key alone can serve the pages
        db.session.remove()
    for path in (letter, package, document_path(rotating, legacy)):
        assert files.key_id_of_file(path) == "new"

    only_new = other_apps(f"new:{fresh}")
    with only_new.app_context():
        assert files.read_file(letter, files.AUTHORITY_DOCUMENT) == samples.pdf()
        assert files.read_file(document_path(only_new, legacy), files.AUTHORITY_DOCUMENT) == samples.pdf()
        token = base64.urlsafe_b64encode(os.urandom(24)).decode()
        db.session.add(CustomerSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), email=HANAKO_EMAIL,
                                       person_id=person_id, stepped_up_at=utcnow()))
        db.session.commit()
        db.session.remove()
    browser = only_new.test_client()
    with browser.session_transaction() as session:
        session[TOKEN_KEY] = token
    response = browser.get(url)
    assert response.status_code == 200 and response.get_data() == content
    # The old key alone no longer opens them.
    with pytest.raises(files.SealedFileError):
        files.read_file(package, files.DISCLOSURE_PACKAGE, ring(DEVELOPMENT_DATA_KEYS))


def test_rotation_skips_deleted_and_vanished_files(app, upload_dir, other_apps):  # noqa: F811
    gone = agent_request_with_document(app)
    document_path(app, gone).unlink()
    kept = agent_request_with_document(app, key="factory-key-0000000002")
    rotating = other_apps(f"new:{new_key()},{DEVELOPMENT_DATA_KEYS}")
    with rotating.app_context():
        assert files.rotate_files() == 1
        db.session.remove()
    assert not document_path(app, gone).exists() and files.key_id_of_file(document_path(app, kept)) == "new"


def test_rotation_leaves_an_altered_file_alone_and_stops_on_a_dropped_key(app, upload_dir, other_apps):  # noqa: F811
    altered = document_path(app, agent_request_with_document(app))
    stored = altered.read_bytes()
    altered.write_bytes(stored[:-1] + bytes([stored[-1] ^ 0x01]))  # one bit of the tag (always a change)
    kept = document_path(app, agent_request_with_document(app, key="factory-key-0000000002"))
    with other_apps(f"new:{new_key()},{DEVELOPMENT_DATA_KEYS}").app_context():
        assert files.rotate_files() == 1
        db.session.remove()
    assert files.key_id_of_file(altered) == "dev" and files.key_id_of_file(kept) == "new"
    with other_apps(f"other:{new_key()}").app_context():
        with pytest.raises(UnknownKey):
            files.rotate_files()
        db.session.remove()
