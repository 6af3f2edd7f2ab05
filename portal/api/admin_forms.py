"""Forms of the admin pages for API tokens and webhooks, and the words for scopes and events."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import URL, DataRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from portal.common.choices import options
from portal.api.tokens import DEFAULT_DAYS, MAX_DAYS, SCOPES
from portal.webhooks.models import WebhookEvent

SCOPE_LABELS = {
    "requests:read": _l("Read requests and persons' data"),
    "requests:write": _l("File requests, change their status, write messages"),
    "suppressions:read": _l("Read the suppression list"),
    "reports:read": _l("Read report figures (managers and administrators)"),
    "inventory:write": _l("Import data (administrators)"),
}
EVENT_LABELS = {
    WebhookEvent.REQUEST_RECEIVED: _l("A request was received"),
    WebhookEvent.REQUEST_STATUS_CHANGED: _l("A request's status changed"),
    WebhookEvent.REQUEST_COMPLETED: _l("A request was completed"),
    WebhookEvent.CONSENT_WITHDRAWN: _l("A consent was withdrawn"),
    WebhookEvent.ERASURE_APPLIED: _l("An erasure was applied"),
    WebhookEvent.PROVISION_STOPPED: _l("A stop of provision to third parties took effect"),
}
#: What each refusal of the token and webhook services says to a person.
REFUSALS = {
    "no_scopes": _l("Choose at least one scope."),
    "unknown_scope": _l("Choose scopes from the list."),
    "scope_beyond_role": _l("The owner's role does not include every chosen scope."),
    "owner_inactive": _l("The owner's account is deactivated."),
    "name_invalid": _l("Enter a name of at most 120 characters."),
    "days_invalid": _l("Enter a number of days from 1 to %(max)d.", max=MAX_DAYS),
    "url_invalid": _l("Enter an http or https URL."),
    "no_events": _l("Choose at least one event."),
}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[DataRequired()],
                           description=_l("Calls made with the token act in this staff member's name."))
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: CRM nightly sync."))
    scopes = CheckboxesField(_l("Scopes"), choices=options((scope, SCOPE_LABELS[scope]) for scope in SCOPES),
                             validators=[DataRequired(message=REFUSALS["no_scopes"])])
    days = IntegerField(_l("Valid for (days)"), default=DEFAULT_DAYS,
                        validators=[DataRequired(), NumberRange(min=1, max=MAX_DAYS, message=REFUSALS["days_invalid"])])


class WebhookForm(FlaskForm):
    url = StringField(_l("URL"), validators=[DataRequired(), Length(max=500), URL(require_tld=False, message=REFUSALS["url_invalid"])],
                      description=_l("Deliveries are POSTed here as JSON, signed with the secret shown once after saving."))
    description = StringField(_l("Description"), validators=[Length(max=200)])
    events = CheckboxesField(_l("Events"), choices=options((event.value, EVENT_LABELS[event]) for event in WebhookEvent),
                             validators=[DataRequired(message=REFUSALS["no_events"])])
