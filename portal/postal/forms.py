"""The request form for people without email; messages are lazy so they follow the visitor's language."""
from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from portal.dsr.models import RequestType

MESSAGE_MAX = 2000
T = RequestType
# What a person without email can ask by post (a consent change needs no form: one letter does).
POSTAL_TYPES = (T.DISCLOSURE, T.PROVISION_RECORDS, T.CORRECTION, T.SUSPENSION, T.ERASURE, T.STOP_PROVISION,
                T.CONSENT_WITHDRAWAL)


def _strip(text):
    return text.strip() if isinstance(text, str) else text


def _nfkc(text):
    return unicodedata.normalize("NFKC", text).strip() if isinstance(text, str) else text


def _postal_code(text):
    """１５０－０００１, 150 0001 and 1500001 are one code: 150-0001."""
    digits = re.sub(r"\D", "", _nfkc(text) or "")
    return f"{digits[:3]}-{digits[3:]}" if len(digits) == 7 else _nfkc(text)


class PostalRequestForm(FlaskForm):
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex, validators=[
        InputRequired(message=_l("This form has expired. Please open it again.")),
        Regexp(r"^[A-Za-z0-9-]{16,64}$", message=_l("This form has expired. Please open it again."))])
    type = RadioField(_l("What would you like to ask?"),
                      choices=[SelectChoice(t.value, t.label) for t in POSTAL_TYPES],
                      validators=[InputRequired(message=_l("Please choose what you would like to ask."))])
    message = TextAreaField(_l("Your request in your own words"), filters=[_strip],
                            description=_l("E.g. which data, which change, or since when. Please do not write "
                                           "card or bank numbers."),
                            validators=[DataRequired(message=_l("Please tell us what you would like us to do.")),
                                        Length(max=MESSAGE_MAX,
                                               message=_l("Please keep this under %(max)d characters.",
                                                          max=MESSAGE_MAX))])
    name = StringField(_l("Full name"), filters=[_strip], render_kw={"autocomplete": "name"},
                       validators=[DataRequired(message=_l("Please enter your full name.")), Length(max=200)])
    name_kana = StringField(_l("Full name in kana (optional)"), filters=[_strip], validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), filters=[_postal_code],
                              render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
                              validators=[DataRequired(message=_l("Please enter your postal code.")),
                                          Regexp(r"^\d{3}-\d{4}$",
                                                 message=_l("Please enter the postal code as 7 digits, e.g. 150-0001."))])
    address = StringField(_l("Address"), filters=[_strip], render_kw={"autocomplete": "street-address"},
                          description=_l("We send our answer to this address by post."),
                          validators=[DataRequired(message=_l("Please enter your address.")), Length(max=300)])
    phone = StringField(_l("Phone number (optional)"), filters=[_nfkc],
                        render_kw={"autocomplete": "tel", "inputmode": "tel"},
                        description=_l("If we have a question, we may call you."),
                        validators=[Optional(), Length(max=40)])
    birthdate = StringField(_l("Date of birth (optional)"), filters=[_nfkc],
                            description=_l("Helps us find your data, e.g. 1985-04-01."),
                            render_kw={"type": "date", "autocomplete": "bday"}, validators=[Optional()])

    def validate_birthdate(self, field) -> None:
        try:
            born = date.fromisoformat(field.data)
        except ValueError:
            raise ValidationError(_l("Please enter the date as year-month-day, e.g. 1985-04-01.")) from None
        if born > date.today():
            raise ValidationError(_l("The date of birth cannot be in the future."))


class LetterForm(FlaskForm):
    """Only the CSRF token: the letter buttons (posted, a new code)."""
