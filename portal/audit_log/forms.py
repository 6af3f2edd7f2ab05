"""The audit page's filter form: a GET form (no CSRF: it changes nothing but the view)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal.common.choices import options
from portal.audit_log.browse import AuditFilter
from portal.dsr.queries import REFERENCE_PATTERN

ACTOR_TYPES = (
    ("", _l("Anyone")),
    ("staff", _l("Staff")),
    ("customer", _l("Customer")),
    ("api", _l("API client")),
    ("cli", _l("Command line")),
    ("system", _l("System")),
)
#: Offered as suggestions; other target types can be typed.
KNOWN_TARGET_TYPES = ("data_request", "person", "staff_user", "policy", "audit_log", "customer_session", "purpose")
#: What each kind of target is, in words (the code stays the filter's value).
TARGET_LABELS = {
    "api_token": _l("API token"), "audit_log": _l("Audit log"), "authority_document": _l("Letter of authority"),
    "campaign": _l("Permission campaign"), "csv_mapping": _l("CSV column mapping"), "csv_upload": _l("CSV upload"),
    "customer_session": _l("Customer session"), "data_request": _l("Request"),
    "disclosure_package": _l("Disclosure package"), "email_challenge": _l("Mail verification"),
    "import": _l("Import"), "incident": _l("Leak incident"), "intake": _l("Intake"), "item": _l("Item of data"),
    "key": _l("Encryption key"), "person": _l("Person"), "person_merge": _l("Merge of records"),
    "policy": _l("Deadline policy"), "postal_access_code": _l("Code sent by post"), "postal_letter": _l("Letter"),
    "provision": _l("Record of provision"), "provision_stops": _l("Stops of provision"), "purpose": _l("Purpose"),
    "queue": _l("Queue"), "report": _l("Report"), "staff_user": _l("Staff account"),
    "use_restriction": _l("Restriction of use"), "webhook": _l("Webhook"), "webhook_delivery": _l("Webhook delivery"),
}


def actor_label(actor_type: str) -> str:
    """Who acted, in words ("Command line" for `cli`); one not listed shows as it is stored."""
    return str(dict(ACTOR_TYPES).get(actor_type) or actor_type)


def target_label(target_type: str) -> str:
    """A target type in words; one not listed yet shows as it is stored."""
    return str(TARGET_LABELS.get(target_type, target_type))

_TOO_LONG = _l("Use at most %(max)d characters.")


def _positive(form, field) -> None:
    # Text that is no number at all already has WTForms' own message; say nothing twice.
    if field.data is not None and field.data < 1:
        raise ValidationError(_l("Enter a number of 1 or more."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor_type = SelectField(_l("Actor type"), choices=options(ACTOR_TYPES), default="")
    actor_id = StringField(_l("Actor id"), filters=[_strip], validators=[Optional(), Length(max=64, message=_TOO_LONG)],
                           description=_l("A staff account's number, a person's id …"))
    action = StringField(_l("Action starts with"), filters=[_strip],
                         validators=[Optional(), Length(max=64, message=_TOO_LONG)],
                         description=_l("For example “staff.” for every staff action, or “dsr.request.”."))
    target_type = StringField(_l("Target type"), filters=[_strip],
                              validators=[Optional(), Length(max=32, message=_TOO_LONG)])
    target_id = StringField(_l("Target id"), filters=[_strip], validators=[Optional(), Length(max=64, message=_TOO_LONG)],
                            description=_l("For example a request reference such as MG-2026-000123."))
    person_id = IntegerField(_l("Person id"), validators=[Optional(), _positive])
    date_from = DateField(_l("From (Japan date)"), validators=[Optional()])
    date_to = DateField(_l("To (Japan date, included)"), validators=[Optional()])
    # Keyset cursors, set by the "older"/"newer" links.
    before = IntegerField(validators=[Optional(), _positive])
    after = IntegerField(validators=[Optional(), _positive])

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def filters(self) -> AuditFilter:
        target_type = self.target_type.data or None
        target_id = self.target_id.data or None
        if target_id and REFERENCE_PATTERN.fullmatch(target_id.upper()):
            # People type references in any case; a bare reference means a request.
            target_id = target_id.upper()
            target_type = target_type or "data_request"
        return AuditFilter(
            actor_type=self.actor_type.data or None,
            actor_id=self.actor_id.data or None,
            action=self.action.data or None,
            target_type=target_type,
            target_id=target_id,
            person_id=self.person_id.data,
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )

    def query_args(self) -> dict[str, str]:
        """The filters as URL parameters, for the pagination and export links."""
        args = {}
        for name in ("actor_type", "actor_id", "action", "target_type", "target_id", "person_id", "date_from", "date_to"):
            value = getattr(self, name).data
            if value not in (None, ""):
                args[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return args
