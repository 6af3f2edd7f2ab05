"""A one-time code sent by post, for a person without email to see their data on the portal.

Staff who have checked the person's identity documents print a letter with the request's
reference and an 8-digit code. At `/verify/post` the person types both; the code is single
use, dies when a newer one is printed for the request, allows five wrong tries (like a
mailed code) and expires after 30 days — a mailed code lives 30 minutes, but a letter takes
days to arrive. Only the code's keyed hash is stored; the letter holds the code until it is
marked posted, then forgets it.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from portal.audit.services import Actor, record
from portal.common.db import UTCDateTime
from portal.common.time import utcnow
from portal.dsr.letters import PostalLetter, queue_letter
from portal.dsr.models import DataRequest
from portal.dsr.ownership import case_action
from portal.extensions import db
from portal.inventory.aliases import canonical
from portal.inventory.models import Person
from portal.verification.models import CustomerSession
from portal.verification.session import start_customer_session

POSTAL_CODE_LIFETIME = timedelta(days=30)
MAX_POSTAL_ATTEMPTS = 5
POSTAL_CODE_DIGITS = 8
_SALT = b"madoguchi.verification.postal"


class PostalAccessCode(db.Model):
    """One printed code for one request's person."""

    __tablename__ = "postal_access_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("data_request.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_attempts: Mapped[int] = mapped_column(default=0)


class PostalOutcome(enum.StrEnum):
    OK = "ok"
    WRONG_CODE = "wrong_code"
    NO_LONGER_VALID = "no_longer_valid"  # unknown reference, expired, used or superseded
    TOO_MANY_TRIES = "too_many_tries"


@dataclass(frozen=True)
class PostalCheck:
    outcome: PostalOutcome
    customer: CustomerSession | None = None
    tries_left: int = 0


class NoPersonToWriteTo(ValueError):
    """A code letter needs a matched person: the code opens that person's data."""


def _code_hash(code_id: int, code: str) -> str:
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), _SALT, hashlib.sha256).digest()
    return hmac.new(key, f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def normalise_code(text: str | None) -> str:
    """What people type from a letter: full-width digits, spaces and hyphens are fine."""
    return re.sub(r"[\s\-‐－ー]", "", unicodedata.normalize("NFKC", text or ""))


def is_well_formed(text: str | None) -> bool:
    return re.fullmatch(rf"\d{{{POSTAL_CODE_DIGITS}}}", normalise_code(text)) is not None


@case_action
def issue_code_letter(request: DataRequest, *, actor: Actor) -> PostalLetter:
    """A new code for the request's person, and the letter that carries it; older codes die."""
    if request.person_id is None:
        raise NoPersonToWriteTo("match the request to a person first")
    now = utcnow()
    db.session.execute(
        sa.update(PostalAccessCode)
        .where(PostalAccessCode.request_id == request.id, PostalAccessCode.used_at.is_(None),
               PostalAccessCode.superseded_at.is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    code = f"{secrets.randbelow(10 ** POSTAL_CODE_DIGITS):0{POSTAL_CODE_DIGITS}d}"
    access = PostalAccessCode(request_id=request.id, person_id=request.person_id, code_hash="",
                              created_at=now, expires_at=now + POSTAL_CODE_LIFETIME)
    db.session.add(access)
    db.session.flush()
    access.code_hash = _code_hash(access.id, code)
    letter = queue_letter(request, kind="access_code", content={
        "code": f"{code[:4]}-{code[4:]}", "reference": request.reference, "expires_at": access.expires_at.isoformat()})
    record("verification.postal_code_issued", actor=actor, target_type="postal_access_code", target_id=access.id,
           person_id=request.person_id, details={"request": request.reference, "letter": letter.id})
    return letter


def forget_code(letter: PostalLetter) -> None:
    """Once posted, the letter need not know the code any more (only its hash stays)."""
    if letter.kind == "access_code" and letter.content.get("code"):
        letter.content = {**letter.content, "code": None}


def _live(now):
    return sa.and_(PostalAccessCode.used_at.is_(None), PostalAccessCode.superseded_at.is_(None),
                   PostalAccessCode.expires_at > now)


def verify_postal_code(*, reference: str, code: str) -> PostalCheck:
    """Check a typed reference and code; on success open the person's customer session."""
    now = utcnow()
    reference = unicodedata.normalize("NFKC", reference or "").strip().upper()
    access = db.session.scalar(
        sa.select(PostalAccessCode)
        .join(DataRequest, DataRequest.id == PostalAccessCode.request_id)
        .where(DataRequest.reference == reference)
        .order_by(PostalAccessCode.id.desc())
        .limit(1)
        .with_for_update()  # parallel guesses queue up behind each other
    )
    if access is None:
        return PostalCheck(PostalOutcome.NO_LONGER_VALID)
    if access.failed_attempts >= MAX_POSTAL_ATTEMPTS:
        return PostalCheck(PostalOutcome.TOO_MANY_TRIES)
    if access.used_at or access.superseded_at or access.expires_at <= now:
        return PostalCheck(PostalOutcome.NO_LONGER_VALID)
    if hmac.compare_digest(_code_hash(access.id, normalise_code(code)), access.code_hash):
        used = db.session.execute(
            sa.update(PostalAccessCode).where(PostalAccessCode.id == access.id, _live(now)).values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if not used:
            return PostalCheck(PostalOutcome.NO_LONGER_VALID)
        person = canonical(db.session.get(Person, access.person_id))
        customer = start_customer_session(email=None, person_id=person.id)
        record("verification.succeeded", actor=Actor("customer", person.id), target_type="customer_session",
               target_id=customer.id, person_id=person.id, details={"method": "postal_code"})
        return PostalCheck(PostalOutcome.OK, customer)
    access.failed_attempts = PostalAccessCode.failed_attempts + 1
    db.session.flush()
    db.session.refresh(access, ["failed_attempts"])
    record("verification.postal_code_failed", actor=Actor("customer", None),
           target_type="postal_access_code", target_id=access.id)
    tries_left = MAX_POSTAL_ATTEMPTS - access.failed_attempts
    if tries_left <= 0:
        return PostalCheck(PostalOutcome.TOO_MANY_TRIES)
    return PostalCheck(PostalOutcome.WRONG_CODE, tries_left=tries_left)
