"""Admin pages: API tokens (create — shown once —, list, revoke) and webhooks (register — the
secret shown once —, deliveries with every attempt, re-send, deactivate). Every change is audited."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.common.choices import options
from portal.api import tokens
from portal.api.admin_forms import EVENT_LABELS, REFUSALS, SCOPE_LABELS, TokenForm, WebhookForm
from portal.webhooks import services as webhooks
from portal.webhooks.models import Webhook, WebhookDelivery
from portal.common.time import utcnow
from portal.extensions import db
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor
from portal.staff.models import StaffRole, StaffUser

bp = Blueprint("api_admin", __name__, url_prefix="/staff")


@bp.app_context_processor
def _labels():
    return {"api_scope_labels": SCOPE_LABELS, "api_event_labels": EVENT_LABELS}


def _actor():
    return staff_actor(current_staff())


# --- tokens ----------------------------------------------------------------------------------

@bp.get("/api-tokens")
@role_required(StaffRole.ADMIN)
def tokens_index():
    return render_template("api/tokens.html", tokens=tokens.list_tokens(), now=utcnow())


@bp.route("/api-tokens/new", methods=["GET", "POST"])
@role_required(StaffRole.ADMIN)
def token_new():
    form = TokenForm()
    owners = db.session.scalars(sa.select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.name))
    form.owner_id.choices = options((user.id, f"{user.name} <{user.email}>") for user in owners)
    if form.validate_on_submit():
        owner = db.session.get(StaffUser, form.owner_id.data)
        try:
            token, raw = tokens.create_token(owner=owner, name=form.name.data, scopes=form.scopes.data,
                                             days=form.days.data, actor=_actor())
        except tokens.TokenRefused as refused:
            target = form.scopes if "scope" in refused.code else form.name
            target.errors = [*target.errors, REFUSALS[refused.code]]
        else:
            db.session.commit()
            # Shown in this response only: the token is stored nowhere in readable form.
            return render_template("api/token_created.html", token=token, raw=raw)
    return render_template("api/token_new.html", form=form)


@bp.post("/api-tokens/<int:token_id>/revoke")
@role_required(StaffRole.ADMIN)
def token_revoke(token_id: int):
    token = tokens.get_token(token_id) or abort(404)
    if tokens.revoke_token(token, actor=_actor()):
        db.session.commit()
        flash(_("The token has been revoked; calls with it are refused from now on."), "success")
    else:
        flash(_("This token was already revoked."), "info")
    return redirect(url_for("api_admin.tokens_index"))


# --- webhooks --------------------------------------------------------------------------------

@bp.get("/webhooks")
@role_required(StaffRole.ADMIN)
def webhooks_index():
    return render_template("api/webhooks.html", webhooks=webhooks.list_webhooks())


@bp.route("/webhooks/new", methods=["GET", "POST"])
@role_required(StaffRole.ADMIN)
def webhook_new():
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            webhook, secret = webhooks.create_webhook(url=form.url.data, events=form.events.data,
                                                      description=form.description.data, actor=_actor(),
                                                      created_by_id=current_staff().id)
        except webhooks.WebhookInvalid as refused:
            target = form.events if refused.code == "no_events" else form.url
            target.errors = [*target.errors, REFUSALS[refused.code]]
        else:
            db.session.commit()
            return render_template("api/webhook_created.html", webhook=webhook, secret=secret)
    return render_template("api/webhook_new.html", form=form)


@bp.get("/webhooks/<int:webhook_id>")
@role_required(StaffRole.ADMIN)
def webhook_detail(webhook_id: int):
    webhook = db.get_or_404(Webhook, webhook_id)
    return render_template("api/webhook_detail.html", webhook=webhook,
                           deliveries=webhooks.recent_deliveries(webhook))


@bp.post("/webhooks/<int:webhook_id>/deactivate")
@role_required(StaffRole.ADMIN)
def webhook_deactivate(webhook_id: int):
    webhooks.set_active(db.get_or_404(Webhook, webhook_id), active=False, actor=_actor())
    db.session.commit()
    flash(_("The webhook is deactivated: no new deliveries are queued for it."), "success")
    return redirect(url_for("api_admin.webhook_detail", webhook_id=webhook_id))


@bp.post("/webhooks/<int:webhook_id>/reactivate")
@role_required(StaffRole.ADMIN)
def webhook_reactivate(webhook_id: int):
    webhooks.set_active(db.get_or_404(Webhook, webhook_id), active=True, actor=_actor())
    db.session.commit()
    flash(_("The webhook is active again."), "success")
    return redirect(url_for("api_admin.webhook_detail", webhook_id=webhook_id))


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
@role_required(StaffRole.ADMIN)
def delivery_resend(delivery_id: int):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    webhooks.resend(delivery, actor=_actor())
    db.session.commit()
    flash(_("The delivery will be sent again within a few minutes."), "success")
    return redirect(url_for("api_admin.webhook_detail", webhook_id=delivery.webhook_id))
