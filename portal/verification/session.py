"""The verified customer's session: started after the mail check, ended by log-out or idling.

The browser holds only a random token (inside Flask's signed cookie); the state lives in
`CustomerSession`, so ending a session on the server really ends it.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from portal.common.time import utcnow
from portal.extensions import db
from portal.i18n import LANGUAGE_SESSION_KEY
from portal.verification.models import CustomerSession

TOKEN_KEY = "customer_token"
# Touch `last_seen_at` at most this often, so browsing is not a write per page.
_TOUCH_EVERY = timedelta(seconds=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config.get("PORTAL_CUSTOMER_IDLE_MINUTES", 15))


def start_customer_session(*, email: str, person_id: int | None) -> CustomerSession:
    """Open a fresh session: the old cookie's contents are dropped (no fixation), language kept."""
    language = session.get(LANGUAGE_SESSION_KEY)
    session.clear()
    if language:
        session[LANGUAGE_SESSION_KEY] = language
    token = secrets.token_urlsafe(32)
    session[TOKEN_KEY] = token
    session.permanent = True
    customer = CustomerSession(token_hash=_hash(token), email=email, person_id=person_id)
    db.session.add(customer)
    db.session.flush()
    g.customer = customer
    return customer


def current_customer() -> CustomerSession | None:
    """The verified customer of this request, or None when absent, ended or idle too long."""
    if "customer" in g:
        return g.customer
    g.customer = None
    token = session.get(TOKEN_KEY)
    if not token:
        return None
    customer = db.session.scalar(
        sa.select(CustomerSession).where(
            CustomerSession.token_hash == _hash(token), CustomerSession.ended_at.is_(None)
        )
    )
    now = utcnow()
    if customer is None:
        session.pop(TOKEN_KEY, None)
        return None
    if now - customer.last_seen_at > idle_timeout():
        customer.ended_at = now
        db.session.commit()
        session.pop(TOKEN_KEY, None)
        g.customer_timed_out = True
        return None
    if now - customer.last_seen_at > _TOUCH_EVERY:
        customer.last_seen_at = now
        db.session.commit()
    g.customer = customer
    return customer


def end_customer_session() -> None:
    customer = current_customer()
    if customer is not None:
        customer.ended_at = utcnow()
    session.pop(TOKEN_KEY, None)
    g.customer = None


def follow_session_email(person_id: int, old_address: str, new_address: str) -> None:
    """The person's open sessions begun with the old address carry on under the new one (what
    they file is answered there); nobody is signed out by a change of their own address."""
    for customer in db.session.scalars(sa.select(CustomerSession).where(
            CustomerSession.person_id == person_id, CustomerSession.ended_at.is_(None))):
        if customer.email == old_address:
            customer.email = new_address


def mark_stepped_up(customer: CustomerSession) -> None:
    customer.stepped_up_at = utcnow()


def customer_required(view):
    """Only for a verified customer; others are sent to prove their address first."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_customer() is None:
            if g.get("customer_timed_out"):
                flash(_("For your security you were logged out after 15 minutes without activity. Please verify your email address again."), "info")
            else:
                flash(_("Please verify your email address first."), "info")
            return redirect(url_for("verification.start", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def stepped_up_required(view):
    """Full values and downloads need the extra check against data we hold."""

    @wraps(view)
    @customer_required
    def wrapped(*args, **kwargs):
        if current_customer().stepped_up_at is None:
            return redirect(url_for("verification.step_up", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped
