"""Forms of the queue and the request page.

Every form that changes a request carries the version it was opened with (`version`) and the
last timeline event its page showed (`seen`): a stale form is refused and the page shows
what happened since. The rules (a rejection needs a reason, the extension maximum…) are the
request services'; these forms check only shape and length.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.dsr.identity import IdentityDocument

TEXT_MAX = 4000


def _strip(text):
    return text.strip() if isinstance(text, str) else text


def _text(label, *, required: bool = False, message=None, description=None):
    validators = [DataRequired(message=message)] if required else [Optional()]
    validators.append(Length(max=TEXT_MAX, message=_l("Please keep this under %(max)d characters.", max=TEXT_MAX)))
    return TextAreaField(label, filters=[_strip], validators=validators, description=description)


class CaseForm(FlaskForm):
    """The hidden fields every action on a request carries."""

    version = HiddenField(validators=[InputRequired(message=_l("This form is incomplete. Please reload the page.")),
                                      Regexp(r"^\d{1,9}$", message=_l("This form is incomplete. Please reload the page."))])
    seen = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])

    @property
    def hidden_problem(self):
        """A message for errors in fields the page does not show (an old or tampered form)."""
        if {"version", "seen", "csrf_token"} & set(self.errors):
            return _l("This form is incomplete. Please reload the page.")
        return None

    @property
    def expected_version(self) -> int:
        return int(self.version.data)

    @property
    def seen_event(self) -> int | None:
        return int(self.seen.data) if (self.seen.data or "").isdigit() else None


class VerifyForm(CaseForm):
    documents = SelectMultipleField(
        _l("Identity documents seen (optional)"),
        choices=[SelectChoice(document.value, document.label) for document in IdentityDocument],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(), validators=[Optional()],
        description=_l("For a request by post or at the counter: what you saw. Record no numbers from them."))
    note = _text(_l("Internal note (optional)"), description=_l("E.g. how the identity or the authority was checked."))


class StartForm(CaseForm):
    """Verified → in progress."""


class ResumeForm(CaseForm):
    """Waiting for the requester → in progress, without a reply (e.g. they answered by phone)."""

    note = _text(_l("Internal note (optional)"))


class AskForm(CaseForm):
    body = _text(_l("What do you need from the requester?"), required=True,
                 message=_l("Write what you need from the requester."),
                 description=_l("The requester receives this message by mail and on the portal."))


class ExtendForm(CaseForm):
    amount = IntegerField(_l("Extend by"), validators=[
        InputRequired(message=_l("Enter by how much to extend.")),
        NumberRange(min=1, message=_l("Enter a whole number of at least 1."))])
    reason = _text(_l("Reason (shown to the requester)"), required=True,
                   message=_l("An extension needs a reason. The requester will see it."))


class RejectForm(CaseForm):
    # Optional here: the service refuses a rejection without a reason, in its own words.
    reason = _text(_l("Reason (shown to the requester)"),
                   description=_l("The requester is told why we cannot carry out the request."))
    note = _text(_l("Internal note (optional)"))


class CompleteForm(CaseForm):
    """The decision's own fields (verdicts, scope, format…) are read by `decision_from_form`."""

    answer = _text(_l("Answer to the requester (optional)"),
                   description=_l("Sent with the news that the request is complete."))
    note = _text(_l("Internal note (optional)"))


class ApproveForm(CaseForm):
    """A manager approves the decision waiting for approval: it is applied at once."""


class SendBackForm(CaseForm):
    reason = _text(_l("Why it is sent back"), required=True,
                   message=_l("Say why the decision is sent back. The staff member who prepared it will read it."),
                   description=_l("The staff member who prepared the decision reads this. The requester does not."))


class MatchForm(CaseForm):
    person_id = IntegerField(validators=[InputRequired(message=_l("Choose a person.")),
                                         NumberRange(min=1, max=2**31 - 1, message=_l("Choose a person."))])


class MessageForm(CaseForm):
    body = _text(_l("Message to the requester"), required=True, message=_l("A message cannot be empty."),
                 description=_l("The requester receives this message by mail and on the portal."))


class ReplyForm(CaseForm):
    body = _text(_l("What the requester said"), required=True, message=_l("A message cannot be empty."),
                 description=_l("For a reply that came by phone, post or at the counter. While we wait for the requester, recording it puts the request back in progress."))


class NoteForm(CaseForm):
    body = _text(_l("Internal note"), required=True, message=_l("A note cannot be empty."),
                 description=_l("Only staff see internal notes."))


class ClaimForm(CaseForm):
    pass


class ResendForm(CaseForm):
    """Send an undelivered answer again."""

    mail = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,9}$")])


class AnsweredOtherwiseForm(CaseForm):
    """An undelivered answer reached the requester another way."""

    mail = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,9}$")])
    note = _text(_l("How was the requester answered?"), required=True,
                 message=_l("Say how the requester was answered instead."),
                 description=_l("E.g. read out by phone on 8 December, or sent by post."))


class AssignForm(CaseForm):
    assignee = SelectField(_l("Assign to"), choices=[], validate_choice=True)


class BulkAssignForm(FlaskForm):
    # `MG-2026-000123:4`: the reference and the version the list showed.
    selected = SelectMultipleField(choices=[], validate_choice=False,
                                   validators=[DataRequired(message=_l("Select at least one request."))])
    assignee = SelectField(_l("Assign selected to"), choices=[], validate_choice=True)


class PersonSearchForm(FlaskForm):
    """GET: searching the register to match a request (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    person_q = StringField(_l("E-mail address, customer key or name"), filters=[_strip],
                           validators=[Optional(), Length(max=200)])
