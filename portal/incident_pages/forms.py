"""Forms of the incident pages; the services in `portal.incidents` check again and decide."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, Optional

from portal.common.choices import options
from portal.customer.request_forms import MultiCheckboxField
from portal.incidents.models import IncidentCase
from portal.incidents.reports import ITEM_MAX, REPORT_ITEMS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class IncidentForm(FlaskForm):
    title = StringField(_l("Title"), filters=[_strip], validators=[
        InputRequired(message=_l("Give the incident a short title.")), Length(max=200)],
        description=_l("For staff, e.g. “Quote mailed to the wrong customer”."))
    description = TextAreaField(_l("What happened"), filters=[_strip], validators=[
        InputRequired(message=_l("Describe what happened.")), Length(max=10000)])
    discovered_date = DateField(_l("Date it became known (Japan time)"), validators=[
        InputRequired(message=_l("Enter the date the company learned of the incident."))])
    discovered_time = TimeField(_l("Time"), validators=[InputRequired(message=_l("Enter the time."))])
    cases = MultiCheckboxField(_l("Cases of Enforcement Rules Art. 7 that apply"),
                               choices=options((case.value, case.label) for case in IncidentCase),
                               description=_l("If at least one applies, the incident must be reported to the "
                                              "Commission and the persons notified."))
    notice_text = TextAreaField(_l("Notice to the affected persons"), filters=[_strip],
                                validators=[Optional(), Length(max=10000)],
                                description=_l("What happened, which of their data, what we have done and what "
                                               "they should watch for. Sent by mail and shown on their page."))


class AffectedForm(FlaskForm):
    mode = RadioField(_l("Choose the persons"), default="query", choices=options([
        ("query", _l("By the data held: source, category, field, collection dates")),
        ("keys", _l("By a list of customer keys"))]))
    source = SelectField(_l("Source"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    field = StringField(_l("Field"), filters=[_strip], validators=[Optional(), Length(max=64)],
                        description=_l("As in the import format, e.g. address."))
    collected_from = DateField(_l("Collected from (Japan date)"), validators=[Optional()])
    collected_to = DateField(_l("Collected until (Japan date, included)"), validators=[Optional()])
    keys = TextAreaField(_l("Customer keys"), filters=[_strip], validators=[Optional()],
                         description=_l("One per line."))


class ReportForm(FlaskForm):
    """The Commission's report form, item by item."""


for _key, _label in REPORT_ITEMS.items():
    setattr(ReportForm, _key, TextAreaField(_label, filters=[_strip], validators=[Optional(), Length(max=ITEM_MAX)]))
