"""The merge and undo forms (CSRF only: which records is in the URL and hidden fields)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class MergeForm(FlaskForm):
    merged = HiddenField()
    into = HiddenField()
    evidence = HiddenField()


class UndoForm(FlaskForm):
    pass
