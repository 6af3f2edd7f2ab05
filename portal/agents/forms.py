"""The forms of an agent's request and of a requester we could not match.

Both describe the person the request is about well enough for staff to find them. Messages
are lazy, so they come out in the visitor's language.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, HiddenField, RadioField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.common.choices import options
from portal.agents import uploads
from portal.common.text import normalise_email
from portal.dsr.labels import RELATIONSHIP_CHOICES
from portal.dsr.models import RequestType
from portal.verification.services import is_valid_email

_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3000 ]+")
_PHONE_CHARACTERS = re.compile(r"[0-9+\-() ]+")


def nfkc(text: str | None) -> str | None:
    """Full-width letters and digits from a Japanese keyboard become ASCII; spaces trimmed."""
    return unicodedata.normalize("NFKC", text).strip() if text is not None else None


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def valid_phone(form, field) -> None:
    if field.data and not (_PHONE_CHARACTERS.fullmatch(field.data)
                           and 10 <= sum(ch.isdigit() for ch in field.data) <= 15):
        raise ValidationError(_l("Please enter a phone number with its area code, e.g. 03-1234-5678."))


def split_emails(text: str | None) -> list[str]:
    return [normalise_email(part) for part in re.split(r"[\s,、，;]+", text or "") if part.strip()]


def request_type_choices():
    return options((kind.value, kind.label) for kind in RequestType)


RESIDENCE_CHOICES = [
    ("jp", _l("Japan")),
    ("eu", _l("European Union / European Economic Area")),
    ("us-ca", _l("California, USA")),
    ("other", _l("Elsewhere")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubjectFields:
    """Who the request is about: enough for staff to find them among the data we hold."""

    subject_name = StringField(_l("Full name"), filters=[nfkc], validators=[
        InputRequired(message=_l("Please enter the full name.")), Length(max=200)])
    subject_kana = StringField(_l("Name in kana (optional)"), filters=[nfkc], validators=[Optional(), Length(max=200)])
    subject_emails = TextAreaField(_l("Email addresses the company may know (optional)"), validators=[Optional(), Length(max=1000)])
    subject_phone = StringField(_l("Phone number (optional)"), filters=[nfkc], validators=[Optional(), Length(max=40), valid_phone])
    subject_birthdate = DateField(_l("Date of birth (optional)"), validators=[Optional()],
                                  render_kw={"type": "date"})
    subject_address = TextAreaField(_l("Address (optional)"), filters=[nfkc], validators=[Optional(), Length(max=500)])
    subject_customer_number = StringField(_l("Customer or membership number, if known (optional)"), filters=[nfkc],
                                          validators=[Optional(), Length(max=64)])

    def validate_subject_kana(self, field) -> None:
        if field.data and not _KANA.fullmatch(field.data):
            raise ValidationError(_l("Please write the name in katakana or hiragana, e.g. ヤマダ ハナコ."))

    def validate_subject_emails(self, field) -> None:
        wrong = [address for address in split_emails(field.data) if not is_valid_email(address)]
        if wrong:
            raise ValidationError(_l("This does not look like an email address: %(address)s", address=wrong[0]))
        if len(split_emails(field.data)) > 5:
            raise ValidationError(_l("Please give at most five email addresses."))

    def validate_subject_birthdate(self, field) -> None:
        if field.data and not date(1900, 1, 1) <= field.data < date.today():
            raise ValidationError(_l("Please check the date of birth."))

    def subject(self) -> dict:
        """The person's details as the request stores them (`data_request.subject`)."""
        return {
            "name": self.subject_name.data, "name_kana": self.subject_kana.data or None,
            "emails": split_emails(self.subject_emails.data), "phone": self.subject_phone.data or None,
            "birthdate": self.subject_birthdate.data.isoformat() if self.subject_birthdate.data else None,
            "address": self.subject_address.data or None,
            "customer_number": self.subject_customer_number.data or None,
        }


class RequestFields:
    """What is asked, where the person lives (it decides the law and the deadline), and a key
    that makes a double submit file the request once."""

    request_types = MultiCheckboxField(_l("What do you request?"), choices=request_type_choices, validators=[
        DataRequired(message=_l("Please choose at least one request."))])
    description = TextAreaField(_l("Details (optional)"), filters=[lambda text: text.strip() if text else text],
                                validators=[Optional(), Length(max=4000, message=_l("Please keep the details under 4,000 characters."))])
    residence = RadioField(_l("Where does the person live?"), choices=options(RESIDENCE_CHOICES), default="jp",
                           validators=[InputRequired(message=_l("Please choose where the person lives."))])
    idempotency_key = HiddenField()

    def validate_idempotency_key(self, field) -> None:
        if not _KEY.fullmatch(field.data or ""):
            # Not the visitor's doing (an old page, a bot): give the form a fresh key.
            field.data = new_idempotency_key()
            raise ValidationError(_l("Please check the form and send it again."))


class AgentRequestForm(FlaskForm, SubjectFields, RequestFields):
    agent_name = StringField(_l("Your full name"), filters=[nfkc], validators=[
        InputRequired(message=_l("Please enter your full name.")), Length(max=200)])
    relationship = RadioField(_l("How are you authorised to act for the person?"), choices=options(RELATIONSHIP_CHOICES),
                              validators=[InputRequired(message=_l("Please choose how you are authorised."))])
    agent_phone = StringField(_l("Your phone number"), filters=[nfkc], validators=[
        InputRequired(message=_l("Please enter a phone number where we can reach you.")), Length(max=40), valid_phone])
    agent_address = TextAreaField(_l("Your postal address (optional)"), filters=[nfkc], validators=[Optional(), Length(max=500)])
    document = FileField(_l("Letter of authority or proof of representation"))
    confirm = BooleanField(_l("I am authorised to make this request for the person, and the details above are true."),
                           validators=[DataRequired(message=_l("Please confirm that you are authorised to act for the person."))])

    checked_upload: uploads.CheckedUpload | None = None

    def validate_document(self, field) -> None:
        try:
            self.checked_upload = uploads.inspect_upload(field.data)
        except uploads.UploadRefused as refused:
            raise ValidationError(refused.message) from None

    def agent(self, email: str) -> dict:
        """The agent as the request stores them (`data_request.agent`)."""
        return {"name": self.agent_name.data, "relationship": self.relationship.data, "email": email,
                "phone": self.agent_phone.data, "address": self.agent_address.data or None}


class UnmatchedRequestForm(FlaskForm, SubjectFields, RequestFields):
    """A verified requester whose address matches nobody: who they are, and what they ask."""

    confirm = BooleanField(_l("The details above are mine and true."),
                           validators=[DataRequired(message=_l("Please confirm that these are your own details."))])


def has_a_way_to_find(form: SubjectFields) -> bool:
    """Name alone finds nobody: staff need an address, a phone number or a customer number too."""
    return bool(split_emails(form.subject_emails.data) or form.subject_phone.data
                or form.subject_customer_number.data or form.subject_address.data)
