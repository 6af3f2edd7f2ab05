"""The upload form, and the column-mapping form built for the upload's header."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.common.choices import options

ENCODINGS = [("", _l("Detect (UTF-8 or Shift_JIS)")), ("utf-8", "UTF-8"), ("cp932", "Shift_JIS (CP932)")]

# Where a column can go: the person's own fields, further contact points, business-card items.
TARGETS = [
    ("", _l("Not loaded")),
    ("person.name", _l("Name")),
    ("person.name_kana", _l("Name (kana)")),
    ("person.email", _l("E-mail address")),
    ("person.phone", _l("Phone")),
    ("person.birthdate", _l("Date of birth")),
    ("person.customer_number", _l("Customer number")),
    ("contact.email", _l("Further e-mail address")),
    ("contact.phone", _l("Further phone")),
    ("contact.mobile", _l("Mobile phone")),
    ("contact.postal_code", _l("Postal code")),
    ("contact.address", _l("Postal address")),
    ("business_card.company", _l("Company (business card)")),
    ("business_card.department", _l("Department (business card)")),
    ("business_card.title", _l("Job title (business card)")),
    ("business_card.phone", _l("Company phone (business card)")),
    ("business_card.fax", _l("Fax (business card)")),
    ("business_card.url", _l("Web site (business card)")),
]


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    encoding = SelectField(_l("Character encoding"), choices=options(ENCODINGS), default="")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoadForm(FlaskForm):
    mapping_id = HiddenField()


def column_field(index: int) -> str:
    return f"column_{index}"


def mapping_form(header: list[str], sources: list[tuple[str, str]], purposes: list[tuple[str, str]],
                 **kwargs) -> FlaskForm:
    """The mapping form for this header: one choice per column, then key, source, purposes, time."""
    columns = [(name, name) for name in header]
    # A class body cannot see a function's names it also defines: pass them under other names.
    source_choices, purpose_choices = options(sources), options(purposes)

    class MappingForm(FlaskForm):
        name = StringField(_l("Save the mapping as"), validators=[DataRequired(), Length(max=100)])
        key = SelectField(_l("Column with the person's key"), choices=options(columns))
        key_prefix = StringField(_l("Prefix added to the key"), validators=[Optional(), Length(max=20)])
        source = SelectField(_l("Source of the data"), choices=source_choices,
                             validators=[DataRequired(_l("Load the source first (import-data)."))])
        purposes = MultiCheckboxField(_l("Purposes of use"), choices=purpose_choices,
                                      validators=[DataRequired(_l("Choose at least one purpose."))])
        collected_at = SelectField(_l("Column with the collection date"), choices=options([("", _l("None"))] + columns))
        collected_on = StringField(_l("Or one date for every row"), validators=[Optional(), Length(max=30)])

    for index, column in enumerate(header):
        setattr(MappingForm, column_field(index), SelectField(column, choices=options(TARGETS), default=""))
    return MappingForm(**kwargs)


def mapping_from(form, header: list[str]) -> dict:
    """The mapping file (csv-import.md) the form describes."""
    columns = {column: getattr(form, column_field(index)).data for index, column in enumerate(header)
               if getattr(form, column_field(index)).data}
    mapping = {"key": form.key.data, "source": form.source.data, "purposes": list(form.purposes.data),
               "columns": columns}
    if form.key_prefix.data:
        mapping["key_prefix"] = form.key_prefix.data.strip()
    collected = form.collected_at.data or (form.collected_on.data or "").strip()
    if collected:
        mapping["collected_at"] = collected
    return mapping


def form_data(name: str, mapping: dict, header: list[str]) -> dict:
    """What the form shows for a saved mapping (columns the header lacks are left out)."""
    known = {value for value, _ in TARGETS}
    data = {"name": name, "key": mapping.get("key"), "key_prefix": mapping.get("key_prefix", ""),
            "source": mapping.get("source"), "purposes": mapping.get("purposes", [])}
    collected = mapping.get("collected_at") or ""
    data["collected_at" if collected in header else "collected_on"] = collected
    for index, column in enumerate(header):
        target = str(mapping.get("columns", {}).get(column, "")).replace("business-card.", "business_card.")
        data[column_field(index)] = target if target in known else ""
    return data
