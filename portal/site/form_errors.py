"""The errors of a submitted form as (field id, message) pairs, for the summary at the top of
every form page (templates/_error_summary.html): nested forms and lists of entries included."""
from __future__ import annotations

from typing import Iterator

from wtforms.widgets import ListWidget


def error_links(form) -> list[tuple[str, str]]:
    """Each error of `form` with the id of the field it belongs to, in the order they appear."""
    if form is None:
        return []
    found = [("main", str(message)) for message in getattr(form, "form_errors", None) or []]
    return found + list(_walk(form))


def _walk(form) -> Iterator[tuple[str, str]]:
    for field in form:
        if field.type in ("CSRFTokenField",):
            for message in field.errors:
                yield "main", str(message)
        elif field.type == "FormField":
            yield from _walk(field.form)
        elif field.type == "FieldList":
            for entry in field:
                if entry.type == "FormField":
                    yield from _walk(entry.form)
                else:
                    yield from ((entry.id, str(m)) for m in entry.errors)
        elif isinstance(field.errors, (list, tuple)):
            yield from ((_target(field), str(message)) for message in field.errors)


def _target(field) -> str:
    """Radio buttons and check boxes have no element of the field's own id: link the first one."""
    if isinstance(field.widget, ListWidget):
        first = next(iter(field), None)
        if first is not None:
            return first.id
    return field.id
