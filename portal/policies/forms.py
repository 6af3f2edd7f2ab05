"""The rule form. Its checks mirror `portal.dsr.policies` so each mistake shows at its field;
the service checks again and stays the authority."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from portal.common.choices import options
from portal.dsr.models import ClockStart, PeriodUnit, Policy
from portal.dsr.policies import EDITABLE_FIELDS, MAX_PERIOD
from portal.dsr.wording import CLOCK_START_LABELS, UNIT_LABELS


def unit_choices():
    return options((unit.value, UNIT_LABELS[unit]) for unit in PeriodUnit)


def clock_choices():
    return options((start.value, CLOCK_START_LABELS[start]) for start in ClockStart)


def _period_in_range(unit_field: str):
    """1 … the unit's maximum (366 calendar days, 250 business days, 12 months)."""

    def check(form, field) -> None:
        unit_value = getattr(form, unit_field).data
        if field.data is None or unit_value not in PeriodUnit._value2member_map_:
            return  # an unknown unit is reported by its own select field
        unit = PeriodUnit(unit_value)
        if not 1 <= field.data <= MAX_PERIOD[unit]:
            raise ValidationError(_l("A period must be a whole number between 1 and %(max)s.", max=MAX_PERIOD[unit]))

    return check


class PolicyForm(FlaskForm):
    response_period = IntegerField(
        _l("Time to answer"), validators=[InputRequired(message=_l("Enter the time to answer.")),
                                          _period_in_range("response_unit")])
    response_unit = SelectField(_l("Counted in"), choices=unit_choices)
    acknowledge_period = IntegerField(
        _l("Confirm receipt within"), validators=[Optional(), _period_in_range("acknowledge_unit")],
        description=_l("Leave empty when the law asks for no separate confirmation of receipt."))
    acknowledge_unit = SelectField(_l("Counted in"), choices=unit_choices)
    extension_period = IntegerField(
        _l("Extension of at most"), validators=[Optional(), _period_in_range("extension_unit")],
        description=_l("Leave empty when the deadline may not be extended."))
    extension_unit = SelectField(_l("Counted in"), choices=unit_choices)
    pause_when_waiting = BooleanField(
        _l("Pause the deadline while we wait for information from the requester"))
    clock_starts = SelectField(_l("The deadline starts"), choices=clock_choices)
    honour_gpc = BooleanField(
        _l("Treat a browser's Global Privacy Control signal (Sec-GPC: 1) as a request to opt out of the sale "
           "or sharing of personal information"),
        description=_l("For verified customers living in California (CCPA Regulations § 7025): their provision "
                       "to third parties is stopped once, as if they had asked, and the page tells them."))
    fee_amount = IntegerField(
        _l("Fee in yen"), validators=[Optional(), NumberRange(min=1, max=100_000, message=_l(
            "A fee must be a whole number of yen between 1 and 100,000, or empty for none."))],
        description=_l("Leave empty to charge nothing. The customer sees the fee before filing."))
    fee_payment = TextAreaField(_l("How to pay"), validators=[Optional(), Length(max=1000)],
                                description=_l("E.g. bank transfer to …, or postal money order (定額小為替) with the request."))
    fee_waiver = TextAreaField(_l("When the fee is waived (optional)"), validators=[Optional(), Length(max=1000)])
    four_eyes = BooleanField(
        _l("A manager approves every erasure and rejection before it is applied (four eyes)"),
        description=_l("The staff member who prepares the decision submits it; another staff member, a manager, "
                       "approves it or sends it back. Nothing is erased and the requester is told nothing until then."))

    def validate_fee_payment(self, field) -> None:
        if self.fee_amount.data and not (field.data or "").strip():
            raise ValidationError(_l("Say how the fee is paid."))

    def fill_from(self, policy: Policy) -> None:
        """Show a rule's current values (used on GET only)."""
        for name in EDITABLE_FIELDS:
            value = getattr(policy, name)
            getattr(self, name).data = value.value if hasattr(value, "value") else value
        for name in ("acknowledge_unit", "extension_unit"):
            if getattr(self, name).data is None:
                getattr(self, name).data = PeriodUnit.CALENDAR_DAYS.value

    def rules(self) -> dict[str, Any]:
        """What the dsr services take: an empty optional period means "no such step"."""
        rules: dict[str, Any] = {"pause_when_waiting": bool(self.pause_when_waiting.data),
                                 "honour_gpc": bool(self.honour_gpc.data),
                                 "four_eyes": bool(self.four_eyes.data),
                                 "clock_starts": ClockStart(self.clock_starts.data)}
        rules.update(fee_amount=self.fee_amount.data or None, fee_payment=self.fee_payment.data,
                     fee_waiver=self.fee_waiver.data)
        for prefix in ("response", "acknowledge", "extension"):
            amount = getattr(self, f"{prefix}_period").data
            rules[f"{prefix}_period"] = amount
            rules[f"{prefix}_unit"] = PeriodUnit(getattr(self, f"{prefix}_unit").data) if amount is not None else None
        return rules
