"""What a purchase or points line is worth, read from its structured value.

Kept as a clear number beside the encrypted value (Item.amount) so a person's totals are
summed in SQL; an amount alone does not identify anyone.
"""
from __future__ import annotations

import math
from typing import Any

# Keys of a structured value that hold its amount, by category; the first present one counts.
AMOUNT_KEYS = {
    "purchase": ("amount", "total"),
    "points": ("points", "amount"),
}
# A purchase line without an amount is priced as price × quantity.
PRICE_KEYS, QUANTITY_KEYS = ("price", "unit_price"), ("quantity", "qty")


def _number(value: dict, keys: tuple[str, ...]) -> int | float | None:
    """The first key holding a JSON number (text like "1,200" and booleans never count)."""
    for key in keys:
        found = value.get(key)
        if type(found) in _NUMBERS or (isinstance(found, (int, float)) and not isinstance(found, bool)):
            return found
    return None


_NUMBERS = frozenset({int, float})  # the JSON numbers, checked first (bool is a subclass of int)


def line_amount(category: Any, value: Any) -> float | None:
    keys = AMOUNT_KEYS.get(category)  # a Category (a StrEnum) finds its value's entry
    if keys is None or not isinstance(value, dict):
        return None
    amount = _number(value, keys)
    if amount is None and category == "purchase":
        price = _number(value, PRICE_KEYS)
        if price is not None:
            quantity = _number(value, QUANTITY_KEYS)
            amount = price * (1 if quantity is None else quantity)
    return _as_float(amount)


def _as_float(amount: int | float | None) -> float | None:
    """A float the database can sum; a number beyond any real amount counts as none."""
    if amount is None:
        return None
    try:
        result = float(amount)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None
