"""The items of the Commission's report form (Enforcement Rules Art. 8(1)), in its order."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: key → the item as the form names it. The same keys are stored in the draft and in each
#: submitted version, so a printed report always shows every item, empty or not.
REPORT_ITEMS = {
    "summary": _l("Summary of the incident"),
    "data_items": _l("Items of personal data leaked, lost or damaged, or possibly so"),
    "persons_count": _l("Number of persons concerned"),
    "cause": _l("Cause"),
    "secondary_harm": _l("Whether there is secondary harm or a risk of it, and what it is"),
    "response_to_persons": _l("What has been done for the persons concerned"),
    "publication": _l("Whether and how the incident has been made public"),
    "prevention": _l("Measures to prevent it happening again"),
    "other": _l("Other matters for reference"),
}

ITEM_MAX = 5000


def clean_items(values: dict) -> dict[str, str]:
    """Only the form's items, as trimmed text (an empty item is kept as "")."""
    return {key: str(values.get(key) or "").strip()[:ITEM_MAX] for key in REPORT_ITEMS}
