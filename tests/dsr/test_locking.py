"""Two people acting on one request, and many people submitting at once."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from portal.audit.services import Actor
from portal.dsr import services
from portal.dsr.errors import StaleRequest
from portal.dsr.models import DataRequest
from portal.dsr.queries import get_by_reference
from portal.dsr.status import RequestStatus
from portal.extensions import db

from tests.fixtures.dsr import OTHER_STAFF, STAFF

S = RequestStatus


def test_a_form_opened_before_someone_elses_change_is_refused(file_request):
    request = file_request(verified=True)
    opened_with = request.version_id
    services.transition(request, S.IN_PROGRESS, actor=OTHER_STAFF)
    db.session.commit()
    with pytest.raises(StaleRequest):
        services.transition(request, S.REJECTED, actor=STAFF, reason="重複", expected_version=opened_with)
    db.session.rollback()
    assert request.status is S.IN_PROGRESS


def test_the_second_of_two_sessions_updating_one_request_gets_stale_request(app, file_request):
    reference = file_request(verified=True).reference
    db.session.remove()
    mine = get_by_reference(reference)  # this session read version 1 of the row…
    # …while another staff member, with their own session and connection, changes it.
    with app.app_context():
        theirs = get_by_reference(reference)
        assert theirs is not mine
        services.transition(theirs, S.IN_PROGRESS, actor=OTHER_STAFF)
        db.session.commit()
    with pytest.raises(StaleRequest):
        services.transition(mine, S.REJECTED, actor=STAFF, reason="重複")
    db.session.rollback()
    assert get_by_reference(reference).status is S.IN_PROGRESS


def _require_postgresql():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to lose")


def test_fifty_concurrent_submissions_get_unique_references(app, app_ctx):
    _require_postgresql()
    start = threading.Barrier(50)

    def submit(n: int) -> str:
        with app.app_context():
            start.wait()
            change = services.create_request(
                type="disclosure", person_id=None, requester_email=f"c{n}@example.jp", channel="web",
                language="ja", residence="jp", verified=True, actor=Actor("customer", None),
            )
            db.session.commit()
            return change.request.reference

    with ThreadPoolExecutor(max_workers=50) as pool:
        references = list(pool.map(submit, range(50)))
    assert len(set(references)) == 50
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 50


def test_a_double_submit_racing_with_one_key_files_one_request(app, app_ctx):
    _require_postgresql()
    start = threading.Barrier(10)

    def submit(_n: int) -> int:
        with app.app_context():
            start.wait()
            change = services.create_request(
                type="erasure", person_id=None, requester_email="same@example.jp", channel="web",
                language="ja", residence="jp", idempotency_key="form-abc", actor=Actor("customer", None),
            )
            db.session.commit()
            return change.request.id

    with ThreadPoolExecutor(max_workers=10) as pool:
        ids = set(pool.map(submit, range(10)))
    assert len(ids) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DataRequest)) == 1
