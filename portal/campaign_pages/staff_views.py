"""Managers' campaign pages under /staff/campaigns: define (with a preview of who is in it),
send, follow progress, print letters, download results. Thin: the rules are in portal.campaigns.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import force_locale, gettext as _
from wtforms.fields.choices import SelectChoice

from portal.audit.services import record
from portal.campaign_pages.forms import REFUSALS, CampaignForm
from portal.campaigns import links, progress as progress_queries, wording
from portal.campaigns.audience import AudienceInvalid, ConsentFilter, Criteria, preview, resolve
from portal.campaigns.dates import answer_deadline
from portal.campaigns.models import Campaign, CampaignRecipient, RecipientStatus, WhenSilent
from portal.campaigns.services import (CampaignRefused, Wording, close_campaign, create_campaign,
                                       default_when_silent, send_campaign)
from portal.campaigns.wording import WordingInvalid
from portal.common.time import JST, utcnow
from portal.inventory.labels import CATEGORY_ORDER, staff_category_name
from portal.extensions import db
from portal.i18n import localized
from portal.mail.services import external_url
from portal.inventory.models import Category, Item, Person, Purpose, Source
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor

bp = Blueprint("campaigns", __name__, url_prefix="/staff/campaigns")

SAMPLE_SIZE = 10


def _actor():
    return staff_actor(current_staff())


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _refusal(code: str, **details) -> str:
    return str(REFUSALS.get(code, code)) % details if details else str(REFUSALS.get(code, code))


def _fill_choices(form: CampaignForm) -> list[Purpose]:
    sources = list(db.session.scalars(sa.select(Source).order_by(Source.key)))
    form.sources.choices = [SelectChoice(s.key, _source_label(s)) for s in sources]
    form.categories.choices = [SelectChoice(c.value, staff_category_name(c)) for c in CATEGORY_ORDER]
    purposes = list(db.session.scalars(sa.select(Purpose).order_by(Purpose.key)))
    form.purposes.choices = [SelectChoice(p.key, p.key) for p in purposes]
    return purposes


def _source_label(source: Source) -> str:
    name = localized(source, "name")
    return f"{name} ({source.provider})" if source.provider else name


def _criteria(form: CampaignForm) -> Criteria:
    return Criteria(source_keys=tuple(form.sources.data or ()), purpose_keys=tuple(form.purposes.data or ()),
                    categories=tuple(form.categories.data or ()), collected_from=form.collected_from.data,
                    collected_to=form.collected_to.data, consent=ConsentFilter(form.consent.data),
                    exclude_suppressed=form.exclude_suppressed.data,
                    contacted_within_days=form.contacted_within_days.data or 0,
                    include_postal=form.include_postal.data)


def _silence_rules(purposes: list[Purpose]) -> dict[str, WhenSilent]:
    rules = {}
    for purpose in purposes:
        chosen = request.form.get(f"silent-{purpose.key}")
        rules[purpose.key] = WhenSilent(chosen) if chosen in {w.value for w in WhenSilent} \
            else default_when_silent(purpose)
    return rules


@bp.get("")
@role_required("manager")
def index():
    """Every campaign, newest first."""
    campaigns = list(db.session.scalars(sa.select(Campaign).order_by(Campaign.id.desc())))
    return render_template("campaigns/index.html", campaigns=campaigns)


@bp.route("/new", methods=["GET", "POST"])
@role_required("manager")
def new():
    """Define a campaign; "Preview" shows the count and a sample, "Create" fixes the audience."""
    form = CampaignForm()
    purposes = _fill_choices(form)
    rules = _silence_rules(purposes)
    result, error = None, None
    if form.validate_on_submit():
        criteria = _criteria(form)
        try:
            if request.form.get("action") == "create":
                text = Wording(subject_ja=form.subject_ja.data, subject_en=form.subject_en.data,
                               body_ja=form.body_ja.data, body_en=form.body_en.data)
                campaign = create_campaign(name=form.name.data, criteria=criteria, answer_by=form.answer_by.data,
                                           actor=_actor(), when_silent=rules, text=text)
                db.session.commit()
                flash(_("Campaign created for %(count)s people. Nobody has been contacted yet.",
                        count=campaign.size), "success")
                return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
            result = preview(resolve(criteria), sample_size=SAMPLE_SIZE)
            # The sample names people: a staff view of personal data is audited.
            record("campaigns.audience_previewed", actor=_actor(), target_type="campaign", target_id=None,
                   details={"count": result.count, "sample": [p.key for p in result.sample]})
            db.session.commit()
        except AudienceInvalid as exc:
            db.session.rollback()
            error = _refusal(exc.code, detail=exc.detail or "")
        except CampaignRefused as exc:
            db.session.rollback()
            error = _refusal(exc.code)
        except WordingInvalid as exc:
            db.session.rollback()
            error = _refusal("wording_placeholder", placeholder="${%s}" % exc.placeholder) if exc.placeholder \
                else _refusal("wording_malformed")
    elif request.method == "POST":
        error = _("Please correct the fields marked below.")
    status = 422 if error else 200
    return render_template("campaigns/new.html", form=form, purposes=purposes, rules=rules, result=result,
                           error=error, placeholders=wording.PLACEHOLDERS), status


@bp.get("/<int:campaign_id>")
@role_required("manager")
def detail(campaign_id: int):
    """Progress: sent, delivered, failed, opened, answers per purpose, silent."""
    campaign = _campaign_or_404(campaign_id)
    return render_template("campaigns/detail.html", campaign=campaign,
                           progress=progress_queries.progress(campaign), deadline=answer_deadline(campaign),
                           now=utcnow())


def _act(campaign_id: int, service, success: str):
    campaign = _campaign_or_404(campaign_id)
    try:
        outcome = service(campaign, actor=_actor())
    except CampaignRefused as exc:
        db.session.rollback()
        flash(_refusal(exc.code), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign_id)), 303
    db.session.commit()
    flash(success % outcome, "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id)), 303


@bp.post("/<int:campaign_id>/send")
@role_required("manager")
def send(campaign_id: int):
    return _act(campaign_id, send_campaign,
                _("Sending started: %(queued)s mails queued (sent at the set rate), %(letters)s letters to print."))


@bp.post("/<int:campaign_id>/close")
@role_required("manager")
def close(campaign_id: int):
    return _act(campaign_id, close_campaign,
                _("Campaign closed: %(silent)s people did not answer; %(withdrawn)s withdrawals recorded for silence; "
                  "%(cancelled)s notices not sent."))


@bp.get("/<int:campaign_id>/results.csv")
@role_required("manager")
def results(campaign_id: int):
    """Results per person and purpose (key, answer, when); the download is audited."""
    campaign = _campaign_or_404(campaign_id)
    record("campaigns.results_exported", actor=_actor(), target_type="campaign", target_id=campaign.id,
           details={"people": campaign.size})
    db.session.commit()
    filename = f"campaign-{campaign.id}-results-{utcnow().astimezone(JST):%Y%m%d-%H%M}.csv"
    response = Response(stream_with_context(progress_queries.csv_chunks(progress_queries.result_rows(campaign))),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/<int:campaign_id>/letters")
@role_required("manager")
def letters(campaign_id: int):
    """Printable letters (one page each) for people without e-mail, with their short code."""
    campaign = _campaign_or_404(campaign_id)
    rows = db.session.execute(
        sa.select(CampaignRecipient, Person)
        .join(Person, Person.id == CampaignRecipient.person_id)
        .where(CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status == RecipientStatus.LETTER)
        .order_by(CampaignRecipient.id)).all()
    record("campaigns.letters_viewed", actor=_actor(), target_type="campaign", target_id=campaign.id,
           details={"letters": len(rows)})
    db.session.commit()
    purposes = [rule.purpose for rule in campaign.purposes]
    sources = {s.id: s for s in db.session.scalars(
        sa.select(Source).where(Source.id.in_({r.source_id for r, _p in rows if r.source_id})))}
    addresses = {item.person_id: item.value for item in db.session.scalars(
        sa.select(Item).where(Item.person_id.in_([p.id for _r, p in rows]), Item.category == Category.CONTACT,
                              Item.field == "address").order_by(Item.collected_at))} if rows else {}
    letters_ = []
    for recipient, person in rows:
        filled = wording.values("ja", source=sources.get(recipient.source_id), purposes=purposes,
                                answer_by=campaign.answer_by)
        with force_locale("ja"):  # the letter is in Japanese, whatever the staff member reads
            greeting = _("Dear %(name)s", name=person.name or "")
            answer_line = _("Please answer at %(url)s with this code:", url=external_url("campaign_landing.code"))
        letters_.append({"person": person, "address": addresses.get(person.id), "greeting": greeting,
                         "answer_line": answer_line,
                         "code": links.display_code(recipient.short_code),
                         "subject": wording.fill(campaign.subject_ja, filled),
                         "body": wording.fill(campaign.body_ja, filled)})
    return render_template("campaigns/letters.html", campaign=campaign, letters=letters_)
