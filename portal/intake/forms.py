"""The staff intake form: what came in, when, from whom, and how their identity was checked."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from portal.common.choices import options
from portal.dsr.models import Jurisdiction, RequestType

CHANNELS = (("phone", _l("By phone")), ("post", _l("By post")), ("counter", _l("At the counter")),
            ("email", _l("By e-mail")))
POLICIES = ((Jurisdiction.APPI.value, _l("APPI (Japan)")), (Jurisdiction.GDPR.value, _l("GDPR (EU)")),
            (Jurisdiction.CCPA.value, _l("CCPA (California)")))
#: Identity documents staff may have seen (never a copy of a My Number: only that the card was shown).
DOCUMENTS = (("driving_licence", _l("Driving licence")), ("my_number_card", _l("My Number card (front only)")),
             ("passport", _l("Passport")), ("health_insurance", _l("Health insurance card")),
             ("residence_card", _l("Residence card")), ("other", _l("Another document (say which in the note)")))
IDENTITY = (("documents", _l("I saw identity documents")),
            ("not_needed", _l("No documents were needed (say why)")),
            ("not_yet", _l("Not checked yet: the request waits for verification")))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class IntakeForm(FlaskForm):
    type = SelectField(_l("Type of request"), choices=[], validators=[InputRequired()])
    policy = SelectField(_l("Law whose deadlines apply"), choices=options(POLICIES), default=Jurisdiction.APPI.value)
    channel = RadioField(_l("How it reached us"), choices=options(CHANNELS), default="phone",
                         validators=[InputRequired(message=_l("Say how the request reached us."))])
    received_on = DateField(_l("Date received"), validators=[InputRequired(message=_l("Enter the date the request was received."))],
                            description=_l("The date the call, letter or visit came in (Japan time). The deadline counts from it."))
    person_q = StringField(_l("Find the person in the register"), filters=[_strip], validators=[Optional(), Length(max=200)],
                           description=_l("Customer key or number, phone, e-mail address or whole name."))
    person_id = HiddenField()
    requester_name = StringField(_l("Requester's name"), filters=[_strip], validators=[Optional(), Length(max=200)])
    requester_email = StringField(_l("Requester's e-mail address"), filters=[_strip],
                                  validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address.")),
                                              Length(max=320)],
                                  description=_l("Where our answers go. Leave empty to use the address of the person found in the register."))
    language = SelectField(_l("Language of our answers"), choices=options((("ja", "日本語"), ("en", "English"))), default="ja")
    description = TextAreaField(_l("What was asked"), filters=[_strip], validators=[Optional(), Length(max=4000)])
    identity = RadioField(_l("Identity check"), choices=options(IDENTITY),
                          validators=[InputRequired(message=_l("Say how the requester's identity was checked."))])
    documents = SelectMultipleField(_l("Documents seen"), choices=options(DOCUMENTS), validate_choice=True)
    identity_note = StringField(_l("Note on the identity check"), filters=[_strip], validators=[Optional(), Length(max=500)],
                                description=_l("Which document, or why none was needed (e.g. known customer at the counter with the membership card)."))
    token = HiddenField(validators=[DataRequired(), Length(max=64)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = options((t.value, t.staff_label) for t in RequestType)
