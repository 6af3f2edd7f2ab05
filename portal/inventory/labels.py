"""Words a customer understands for the inventory's codes: categories, source kinds, bases, fields."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_app_context
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.i18n import current_language
from portal.inventory.models import Category, Channel, FieldLabel, ProvisionBasis, SourceKind

# The order categories appear in on "my data": who you are first, then how we reach you,
# then what we learnt from dealing with you.
CATEGORY_ORDER = (
    Category.IDENTITY, Category.CONTACT, Category.DEMOGRAPHIC, Category.MEMBERSHIP,
    Category.BUSINESS_CARD, Category.PREFERENCE, Category.SURVEY, Category.PURCHASE,
    Category.POINTS, Category.DEVICE, Category.PHOTO, Category.OTHER,
)

CATEGORY_NAMES = {
    Category.IDENTITY: _l("Who you are"),
    Category.CONTACT: _l("How to reach you"),
    Category.DEMOGRAPHIC: _l("Date of birth, gender and similar"),
    Category.MEMBERSHIP: _l("Membership"),
    Category.BUSINESS_CARD: _l("Business card"),
    Category.PREFERENCE: _l("Your preferences"),
    Category.SURVEY: _l("Survey answers"),
    Category.PURCHASE: _l("Purchase history"),
    Category.POINTS: _l("Points"),
    Category.DEVICE: _l("Devices and app"),
    Category.PHOTO: _l("Photos"),
    Category.OTHER: _l("Other"),
}

SOURCE_KIND_WORDS = {
    SourceKind.DIRECT: _l("You gave it to us directly"),
    SourceKind.PURCHASE: _l("From your purchase"),
    SourceKind.MEMBERSHIP: _l("From your membership registration"),
    SourceKind.SURVEY: _l("From your survey answers"),
    SourceKind.CAMPAIGN: _l("From your campaign entry"),
    SourceKind.EVENT: _l("At an event"),
    SourceKind.BUSINESS_CARD: _l("From a business card you gave us"),
    SourceKind.PURCHASED_LIST: _l("From a list we bought from another company"),
    SourceKind.PARTNER: _l("From a partner company"),
    SourceKind.GROUP_COMPANY: _l("From a company of our group"),
    SourceKind.PUBLIC: _l("From published information"),
    SourceKind.OTHER: _l("Other"),
}

BASIS_WORDS = {
    ProvisionBasis.CONSENT: _l("With your consent"),
    ProvisionBasis.OPT_OUT: _l("Under the opt-out procedure notified to the Personal Information Protection Commission"),
    ProvisionBasis.LAW: _l("Because a law required it"),
    ProvisionBasis.ENTRUSTMENT: _l("To a contractor handling it on our behalf"),
    ProvisionBasis.JOINT_USE: _l("For joint use with the partner named in our public notice"),
}

CHANNEL_WORDS = {
    Channel.EMAIL: _l("by email"),
    Channel.POST: _l("by post"),
    Channel.PHONE: _l("by phone"),
    Channel.SMS: _l("by SMS"),
    Channel.NONE: None,
}

# Field names companies commonly use; a company names its own fields with `labels` in the import.
FIELD_NAMES = {
    "name": _l("Name"), "full_name": _l("Name"), "name_kana": _l("Name (kana)"),
    "email": _l("Email address"), "phone": _l("Phone number"), "mobile": _l("Mobile phone"),
    "address": _l("Address"), "postal_code": _l("Postal code"), "birthdate": _l("Date of birth"),
    "gender": _l("Gender"), "customer_number": _l("Customer number"),
    "card_number": _l("Card number"), "member_number": _l("Membership number"),
    "rank": _l("Membership rank"), "company": _l("Company"), "department": _l("Department"),
    "title": _l("Job title"), "newsletter": _l("Newsletter"), "line": _l("Purchase"),
    "earned": _l("Points earned"), "used": _l("Points used"), "answer": _l("Answer"),
    "work_address": _l("Work address"), "work_email": _l("Work email address"),
    "work_phone": _l("Work phone number"), "age_range": _l("Age range"),
    "app_install_id": _l("App installation ID"), "os": _l("Operating system"),
    "push_notifications": _l("Push notifications"), "joined_on": _l("Joined on"),
    "legacy_joined_on": _l("Joined on (former system)"),
    "legacy_member_number": _l("Membership number (former system)"), "partner_offer": _l("Partner offer"),
    "campaign_entry": _l("Campaign entry"), "public_profile": _l("Public profile"),
    "balance": _l("Point balance"), "monthly": _l("Points per month"),
    "favourite_store": _l("Favourite store"), "interests": _l("Interests"), "comment": _l("Comment"),
    "favourite_section": _l("Favourite section"), "satisfaction": _l("Satisfaction"),
    "visit_frequency": _l("How often you visit"),
}


#: Staff pages name a category about the person, not to them: the customer's names that address
#: the customer ("Who you are") read otherwise there; the rest read the same on both sides.
STAFF_CATEGORY_NAMES = {
    Category.IDENTITY: _l("Identity (name, kana and the like)"),
    Category.CONTACT: _l("Contact details"),
    Category.PREFERENCE: _l("The person's preferences"),
}


def category_name(category: Category | str) -> str:
    """The category as the customer reads it ("Who you are")."""
    return str(CATEGORY_NAMES.get(Category(category), category))


def staff_category_name(category: Category | str) -> str:
    """The category as staff pages name it ("Identity (name, kana and the like)")."""
    category = Category(category)
    return str(STAFF_CATEGORY_NAMES.get(category) or CATEGORY_NAMES.get(category, category))


_CACHE_KEY = "madoguchi.field_labels"


def declared_labels() -> dict[tuple[str | None, str], tuple[str, str]]:
    """The company's declared labels (field_label): (category, field) → (ja, en), and
    (None, field) → the first declared for that field, for callers that know no category.

    Read once per app context — a request, or a CLI command or `tick` job building a package
    that names 100,000 lines — so a later request sees a new import."""
    cache = g if has_app_context() else None
    if cache is not None and _CACHE_KEY in cache:
        return cache.get(_CACHE_KEY)
    labels: dict[tuple[str | None, str], tuple[str, str]] = {}
    rows = db.session.execute(sa.select(FieldLabel.category, FieldLabel.field, FieldLabel.label_ja,
                                        FieldLabel.label_en).order_by(FieldLabel.id))
    for category, field, label_ja, label_en in rows:
        labels[(str(category), field)] = (label_ja, label_en)
        labels.setdefault((None, field), (label_ja, label_en))
    if cache is not None:
        setattr(cache, _CACHE_KEY, labels)
    return labels


def forget_declared_labels() -> None:
    """After an import wrote labels: the rest of this request or command reads them afresh."""
    if has_app_context():
        g.pop(_CACHE_KEY, None)


def _humanised(field: str) -> str:
    """`sakura_card` → `Sakura card`: a key no one has named, still not shown as code."""
    words = " ".join(field.replace("_", " ").replace("-", " ").replace(".", " ").split())
    return words[:1].upper() + words[1:]


def field_name(field: str, category: Category | str | None = None) -> str:
    """A field in the viewer's language: the company's declared label (source `labels`), then
    the words below, then `Other item (Sakura card)` — never the raw key."""
    declared = declared_labels()
    found = declared.get((None if category is None else str(category), field))
    if found:
        return found[1] if current_language() == "en" else found[0]
    label = FIELD_NAMES.get(field.lower())
    if label:
        return str(label)
    if not field:
        return ""
    if not field.isascii():
        return field  # already words (a CSV column named 会員ランク), not a code
    return _("Other item (%(name)s)", name=_humanised(field))


def item_name(name: str) -> str:
    """`contact.address` (as provision records name items) → `How to reach you: Address`."""
    category, _sep, field = name.partition(".")
    try:
        return f"{category_name(category)}: {field_name(field, category)}" if field else category_name(category)
    except ValueError:
        return name


# Parts of structured values such as purchase lines and point records.
DETAIL_NAMES = {
    "sku": _l("Product code"), "product": _l("Product"), "name": _l("Name"), "item": _l("Product"),
    "price": _l("Price"), "unit_price": _l("Price"), "qty": _l("Quantity"), "quantity": _l("Quantity"),
    "amount": _l("Amount"), "total": _l("Amount"), "currency": _l("Currency"), "store": _l("Store"),
    "shop": _l("Store"), "order": _l("Order number"), "order_id": _l("Order number"),
    "points": _l("Points"), "reason": _l("Reason"), "balance": _l("Balance"), "channel": _l("Channel"),
    "payment": _l("Payment"), "date": _l("Date"), "month": _l("Month"), "earned": _l("Points earned"),
    "used": _l("Points used"), "as_of": _l("As of"), "card": _l("Card"), "joined_on": _l("Joined on"),
    "campaign": _l("Campaign"), "course": _l("Course"), "answer": _l("Answer"), "result": _l("Result"),
}


def detail_name(key: str) -> str:
    label = DETAIL_NAMES.get(str(key).lower())
    return str(label) if label else str(key)


# Parts of a line that are prices in yen (a customer reads ¥1,200, not 1200).
PRICE_KEYS = frozenset({"price", "unit_price", "amount", "total"})


def yen(amount) -> str:
    """¥1,200 in either language (Babel writes the full-width ￥ in Japanese)."""
    return "¥" + format_decimal(amount)


def detail_value(key: str, value) -> str:
    """A part of a structured value as a customer reads it: prices in yen, numbers grouped."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, float)):
        if str(key).lower() in PRICE_KEYS:
            return yen(value)
        return format_decimal(value)
    return str(value)


def source_kind_words(kind: SourceKind | str) -> str:
    return str(SOURCE_KIND_WORDS[SourceKind(kind)])


def channel_words(channel: Channel | str) -> str | None:
    words = CHANNEL_WORDS[Channel(channel)]
    return str(words) if words is not None else None
