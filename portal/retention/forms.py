"""The forms of /staff/retention: legal holds (the `legal-hold` command's options) and disposal."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.common.choices import options
from portal.inventory.labels import staff_category_name
from portal.inventory.models import Category


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LegalHoldForm(FlaskForm):
    action = RadioField(_l("What to do"), choices=options((("place", _l("Place or extend a hold")), ("lift", _l("Lift the hold")))),
                        default="place", validators=[InputRequired()])
    category = SelectField(_l("Category"), choices=[], validators=[InputRequired()])
    field = StringField(_l("Field (optional)"), filters=[_strip], validators=[Optional(), Length(max=100)],
                        description=_l("Only items of this field, e.g. line; every field of the category when empty."))
    person_key = StringField(_l("Person key (optional)"), filters=[_strip], validators=[Optional(), Length(max=64)],
                             description=_l("Only this person's items; everyone's when empty."))
    until = DateField(_l("Keep until"), validators=[Optional()],
                      description=_l("The last day the law obliges us to keep the items (inclusive)."))
    reason = StringField(_l("Reason (shown to the customer whose erasure it blocks)"), filters=[_strip],
                         validators=[Optional(), Length(max=500)])
    replace = BooleanField(_l("Also shorten holds that run longer (to correct a mistaken date)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = options((c.value, staff_category_name(c)) for c in Category)


class DisposalForm(FlaskForm):
    """The confirmation of a disposal: the number of items the manager saw, so that a list that
    changed meanwhile is shown again instead of disposed of unseen."""

    expected = IntegerField(widget=HiddenField.widget, validators=[InputRequired(), NumberRange(min=1)])
