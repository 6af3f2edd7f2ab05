"""/staff/duplicates: find records of one person, merge them (with a preview), undo a merge.

Managers decide merges: a wrong merge shows one person's data to another. Every page that
shows persons' names is audited like any other view of personal data.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.extensions import db
from portal.inventory.aliases import person_by_key
from portal.merging import candidates as finder
from portal.merging.models import PersonMerge
from portal.merging.services import MergeRefused, merge_persons, merges, preview_merge, undo_merge
from portal.duplicates.forms import MergeForm, UndoForm
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor

bp = Blueprint("duplicates", __name__, url_prefix="/staff/duplicates")

SHOWN = 100

# What the preview calls the rows that move (tables that point at a person).
TABLE_LABELS = {
    "item": _l("Items of data"),
    "consent_event": _l("Consent history entries"),
    "provision": _l("Provision records"),
    "data_request": _l("Requests"),
    "item_revision": _l("Earlier values of items"),
    "item_tombstone": _l("Records of erased items"),
    "use_restriction": _l("Restrictions of use (suspension, objection, stop of provision)"),
    "disclosure_package": _l("Disclosure packages"),
    "customer_session": _l("Signed-in sessions of the customer"),
}


def table_label(table: str) -> str:
    return str(TABLE_LABELS.get(table, _l("Other records")))


@bp.get("")
@role_required("manager")
def index():
    """Candidate pairs with their evidence, and the latest merges with their undo buttons."""
    found = finder.find_candidates()
    shown = found[:SHOWN]
    record("person.duplicates_viewed", actor=staff_actor(current_staff()), target_type="person",
           details={"candidates": len(found), "shown": [[c.first.key, c.second.key] for c in shown]})
    recent = merges(limit=50)
    db.session.commit()
    return render_template("duplicates/index.html", candidates=shown, total=len(found), merges=recent,
                           undo_form=UndoForm())


@bp.get("/merge")
@role_required("manager")
def confirm():
    """What merging `merged` into `into` moves, and the button (or why it cannot be done)."""
    merged, survivor = _person_arg("merged"), _person_arg("into")
    preview = preview_merge(merged, into=survivor)
    record("person.merge_previewed", actor=staff_actor(current_staff()), target_type="person",
           target_id=survivor.id, person_id=survivor.id, details={"merged": merged.key})
    db.session.commit()
    form = MergeForm(merged=merged.key, into=survivor.key, evidence=request.args.get("evidence", ""))
    return render_template("duplicates/confirm.html", merged=merged, survivor=survivor, preview=preview,
                           form=form, table_label=table_label)


@bp.post("/merge")
@role_required("manager")
def merge():
    form = MergeForm()
    if not form.validate_on_submit():
        abort(400)
    merged, survivor = person_by_key(form.merged.data), person_by_key(form.into.data)
    if merged is None or survivor is None:
        abort(404)
    evidence = [part for part in (form.evidence.data or "").split(",") if part in {e.value for e in finder.Evidence}]
    try:
        merge_persons(merged, into=survivor, actor=staff_actor(current_staff()), evidence=evidence)
    except MergeRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for(".confirm", merged=form.merged.data, into=form.into.data))
    db.session.commit()
    flash(_("%(merged)s was merged into %(survivor)s. Its key and addresses now lead to %(survivor)s.",
            merged=form.merged.data, survivor=form.into.data), "success")
    return redirect(url_for(".index"))


@bp.post("/merges/<int:merge_id>/undo")
@role_required("manager")
def undo(merge_id: int):
    if not UndoForm().validate_on_submit():
        abort(400)
    merge = db.session.get(PersonMerge, merge_id) or abort(404)
    try:
        undo_merge(merge, actor=staff_actor(current_staff()))
    except MergeRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(_("The merge was undone: %(merged)s is a person of its own again.", merged=merge.merged.key), "success")
    return redirect(url_for(".index"))


def _person_arg(name: str):
    key = request.args.get(name, "")
    # A merged-away key would silently name its survivor here: merge records, not aliases.
    person = person_by_key(key)
    if person is None or person.key != key:
        abort(404)
    return person
