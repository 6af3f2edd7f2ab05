"""Proving a customer can read their mail: a signed link and a 6-digit code, sent together.

Both are single use, expire after 30 minutes and die when a newer mail is asked for the same
address. The code only works in the browser that asked for it (a mail forwarded or read
over someone's shoulder is not enough); the link works on any device. We answer the same
whether or not we know the address, so the start page cannot be used to test addresses.
"""
from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.encryption.blind import email_index, index_matches
from portal.extensions import db
from portal.inventory.aliases import canonical
from portal.inventory.models import Person
from portal.mail.services import external_url, queue_mail
from portal.verification.models import CustomerSession, EmailChallenge
from portal.verification.session import start_customer_session

CHALLENGE_LIFETIME = timedelta(minutes=30)
MAX_CODE_ATTEMPTS = 5
CODE_DIGITS = 6
_LINK_SALT = "madoguchi.verification.link"
_CODE_SALT = b"madoguchi.verification.code"
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


class Outcome(enum.StrEnum):
    OK = "ok"
    WRONG_CODE = "wrong_code"
    NOT_THIS_BROWSER = "not_this_browser"  # no mail was asked for in this browser
    NO_LONGER_VALID = "no_longer_valid"  # expired, used, superseded or tampered with
    TOO_MANY_TRIES = "too_many_tries"  # the code was typed wrong too often; the mail is dead


@dataclass(frozen=True)
class Check:
    outcome: Outcome
    challenge: EmailChallenge | None = None
    tries_left: int = 0
    next_path: str | None = None


def is_valid_email(address: str) -> bool:
    return len(address) <= 254 and _EMAIL.match(address) is not None


def new_browser_binding() -> str:
    """A random value kept in this browser's session; the challenge stores only its hash."""
    return secrets.token_urlsafe(32)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _code_hash(nonce: str, code: str) -> str:
    # Keyed by the app secret and the challenge's nonce: a leaked table reveals no codes.
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), _CODE_SALT, hashlib.sha256).digest()
    return hmac.new(key, f"{nonce}:{code}".encode(), hashlib.sha256).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_LINK_SALT)


def _is_live(now):
    return sa.and_(
        EmailChallenge.used_at.is_(None),
        EmailChallenge.superseded_at.is_(None),
        EmailChallenge.expires_at > now,
        EmailChallenge.failed_attempts < MAX_CODE_ATTEMPTS,
    )


def _person_for(email: str) -> Person | None:
    """The person this address belongs to: the one whose own email it is, else the one person
    holding it as a further contact email; an address of a record merged away (名寄せ) leads to
    the survivor, so the customer sees everything merged there. An address two persons hold
    as a contact email (a shared family mailbox, say) proves neither: staff match by hand."""
    own = canonical(db.session.scalar(sa.select(Person).where(Person.with_own_email(email))))
    if own is not None:
        return own
    holders = {canonical(person).id: canonical(person)
               for person in db.session.scalars(sa.select(Person).where(Person.with_email(email)).limit(3))}
    return next(iter(holders.values())) if len(holders) == 1 else None


def request_challenge(*, email: str, language: str, browser_binding: str,
                      next_path: str | None = None) -> EmailChallenge:
    """Issue a new link + code for `email` and queue the mail; older ones for it die.

    Known and unknown addresses take the same path: an unknown address can still prove it
    is theirs (and later file a request that staff match by hand)."""
    now = utcnow()
    db.session.execute(
        sa.update(EmailChallenge)
        .where(index_matches(EmailChallenge.email_index, email_index(email)), EmailChallenge.used_at.is_(None),
               EmailChallenge.superseded_at.is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    nonce = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    challenge = EmailChallenge(
        email=email, nonce=nonce, code_hash=_code_hash(nonce, code),
        browser_binding=_sha256(browser_binding), language=language,
        created_at=now, expires_at=now + CHALLENGE_LIFETIME,
    )
    db.session.add(challenge)
    db.session.flush()
    token = _serializer().dumps({"n": nonce, "next": next_path})
    queue_mail(to=email, template="verify_email", language=language, kind="verification",
               link=external_url("verification.link", token=token), code=code,
               minutes=int(CHALLENGE_LIFETIME.total_seconds() // 60))
    person = _person_for(email)
    record("verification.requested", actor=Actor("customer", None), target_type="email_challenge",
           target_id=challenge.id, person_id=person.id if person else None)
    return challenge


def _read_link(token: str) -> tuple[str, str | None] | None:
    try:
        payload = _serializer().loads(token, max_age=int(CHALLENGE_LIFETIME.total_seconds()))
        return str(payload["n"]), payload.get("next")
    except (BadData, KeyError, TypeError):
        return None


def _live_challenge_for_link(token: str) -> tuple[EmailChallenge, str | None] | None:
    link = _read_link(token)
    if link is None:
        return None
    challenge = db.session.scalar(
        sa.select(EmailChallenge).where(EmailChallenge.nonce == link[0], _is_live(utcnow()))
    )
    return (challenge, link[1]) if challenge is not None else None


def link_is_usable(token: str) -> bool:
    """Whether the link still works, without using it up (the page before the button)."""
    return _live_challenge_for_link(token) is not None


def _use(challenge: EmailChallenge) -> bool:
    """Mark the challenge used, unless another request got there first."""
    now = utcnow()
    used = db.session.execute(
        sa.update(EmailChallenge)
        .where(EmailChallenge.id == challenge.id, _is_live(now))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    return used


def verify_link(token: str) -> Check:
    found = _live_challenge_for_link(token)
    if found is None or not _use(found[0]):
        return Check(Outcome.NO_LONGER_VALID)
    return Check(Outcome.OK, found[0], next_path=found[1])


def verify_code(*, browser_binding: str | None, code: str) -> Check:
    """Check a typed code against the newest mail asked for in this browser."""
    if not browser_binding:
        return Check(Outcome.NOT_THIS_BROWSER)
    challenge = db.session.scalar(
        sa.select(EmailChallenge)
        .where(EmailChallenge.browser_binding == _sha256(browser_binding))
        .order_by(EmailChallenge.id.desc())
        .limit(1)
        .with_for_update()  # parallel guesses queue up behind each other
    )
    if challenge is None:
        return Check(Outcome.NOT_THIS_BROWSER)
    if challenge.failed_attempts >= MAX_CODE_ATTEMPTS:
        return Check(Outcome.TOO_MANY_TRIES)
    if challenge.used_at or challenge.superseded_at or challenge.expires_at <= utcnow():
        return Check(Outcome.NO_LONGER_VALID)
    typed = re.sub(r"\s", "", unicodedata.normalize("NFKC", code or ""))
    if hmac.compare_digest(_code_hash(challenge.nonce, typed), challenge.code_hash):
        return Check(Outcome.OK, challenge) if _use(challenge) else Check(Outcome.NO_LONGER_VALID)
    challenge.failed_attempts = EmailChallenge.failed_attempts + 1
    db.session.flush()
    db.session.refresh(challenge, ["failed_attempts"])
    record("verification.code_failed", actor=Actor("customer", None),
           target_type="email_challenge", target_id=challenge.id)
    tries_left = MAX_CODE_ATTEMPTS - challenge.failed_attempts
    if tries_left <= 0:
        return Check(Outcome.TOO_MANY_TRIES)
    return Check(Outcome.WRONG_CODE, challenge, tries_left=tries_left)


def complete_verification(challenge: EmailChallenge, *, method: str) -> CustomerSession:
    """Open the customer's session (a fresh one: no fixation) and audit it."""
    person = _person_for(challenge.email)
    person_id = person.id if person else None
    customer = start_customer_session(email=challenge.email, person_id=person_id)
    record("verification.succeeded", actor=Actor("customer", person_id),
           target_type="customer_session", target_id=customer.id, person_id=person_id,
           details={"method": method})
    return customer
