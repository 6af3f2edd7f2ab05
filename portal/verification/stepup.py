"""The step-up check: one answer only the person should know, before full values and downloads.

The mail proves someone can read the mailbox; this protects the full data if that someone
is not the customer (a shared family address, a mailbox left open). Which checks count is
configuration (`PORTAL_STEP_UP_CHECKS`); a person is offered only checks we hold data for.
Failures are limited per session and per person (across sessions) within an hour.
"""
from __future__ import annotations

import enum
import hmac
import re
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.audit.models import AuditEntry
from portal.audit.services import Actor, record
from portal.common.text import digits_only, normalise, parse_date
from portal.common.time import utcnow
from portal.extensions import db
from portal.inventory.models import Person
from portal.verification.models import CustomerSession
from portal.verification.session import mark_stepped_up

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
KNOWN_CHECKS = ("customer_number", "birthdate", "phone_last4")
_FAILED = "verification.step_up_failed"
# Hyphens, dashes, minus signs and the long-vowel mark people type for them in phone numbers.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー－]")


class StepUpOutcome(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    BLOCKED = "blocked"


def configured_checks() -> list[str]:
    setting = current_app.config.get("PORTAL_STEP_UP_CHECKS", KNOWN_CHECKS)
    if isinstance(setting, str):
        setting = setting.split(",")
    return [check.strip() for check in setting if check.strip() in KNOWN_CHECKS]


def _compact(text: str | None) -> str:
    """Full-width → half-width, separators and spaces removed, letters upper-case."""
    return _SEPARATORS.sub("", normalise(text)).upper()


def _digits(text: str | None) -> str:
    return digits_only(text)


def _parse_date(text: str) -> str | None:
    """A birth date typed any common way (1985-04-01, 1985年4月1日, 昭和60年4月1日, S60.4.1)."""
    try:
        return parse_date(text).isoformat()
    except ValueError:
        return None


def well_formed(check: str, answer: str | None) -> bool:
    """Whether the answer has the shape of one (a date, four digits): a malformed answer is a
    typing slip to point out, not a wrong answer that uses up a try."""
    if check == "birthdate":
        return _parse_date(answer or "") is not None
    if check == "phone_last4":
        return len(_digits(answer)) == 4
    return bool(_compact(answer))


def _expected(person: Person, check: str) -> str | None:
    """What a right answer looks like after normalising, or None when we hold no data."""
    if check == "customer_number":
        return _compact(person.customer_number) or None
    if check == "birthdate":
        return person.birthdate.isoformat() if person.birthdate else None
    if check == "phone_last4":
        digits = _digits(person.phone)
        return digits[-4:] if len(digits) >= 4 else None
    return None


def _given(check: str, answer: str) -> str:
    if check == "birthdate":
        return _parse_date(answer) or ""
    if check == "phone_last4":
        digits = _digits(answer)
        return digits if len(digits) == 4 else ""
    return _compact(answer)


def available_checks(person: Person | None) -> list[str]:
    if person is None:
        return []
    return [check for check in configured_checks() if _expected(person, check)]


def person_of(customer: CustomerSession) -> Person | None:
    return db.session.get(Person, customer.person_id) if customer.person_id else None


def is_blocked(customer: CustomerSession) -> bool:
    """Too many wrong answers in this session, or for this person within the hour."""
    if customer.step_up_failures >= MAX_FAILURES:
        return True
    if customer.person_id is None:
        return False
    # The audit log already records every failure with its person: no second counter to keep.
    recent = db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == _FAILED,
            AuditEntry.person_id == customer.person_id,
            AuditEntry.at >= utcnow() - FAILURE_WINDOW,
        )
    )
    return recent >= MAX_FAILURES


def attempt_step_up(customer: CustomerSession, *, check: str, answer: str) -> StepUpOutcome:
    """Compare one answer in constant time; success marks the session stepped up."""
    person = person_of(customer)
    if check not in available_checks(person):
        raise ValueError(f"step-up check {check!r} is not offered to this customer")
    if is_blocked(customer):
        return StepUpOutcome.BLOCKED
    expected = _expected(person, check)
    given = _given(check, answer)
    actor = Actor("customer", person.id)
    if given and hmac.compare_digest(given.encode(), expected.encode()):
        mark_stepped_up(customer)
        record("verification.step_up_succeeded", actor=actor, target_type="customer_session",
               target_id=customer.id, person_id=person.id, details={"check": check})
        return StepUpOutcome.OK
    customer.step_up_failures += 1
    # Which check was tried, never what was typed.
    record(_FAILED, actor=actor, target_type="customer_session", target_id=customer.id,
           person_id=person.id, details={"check": check})
    return StepUpOutcome.BLOCKED if is_blocked(customer) else StepUpOutcome.WRONG
