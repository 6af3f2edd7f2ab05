"""Proving a customer can read their mail: a signed link and a 6-digit code, sent together.

Both are single use, expire after 30 minutes and die when a newer mail is asked for the same
address. The code only works in the browser that asked for it (a mail forwarded or read
over someone's shoulder is not enough); the link works on any device. We answer the same
whether or not we know the address, so the start page cannot be used to test addresses.

The same single-use signed link proves a new address before a customer's change of email
takes effect (`Purpose.EMAIL_CHANGE`, see `portal/customer/email_change.py`): its own salt, so
neither kind of link opens the other's page, and a longer life (a day), since the customer
may read the new mailbox later.
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


class Purpose(enum.StrEnum):
    """What a mailed link proves the address for."""

    SIGN_IN = "sign_in"  # open the customer's pages (link + code)
    EMAIL_CHANGE = "email_change"  # a new address before it replaces the old one (link only)


_SALTS = {Purpose.SIGN_IN: _LINK_SALT, Purpose.EMAIL_CHANGE: "madoguchi.verification.email-change"}
LIFETIMES = {Purpose.SIGN_IN: CHALLENGE_LIFETIME, Purpose.EMAIL_CHANGE: timedelta(hours=24)}


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


def _serializer(purpose: Purpose = Purpose.SIGN_IN) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALTS[purpose])


def _is_live(now, purpose: Purpose = Purpose.SIGN_IN):
    return sa.and_(
        EmailChallenge.purpose == purpose.value,
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


def _issue(*, email: str, language: str, purpose: Purpose, older, payload: dict, code: str | None = None,
           browser_binding: str | None = None, person_id: int | None = None) -> tuple[EmailChallenge, str]:
    """A new challenge row and its signed link; the live ones of the same purpose that `older`
    selects die. Without a code (a link-only challenge) the stored hash is of a random code
    bound to a random browser: nobody can type it."""
    now = utcnow()
    db.session.execute(
        sa.update(EmailChallenge)
        .where(older, EmailChallenge.purpose == purpose.value, EmailChallenge.used_at.is_(None),
               EmailChallenge.superseded_at.is_(None))
        .values(superseded_at=now)
        .execution_options(synchronize_session=False)
    )
    nonce = secrets.token_urlsafe(32)
    challenge = EmailChallenge(
        email=email, nonce=nonce, purpose=purpose.value, person_id=person_id,
        code_hash=_code_hash(nonce, code or secrets.token_urlsafe(16)),
        browser_binding=_sha256(browser_binding or new_browser_binding()), language=language,
        created_at=now, expires_at=now + LIFETIMES[purpose],
    )
    db.session.add(challenge)
    db.session.flush()
    return challenge, _serializer(purpose).dumps({**payload, "n": nonce})


def issue_link(*, email: str, language: str, purpose: Purpose, person_id: int,
               payload: dict) -> tuple[EmailChallenge, str]:
    """A single-use, expiring signed link to prove `email` for `purpose` on behalf of a known
    person; the person's earlier live links of this purpose die. `payload` (signed, not
    secret) comes back from `use_link`. The caller mails the link and commits."""
    return _issue(email=email, language=language, purpose=purpose, older=EmailChallenge.person_id == person_id,
                  payload=payload, person_id=person_id)


def request_challenge(*, email: str, language: str, browser_binding: str,
                      next_path: str | None = None) -> EmailChallenge:
    """Issue a new link + code for `email` and queue the mail; older ones for it die.

    Known and unknown addresses take the same path: an unknown address can still prove it
    is theirs (and later file a request that staff match by hand)."""
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    challenge, token = _issue(email=email, language=language, purpose=Purpose.SIGN_IN,
                              older=index_matches(EmailChallenge.email_index, email_index(email)),
                              payload={"next": next_path}, code=code, browser_binding=browser_binding)
    queue_mail(to=email, template="verify_email", language=language, kind="verification",
               link=external_url("verification.link", token=token), code=code,
               minutes=int(CHALLENGE_LIFETIME.total_seconds() // 60))
    person = _person_for(email)
    record("verification.requested", actor=Actor("customer", None), target_type="email_challenge",
           target_id=challenge.id, person_id=person.id if person else None)
    return challenge


def _read_link(token: str, purpose: Purpose) -> dict | None:
    """The signed payload (with the nonce as "n"), or None if tampered with or too old."""
    try:
        payload = _serializer(purpose).loads(token, max_age=int(LIFETIMES[purpose].total_seconds()))
        return payload if isinstance(payload, dict) and isinstance(payload.get("n"), str) else None
    except BadData:
        return None


def _live_challenge_for_link(token: str, purpose: Purpose = Purpose.SIGN_IN) -> tuple[EmailChallenge, dict] | None:
    payload = _read_link(token, purpose)
    if payload is None:
        return None
    challenge = db.session.scalar(
        sa.select(EmailChallenge).where(EmailChallenge.nonce == payload["n"], _is_live(utcnow(), purpose))
    )
    return (challenge, payload) if challenge is not None else None


def link_is_usable(token: str, purpose: Purpose = Purpose.SIGN_IN) -> bool:
    """Whether the link still works, without using it up (the page before the button)."""
    return _live_challenge_for_link(token, purpose) is not None


def _use(challenge: EmailChallenge) -> bool:
    """Mark the challenge used, unless another request got there first."""
    now = utcnow()
    used = db.session.execute(
        sa.update(EmailChallenge)
        .where(EmailChallenge.id == challenge.id, _is_live(now, Purpose(challenge.purpose)))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    return used


def use_link(token: str, *, purpose: Purpose) -> tuple[EmailChallenge, dict] | None:
    """Use up a live link of this purpose: its challenge and signed payload, or None when it is
    expired, used, superseded, tampered with or of another purpose (nothing is changed then)."""
    found = _live_challenge_for_link(token, purpose)
    if found is None or not _use(found[0]):
        return None
    return found


def verify_link(token: str) -> Check:
    found = use_link(token, purpose=Purpose.SIGN_IN)
    if found is None:
        return Check(Outcome.NO_LONGER_VALID)
    next_path = found[1].get("next")
    return Check(Outcome.OK, found[0], next_path=next_path if isinstance(next_path, str) else None)


def verify_code(*, browser_binding: str | None, code: str) -> Check:
    """Check a typed code against the newest mail asked for in this browser."""
    if not browser_binding:
        return Check(Outcome.NOT_THIS_BROWSER)
    challenge = db.session.scalar(
        sa.select(EmailChallenge)
        .where(EmailChallenge.browser_binding == _sha256(browser_binding),
               EmailChallenge.purpose == Purpose.SIGN_IN.value)
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
