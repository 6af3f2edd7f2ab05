"""Masking rules for the "my data" page before the customer has passed the extra check.

An email link alone proves only that someone can read the mailbox; until the step-up check
(data only the customer knows) succeeds, values are shown just enough to be recognised.
Every rule lives here so there is one place to review what leaves the server masked.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

STARS = "****"

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)
_PREFECTURE = re.compile("|".join(PREFECTURES))


def mask_phone(value: str) -> str:
    """`090-1234-5678` → `090-****-5678`: the first group and the last four digits stay.

    Without separators the first three digits stay (`090****5678`); at least four digits are
    always hidden, so a short or oddly grouped number is never shown whole.
    """
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    first_group = re.match(r"^[\s+(]*(\d{1,4})(?=\D)", value)
    head = len(first_group.group(1)) if first_group else 3
    if len(digits) - head - 4 < 4:
        head = max(0, len(digits) - 8)
    if len(digits) < 8:
        return STARS
    keep = set(digits[:head]) | set(digits[-4:])
    return "".join("*" if ch.isdigit() and i not in keep else ch for i, ch in enumerate(value))


def mask_address(value: str) -> str:
    """Cut after the prefecture (都道府県): `東京都港区…` → `東京都 ****`."""
    match = _PREFECTURE.search(value)
    return f"{match.group(0)} {STARS}" if match else STARS


def mask_email(value: str) -> str:
    """`hanako@example.jp` → `h***@example.jp`."""
    local, at, domain = value.strip().partition("@")
    if not at or not local:
        return STARS
    return f"{local[0]}***@{domain}"


def mask_birthdate(value: date | str) -> str:
    """Year only: `1985-04-01` → `1985-**-**`."""
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    match = re.match(r"^(\d{4})", text)
    return f"{match.group(1)}-**-**" if match else STARS


def mask_number(value: str) -> str:
    """Customer and card numbers: the last four characters only (`****1234`)."""
    tail = re.sub(r"[\s-]", "", str(value))[-4:]
    return f"{STARS}{tail}" if len(tail) == 4 and len(str(value)) > 4 else STARS


def mask_name(value: str) -> str:
    """`山田 花子` → `山田 **`; a name without a space keeps its first character (`山**`)."""
    parts = value.strip().replace("\u3000", " ").split()
    if not parts:
        return STARS
    if len(parts) == 1:
        return parts[0][:1] + "**"
    return f"{parts[0]} **"


# Field names as companies commonly export them, mapped to the rule that fits.
FIELD_RULES = {
    "name": mask_name, "full_name": mask_name, "name_kana": mask_name, "kana": mask_name,
    "family_name": mask_name, "given_name": mask_name, "contact_name": mask_name,
    "email": mask_email, "mail": mask_email, "email_address": mask_email,
    "phone": mask_phone, "tel": mask_phone, "mobile": mask_phone, "telephone": mask_phone,
    "phone_number": mask_phone, "fax": mask_phone,
    "address": mask_address, "home_address": mask_address, "postal_address": mask_address,
    "birthdate": mask_birthdate, "birthday": mask_birthdate, "date_of_birth": mask_birthdate,
    "work_email": mask_email, "work_phone": mask_phone, "work_address": mask_address,
    "customer_number": mask_number, "legacy_member_number": mask_number, "card_number": mask_number, "member_number": mask_number,
    "membership_number": mask_number, "account_number": mask_number,
}


def mask_value(field: str, value: Any) -> str | None:
    """The masked text of an item value; None means "structured: show only a summary".

    Unknown free-text fields are hidden completely: we cannot know what they reveal.
    """
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return None
    rule = FIELD_RULES.get(field.lower())
    return rule(str(value)) if rule else STARS


def mask_person(person) -> dict[str, str | None]:
    """The register entry (name, email, phone …) with every value masked."""
    return {
        "name": mask_name(person.name) if person.name else None,
        "name_kana": mask_name(person.name_kana) if person.name_kana else None,
        "email": mask_email(person.email) if person.email else None,
        "phone": mask_phone(person.phone) if person.phone else None,
        "birthdate": mask_birthdate(person.birthdate) if person.birthdate else None,
        "customer_number": mask_number(person.customer_number) if person.customer_number else None,
    }
