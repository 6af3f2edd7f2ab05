"""Words for the campaigns' statuses and choices, shared by the staff and customer pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.campaigns.models import CampaignStatus, Choice, WhenSilent

STATUS_LABELS = {
    CampaignStatus.DRAFT: _l("Not sent yet"),
    CampaignStatus.SENDING: _l("Sent, taking answers"),
    CampaignStatus.CLOSED: _l("Answers closed"),
}
CHOICE_LABELS = {
    Choice.CONTINUE: _l("Agreed to continue"),
    Choice.STOP: _l("Asked to stop"),
    Choice.ERASE: _l("Asked for erasure"),
    Choice.NO_ANSWER: _l("No answer"),
}
SILENCE_LABELS = {
    WhenSilent.KEEP: _l("Keep using it"),
    WhenSilent.WITHDRAW: _l("Treat as withdrawn (stop)"),
}


def campaign_words() -> dict:
    return {"campaign_status_label": lambda s: STATUS_LABELS[CampaignStatus(s)],
            "choice_label": lambda c: CHOICE_LABELS[Choice(c)],
            "silence_label": lambda w: SILENCE_LABELS[WhenSilent(w)]}
