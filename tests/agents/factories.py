"""Objects other tests need: an agent's request with its stored letter of authority."""
from __future__ import annotations

from portal.agents import services, uploads
from portal.audit.services import Actor
from portal.extensions import db
from tests.agents.files import pdf

AGENT = {"name": "山田 太郎", "relationship": "minor_guardian", "email": "taro@example.jp",
         "phone": "090-1111-2222", "address": None}
SUBJECT = {"name": "山田 一郎", "name_kana": "ヤマダ イチロウ", "emails": ["ichiro@example.jp"], "phone": None,
           "birthdate": "2012-04-01", "address": None, "customer_number": None}


class _Upload:
    """What werkzeug hands the form: a name and a stream."""

    def __init__(self, data: bytes, filename: str):
        import io

        self.stream = io.BytesIO(data)
        self.filename = filename


def agent_request_with_document(app, *, data: bytes | None = None, filename: str = "委任状.pdf",
                                types=("disclosure",), key: str = "factory-key-0000000001") -> str:
    """File an agent's request through the real service and return its reference."""
    with app.app_context():
        upload = uploads.inspect_upload(_Upload(data or pdf(), filename))
        filing = services.file_agent_request(
            agent=AGENT, subject=SUBJECT, types=list(types), description=None, residence="jp", language="ja",
            upload=upload, idempotency_key=key, actor=Actor("customer", None))
        db.session.commit()
        reference = filing.references[0]
        db.session.remove()
    return reference
