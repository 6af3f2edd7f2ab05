"""The manager's campaign form, and what each refusal of the domain says to a person."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.campaigns import wording
from portal.campaigns.audience import ConsentFilter

REFUSALS = {
    "nobody": _l("Nobody matches these criteria. Widen the audience (another source, other dates) and preview again."),
    "no_source": _l("Choose at least one source."),
    "unknown_source": _l("This source does not exist any more: %(detail)s"),
    "unknown_purpose": _l("This purpose does not exist any more: %(detail)s"),
    "no_purpose": _l("Choose at least one purpose to ask about."),
    "unknown_category": _l("Choose categories from the list."),
    "dates_reversed": _l("The first collection date is after the last one."),
    "name_invalid": _l("Give the campaign a name of at most 200 characters."),
    "answer_by_past": _l("The answer-by date is in the past. Choose today or a later date."),
    "answer_by_passed": _l("The answer-by date has passed, so nothing was sent. Create a new campaign with a later date."),
    "already_sent": _l("This campaign was already sent. Nothing was sent twice."),
    "already_closed": _l("This campaign is already closed."),
    "wording_empty": _l("Fill in every subject and text, in Japanese and in English."),
    "wording_placeholder": _l("The wording uses %(placeholder)s, which we cannot fill. Use only the placeholders listed."),
    "wording_malformed": _l("A $ in the wording must start a placeholder such as ${source}; write $$ for a dollar sign."),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CampaignForm(FlaskForm):
    name = StringField(_l("Campaign name (staff only)"), validators=[DataRequired(), Length(max=200)])
    sources = MultiCheckboxField(_l("Where the data came from"), validators=[DataRequired()])
    categories = MultiCheckboxField(_l("Only data of these kinds (none ticked: every kind)"), validators=[Optional()])
    collected_from = DateField(_l("Collected on or after"), validators=[Optional()])
    collected_to = DateField(_l("Collected on or before"), validators=[Optional()])
    consent = SelectField(_l("Current consent for the purposes asked about"), choices=[
        SelectChoice(ConsentFilter.ANY.value, _l("Anyone")),
        SelectChoice(ConsentFilter.GRANTED.value, _l("Only people whose consent is recorded as given")),
        SelectChoice(ConsentFilter.NONE.value, _l("Only people with no consent recorded")),
    ])
    exclude_suppressed = BooleanField(_l("Leave out people already on the suppression list for these purposes"),
                                      default=True)
    contacted_within_days = IntegerField(_l("Leave out people a campaign contacted in the last … days (0: nobody)"),
                                         default=90, validators=[InputRequired(), NumberRange(min=0, max=3650)])
    include_postal = BooleanField(_l("Include people without an e-mail address (printed letters)"), default=True)
    purposes = MultiCheckboxField(_l("Purposes to ask about"), validators=[DataRequired()])
    answer_by = DateField(_l("Answer by (Japan time, inclusive)"), validators=[DataRequired()])
    subject_ja = StringField(_l("Subject (Japanese)"), default=wording.DEFAULT_SUBJECT["ja"],
                             validators=[DataRequired(), Length(max=300)])
    body_ja = TextAreaField(_l("Text (Japanese)"), default=wording.DEFAULT_BODY["ja"], validators=[DataRequired()])
    subject_en = StringField(_l("Subject (English)"), default=wording.DEFAULT_SUBJECT["en"],
                             validators=[DataRequired(), Length(max=300)])
    body_en = TextAreaField(_l("Text (English)"), default=wording.DEFAULT_BODY["en"], validators=[DataRequired()])
