"""The notice's wording: ja/en templates a manager edits, filled per person with where their
data came from.

Placeholders are `${name}` (string.Template): no attribute access or code, so a template
typed on a web page can only insert the values offered here. The link to the answer page and
the unsubscribe line are added by the mail itself, so no wording can leave them out.
"""
from __future__ import annotations

import hashlib
from datetime import date
from string import Template

from flask import current_app
from flask_babel import force_locale, format_date, gettext as _

from portal.inventory.models import Purpose, Source

PLACEHOLDERS = ("company", "source", "provider", "how_obtained", "obtained_on", "purposes", "answer_by")

DEFAULT_SUBJECT = {
    "ja": "【${company}】お客様の個人情報の取得元と利用についてのお知らせ",
    "en": "${company}: where we obtained your personal data and how we use it",
}
DEFAULT_BODY = {
    "ja": (
        "${company}より、お客様の個人情報の取得元と利用目的についてお知らせいたします。\n\n"
        "当社は、お客様の個人情報を次のとおり取得いたしました。\n"
        "・取得元：${source}\n"
        "・提供元：${provider}\n"
        "・提供元における取得の経緯：${how_obtained}\n"
        "・取得日：${obtained_on}\n\n"
        "当社は、この情報を次の目的で利用しております。\n${purposes}\n\n"
        "引き続きこの目的での利用をお認めいただけるかどうか、${answer_by}までに下記のページから"
        "目的ごとにお知らせください。ご回答がない場合の取り扱いも同じページでご確認いただけます。"
    ),
    "en": (
        "${company} would like to tell you where we obtained your personal data and what we use it for.\n\n"
        "We obtained your personal data as follows.\n"
        "- Source: ${source}\n"
        "- Provided by: ${provider}\n"
        "- How the provider obtained it: ${how_obtained}\n"
        "- Obtained on: ${obtained_on}\n\n"
        "We use it for the following purposes.\n${purposes}\n\n"
        "Please tell us by ${answer_by}, purpose by purpose, whether we may go on using it, on the page "
        "linked below. The same page says what happens if we do not hear from you."
    ),
}


class WordingInvalid(ValueError):
    """A template names an unknown placeholder or is malformed; `placeholder` names it."""

    def __init__(self, field: str, placeholder: str | None):
        super().__init__(f"{field}: {placeholder!r}")
        self.field = field
        self.placeholder = placeholder


def check(field: str, text: str) -> None:
    """Refuse a template that names something we cannot fill (a typo would reach customers)."""
    template = Template(text)
    if not template.is_valid():
        raise WordingInvalid(field, None)
    for name in template.get_identifiers():
        if name not in PLACEHOLDERS:
            raise WordingInvalid(field, name)


def notice_version(campaign_id: int, texts: list[str]) -> str:
    """`c12-1a2b3c4d`: the campaign and a digest of the exact wording sent."""
    digest = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:8]
    return f"c{campaign_id}-{digest}"


def company_name(language: str) -> str:
    """The company's name from the public profile, as the mail and page templates see it."""
    context: dict = {}
    current_app.update_template_context(context)
    name = (context.get("company") or {}).get("name", "")
    if isinstance(name, dict):
        return name.get(language) or name.get("ja") or ""
    return name or ""


def values(language: str, *, source: Source | None, purposes: list[Purpose], answer_by: date) -> dict[str, str]:
    """The placeholder values for one person, in `language`."""
    with force_locale(language):
        if source is None:
            source_name = provider = how = obtained = _("Not recorded")
        else:
            source_name = (source.name_en if language == "en" else source.name_ja) or source.name_ja
            if source.kind.is_third_party:
                provider = source.provider or _("Not recorded")
                how = source.provider_obtained_by or _("Not recorded")
            else:
                provider = _("None (we obtained it ourselves)")
                how = _("Not applicable")
            obtained = format_date(source.obtained_on, "long") if source.obtained_on else _("Not recorded")
        titles = [(p.title_en if language == "en" else p.title_ja) or p.title_ja for p in purposes]
        return {
            "company": company_name(language),
            "source": source_name,
            "provider": provider,
            "how_obtained": how,
            "obtained_on": obtained,
            "purposes": "\n".join(("・" if language == "ja" else "- ") + title for title in titles),
            "answer_by": format_date(answer_by, "long"),
        }


def fill(text: str, filled: dict[str, str]) -> str:
    return Template(text).safe_substitute(filled)
