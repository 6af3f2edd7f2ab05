"""Deadline rules in words — the one place they are written: "14日（暦日）, 延長なし, 確認期間中も進行".

Used by the admins' policies page, the staff request page and the services' messages. Periods
are lazy, so they read in the language of whoever sees them (Japanese has one form for every
count; English needs both).
"""
from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.dsr.models import ClockStart, Jurisdiction, PeriodUnit, Policy

JURISDICTION_LABELS = {
    Jurisdiction.APPI: _l("APPI (Japan)"),
    Jurisdiction.GDPR: _l("GDPR (EU)"),
    Jurisdiction.CCPA: _l("CCPA (California)"),
}
JURISDICTION_NOTES = {
    Jurisdiction.APPI: _l("Japan's Act on the Protection of Personal Information: for requesters in Japan and anywhere not listed below."),
    Jurisdiction.GDPR: _l("The EU General Data Protection Regulation: for requesters living in the EU."),
    Jurisdiction.CCPA: _l("The California Consumer Privacy Act: for requesters living in California."),
}
UNIT_LABELS = {
    PeriodUnit.CALENDAR_DAYS: _l("Calendar days"),
    PeriodUnit.BUSINESS_DAYS: _l("Business days (no weekends or Japanese public holidays)"),
    PeriodUnit.MONTHS: _l("Months"),
}
CLOCK_START_LABELS = {
    ClockStart.VERIFIED: _l("When the requester's identity has been verified"),
    ClockStart.RECEIVED: _l("When the request is received"),
}


def period(amount: int, unit: PeriodUnit | str):
    """"14日（暦日）", "10営業日", "2か月" — calendar days say so, as business days are common too."""
    unit = PeriodUnit(unit)
    if unit is PeriodUnit.CALENDAR_DAYS:
        return lazy_ngettext("%(num)d day (calendar days)", "%(num)d days (calendar days)", amount)
    if unit is PeriodUnit.BUSINESS_DAYS:
        return lazy_ngettext("%(num)d business day", "%(num)d business days", amount)
    return lazy_ngettext("%(num)d month", "%(num)d months", amount)


def summary(policy: Policy) -> list[str]:
    """The rule as short phrases: answer period, extension, pause, receipt step, start of the clock."""
    phrases = [period(policy.response_period, policy.response_unit)]
    if policy.extension_period and policy.extension_unit:
        phrases.append(_("extension of up to %(period)s", period=period(policy.extension_period, policy.extension_unit)))
    else:
        phrases.append(_("no extension"))
    if policy.pause_when_waiting:
        phrases.append(_("paused while waiting for the requester"))
    else:
        phrases.append(_("keeps running while waiting for the requester"))
    if policy.acknowledge_period and policy.acknowledge_unit:
        phrases.append(_("confirm receipt within %(period)s", period=period(policy.acknowledge_period, policy.acknowledge_unit)))
    if policy.clock_starts is ClockStart.RECEIVED:
        phrases.append(_("counted from receipt"))
    else:
        phrases.append(_("counted from verification"))
    if policy.fee_amount:
        phrases.append(_("fee %(amount)s yen", amount=format_decimal(policy.fee_amount)))
    if policy.four_eyes:
        phrases.append(_("erasures and rejections approved by a manager"))
    return phrases
