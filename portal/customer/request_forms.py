"""Forms for the customer's requests; messages are lazy so they follow the customer's language.

Every form carries an idempotency key made when it is shown: submitting it twice (a double
tap, a reload) files one request. Every request form asks where the person lives, which
chooses the deadline policy (Japan, and so APPI, unless they say otherwise).
"""
from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (FieldList, Form, FormField, HiddenField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.common.choices import options
from portal.inventory.labels import CATEGORY_NAMES, CATEGORY_ORDER
from portal.dsr.labels import FORMAT_WORDS, GROUND_WORDS, RESIDENCE_CHOICES

NOTE_MAX = 2000
VALUE_MAX = 500


def _new_key() -> str:
    return uuid.uuid4().hex


def _strip(text):
    return text.strip() if isinstance(text, str) else text


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequestForm(FlaskForm):
    """What every request form has: the submission key and where the person lives."""

    idempotency_key = HiddenField(default=_new_key, validators=[
        InputRequired(message=_l("This form has expired. Please open it again.")),
        Regexp(r"^[A-Za-z0-9-]{16,64}$", message=_l("This form has expired. Please open it again.")),
    ])
    residence = RadioField(_l("Where do you live?"), choices=options(RESIDENCE_CHOICES), default="jp",
                           validators=[InputRequired(message=_l("Please choose where you live."))])


class DisclosureForm(RequestForm):
    format = RadioField(_l("How would you like to receive our answer?"), choices=options(FORMAT_WORDS.items()),
                        default="electronic",
                        validators=[InputRequired(message=_l("Please choose how you would like our answer."))])
    note = TextAreaField(_l("Anything we should know (optional)"), filters=[_strip],
                         validators=[Optional(), Length(max=NOTE_MAX, message=_l("Please keep this under %(max)d characters."))])


class RestrictionForm(RequestForm):
    """Suspension of use, erasure and stop of provision: what it covers and on which ground."""

    scope = RadioField(_l("What should it cover?"), default="all",
                       validators=[InputRequired(message=_l("Please choose what your request covers."))])
    targets = MultiCheckboxField(_l("Choose"), choices=[], validate_choice=False)
    ground = RadioField(_l("Why are you asking?"),
                        validators=[InputRequired(message=_l("Please choose the reason that fits best."))])
    note = TextAreaField(_l("Tell us more (optional)"), filters=[_strip],
                         validators=[Optional(), Length(max=NOTE_MAX, message=_l("Please keep this under %(max)d characters."))])

    def setup(self, *, scope_choices, targets, grounds) -> "RestrictionForm":
        """Choices depend on the person (their categories, their recipients) and the type."""
        self.scope.choices = options(scope_choices)
        self.targets.choices = options(targets)
        self.ground.choices = options((key, GROUND_WORDS[key]) for key in grounds)
        return self

    def validate_targets(self, field) -> None:
        if self.scope.data != "chosen":
            return
        if not field.data:
            raise ValidationError(_l("Please tick at least one, or choose “everything”."))
        allowed = {str(choice.value) for choice in field.choices}
        if not set(field.data) <= allowed:
            raise ValidationError(_l("Please choose from the list."))


ACTION_CHOICES = [("keep", _l("Keep as it is")), ("change", _l("Change it")), ("delete", _l("Delete it"))]


class ItemChangeForm(Form):
    """One item on the correction page: keep, change (to a proposed value) or delete."""

    item_id = HiddenField()
    action = RadioField(_l("What should we do?"), choices=options(ACTION_CHOICES), default="keep",
                        validators=[InputRequired(message=_l("Please choose what we should do."))])
    proposed = StringField(_l("Correct value"), filters=[_strip],
                           validators=[Length(max=VALUE_MAX, message=_l("Please keep this under %(max)d characters."))])
    reason = StringField(_l("Reason (optional)"), filters=[_strip],
                         validators=[Length(max=NOTE_MAX, message=_l("Please keep this under %(max)d characters."))])

    def validate_proposed(self, field) -> None:
        if self.action.data == "change" and not field.data:
            raise ValidationError(_l("Please enter the correct value."))


class AdditionForm(Form):
    """Something we should hold but do not (a missing building name, a second phone)."""

    category = SelectField(_l("Kind of data"), choices=options([("", _l("Choose…"))] + [
        (category.value, CATEGORY_NAMES[category]) for category in CATEGORY_ORDER]))
    what = StringField(_l("What is missing"), filters=[_strip],
                       validators=[Length(max=200, message=_l("Please keep this under %(max)d characters."))])
    value = StringField(_l("Value to add"), filters=[_strip],
                        validators=[Length(max=VALUE_MAX, message=_l("Please keep this under %(max)d characters."))])
    reason = StringField(_l("Reason (optional)"), filters=[_strip],
                         validators=[Length(max=NOTE_MAX, message=_l("Please keep this under %(max)d characters."))])

    @property
    def is_blank(self) -> bool:
        return not (self.category.data or self.what.data or self.value.data)

    def validate_value(self, field) -> None:
        if self.is_blank:
            return
        if not self.category.data:
            self.category.errors.append(_l("Please choose the kind of data."))
        if not self.what.data:
            self.what.errors.append(_l("Please say what is missing."))
        if not field.data:
            raise ValidationError(_l("Please enter the value to add."))


class CorrectionForm(RequestForm):
    changes = FieldList(FormField(ItemChangeForm))
    additions = FieldList(FormField(AdditionForm), min_entries=1, max_entries=5)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        asked = [entry for entry in self.changes if entry.action.data in ("change", "delete")]
        added = [entry for entry in self.additions if not entry.is_blank]
        if valid and not asked and not added:
            self.form_errors.append(_l("Nothing to send yet: choose “Change it” or “Delete it” for an item, or fill in something to add."))
            return False
        # Sub-form errors appended by hand (category, what) do not fail `validate` on their own.
        return valid and not any(entry.category.errors or entry.what.errors for entry in self.additions)


class ConsentForm(RequestForm):
    """The consent page: one form, a button per purpose (`withdraw:12`, `grant:12`) and "stop all"."""

    # Sent by the button pressed, never rendered as a field (a hidden one would be sent too).
    change = StringField()


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), filters=[_strip], validators=[
        DataRequired(message=_l("Please write your reply.")),
        Length(max=NOTE_MAX, message=_l("Please keep this under %(max)d characters.")),
    ])


class WithdrawForm(FlaskForm):
    # The version the page showed; anything but a small number is a tampered form, not a crash.
    version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$", message=_l("This form is incomplete. Please reload the page."))])
