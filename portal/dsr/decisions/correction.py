"""Applying a correction decision: change (old value into the history), add, delete (erasure).

Every proposal is checked before anything changes — a verdict for each, a reason for each
refusal, the items still there — so a decision that cannot be applied fails whole. What can
only fail while applying (a new email address another customer already uses) raises
`DecisionInvalid` and the caller rolls back.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.dsr.decisions.decision import REASON_MAX, Decision, DecisionInvalid, Verdict, asked
from portal.dsr.decisions.outcome import ItemRef, Outcome, Refusal
from portal.dsr.models import DataRequest
from portal.extensions import db
from portal.inventory.changes import ChangeRefused, change_item_value
from portal.inventory.erasure import erase_items
from portal.inventory.models import Category, Item, Person, Source, SourceKind

#: The source of values the person gave us in a correction request.
CORRECTION_SOURCE_KEY = "madoguchi-correction"
ACTIONS = ("change", "add", "delete")
CATEGORIES = frozenset(category.value for category in Category)


def correction_source() -> Source:
    """The "you told us in a correction request" source, created the first time it is needed."""
    source = db.session.scalar(sa.select(Source).where(Source.key == CORRECTION_SOURCE_KEY))
    if source is not None:
        return source
    source = Source(key=CORRECTION_SOURCE_KEY, kind=SourceKind.DIRECT,
                    name_ja="訂正のお申し出（お客様から直接）", name_en="Your correction request (directly from you)")
    try:
        # Two decisions at once may both create it; the unique key decides.
        with db.session.begin_nested():
            db.session.add(source)
            db.session.flush()
    except sa.exc.IntegrityError:
        source = db.session.scalar(sa.select(Source).where(Source.key == CORRECTION_SOURCE_KEY))
    return source


def _checked(request: DataRequest, decision: Decision, person_id: int) -> list[tuple[dict, Verdict, Item | None]]:
    changes = asked(request).changes
    verdicts = {verdict.index: verdict for verdict in decision.verdicts}
    if set(verdicts) != set(range(len(changes))):
        raise DecisionInvalid(_l("Decide every proposed change: accept it, or refuse it with a reason."))
    checked = []
    for index, change in enumerate(changes):
        verdict = verdicts[index]
        if change.get("action") not in ACTIONS or change.get("category") not in CATEGORIES:
            raise DecisionInvalid(_l("This request holds a change we cannot apply. Refuse it with a reason."))
        reason = (verdict.reason or "").strip()
        if not verdict.accept and not reason:
            raise DecisionInvalid(_l("A refused change needs a reason. The requester will see it."))
        if len(reason) > REASON_MAX:
            raise DecisionInvalid(_l("Please keep each reason under %(max)d characters.", max=REASON_MAX))
        item = None
        if verdict.accept and change["action"] != "add":
            item = db.session.get(Item, change.get("item_id") or 0)
            if item is None or item.person_id != person_id:
                raise DecisionInvalid(_l("An item this request names no longer exists. Refuse that change with a "
                                         "reason."))
        if verdict.accept and change["action"] != "delete" and not str(change.get("proposed") or "").strip():
            raise DecisionInvalid(_l("A proposed change has no value to apply. Refuse it with a reason."))
        checked.append((change, verdict, item))
    return checked


def _follow_name(person_id: int, old_name: str | None, new_name: str | None) -> None:
    """The person's own requests filed under the old name take the corrected one, so the
    queue finds them by it (an agent's requests name the agent, and stay as they are)."""
    if not old_name or not new_name:
        return
    for filed in db.session.scalars(sa.select(DataRequest).where(
            DataRequest.person_id == person_id, DataRequest.is_agent.is_(False),
            DataRequest.with_requester_name(old_name))):
        filed.requester_name = new_name


def follow_email(person_id: int, old_address: str | None, new_address: str | None, *,
                 except_request: int | None = None) -> None:
    """The person's own open requests filed from the old address are answered at the new one
    (an agent's requests write to the agent, and stay as they are). `except_request`: the
    request deciding the change, whose answer still goes where it was asked from."""
    if not old_address or not new_address:
        return
    for filed in db.session.scalars(sa.select(DataRequest).where(
            DataRequest.person_id == person_id, DataRequest.is_agent.is_(False), DataRequest.id != (except_request or 0),
            DataRequest.closed_at.is_(None), DataRequest.with_requester_email(old_address))):
        filed.requester_email = new_address


def apply_correction(request: DataRequest, decision: Decision, *, actor: Actor, person_id: int,
                     now: datetime) -> Outcome:
    outcome = Outcome()
    person = db.session.get(Person, person_id)
    name_before, email_before = person.name, person.email
    for change, verdict, item in _checked(request, decision, person_id):
        category, field = Category(change["category"]), str(change.get("field") or "")
        if not verdict.accept:
            outcome.refused.append(Refusal(verdict.index, category, field, verdict.reason.strip()))
        elif change["action"] == "change":
            try:
                change_item_value(item, change["proposed"], actor=actor, request_id=request.id)
            except ChangeRefused as error:
                raise DecisionInvalid(error.message) from None
            outcome.changed.append(ItemRef(item.id, item.category, item.field))
        elif change["action"] == "add":
            outcome.added.append(_add(person_id, category, (verdict.field or field).strip()[:64], change["proposed"],
                                      actor=actor, request_id=request.id, now=now))
        else:
            result = erase_items(person_id, actor=actor, request_id=request.id, item_ids=[item.id])
            outcome.kept.extend(result.kept)
            if result.erased_count:
                outcome.deleted.append(ItemRef(item.id, item.category, item.field))
    if person.name != name_before:
        _follow_name(person_id, name_before, person.name)
    if person.email != email_before:
        follow_email(person_id, email_before, person.email, except_request=request.id)
    return outcome


def _add(person_id: int, category: Category, field: str, value, *, actor: Actor, request_id: int,
         now: datetime) -> ItemRef:
    item = Item(person_id=person_id, category=category, field=field, value=value,
                source_id=correction_source().id, collected_at=now)
    db.session.add(item)
    db.session.flush()
    record("inventory.item_added", actor=actor, target_type="item", target_id=item.id, person_id=person_id,
           details={"category": category.value, "field": field, "request_id": request_id})
    return ItemRef(item.id, category, field)
