"""Options of select, radio and checkbox fields, in the shape WTForms 3.2+ takes them.

WTForms deprecated choices given as `(value, label)` tuples (removed in 3.4); it wants
`SelectChoice` objects. Our label tables stay plain pairs (they are read as words elsewhere
too); fields get them through `options()`. Templates read `choice.value` and `choice.label`.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms.fields.choices import SelectChoice


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """`(value, label)` pairs as the `SelectChoice`s a field's `choices` takes."""
    return [SelectChoice(value, label) for value, label in pairs]
