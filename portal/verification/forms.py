"""Forms of the verification pages; messages are lazy so they follow the visitor's language."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, ValidationError

from portal.common.text import normalise, normalise_email
from portal.verification.postal import is_well_formed
from portal.verification.services import is_valid_email
from portal.verification.stepup import well_formed


class EmailForm(FlaskForm):
    email = StringField(
        _l("Email address"),
        validators=[InputRequired(message=_l("Please enter your email address."))],
        filters=[normalise_email],
        render_kw={"type": "email", "autocomplete": "email", "inputmode": "email",
                   "autocapitalize": "none", "spellcheck": "false"},
    )
    next = HiddenField()

    def validate_email(self, field) -> None:
        if not is_valid_email(field.data):
            raise ValidationError(_l("This does not look like an email address. Please check it, e.g. taro@example.jp."))


class CodeForm(FlaskForm):
    code = StringField(
        _l("6-digit code"),
        validators=[InputRequired(message=_l("Please enter the 6-digit code from the mail."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "code-input"},
    )

    def validate_code(self, field) -> None:
        """Full-width digits, spaces and hyphens are how people type; anything but six digits is
        a typing slip, pointed out without using up one of the tries."""
        typed = re.sub(r"[\s-]", "", normalise(field.data))
        if not re.fullmatch(r"\d{6}", typed):
            raise ValidationError(_l("The code is 6 digits (for example 123456). Please check what you typed."))
        field.data = typed


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a button press (link confirmation, log-out)."""


class StepUpForm(FlaskForm):
    check = RadioField(_l("What would you like to answer?"),
                       validators=[InputRequired(message=_l("Please choose one question."))])
    answer = StringField(_l("Your answer"),
                         validators=[InputRequired(message=_l("Please enter your answer."))],
                         render_kw={"autocomplete": "off"})
    next = HiddenField()

    def validate_answer(self, field) -> None:
        """A malformed answer is pointed out without using up a try (see stepup.well_formed)."""
        if self.check.data and not well_formed(self.check.data, field.data):
            if self.check.data == "birthdate":
                raise ValidationError(_l("Please enter a date, for example 1985-04-01 or 昭和60年4月1日."))
            if self.check.data == "phone_last4":
                raise ValidationError(_l("Please enter the last four digits of your phone number."))


class PostalCodeForm(FlaskForm):
    """The reference and the 8-digit code from a letter."""

    reference = StringField(_l("Reference number"), filters=[lambda text: text.strip() if isinstance(text, str) else text],
                            validators=[InputRequired(message=_l("Please enter the reference number from the letter."))],
                            render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    code = StringField(_l("8-digit code"),
                       validators=[InputRequired(message=_l("Please enter the 8-digit code from the letter."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "code-input"})

    def validate_code(self, field) -> None:
        # A typo in the form (letters, too few digits) is not a try at the code.
        if not is_well_formed(field.data):
            raise ValidationError(_l("The code has 8 digits, e.g. 1234-5678. Please check it."))
