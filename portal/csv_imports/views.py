"""/staff/imports: upload a CSV export, map its columns with a preview, check it, load it.

Managers only: a load changes the register. The preview shows personal data, so each view
of it is audited; the upload, the saved mapping and the load are audited by their services.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.extensions import db
from portal.inventory.csv_uploads import (
    CsvMapping,
    CsvUpload,
    UploadRefused,
    preview_rows,
    run_upload,
    save_mapping,
    store_upload,
)
from portal.inventory.importer import ImportFailed, MappingInvalid
from portal.inventory.models import Purpose, Source
from portal.csv_imports.forms import LoadForm, UploadForm, form_data, mapping_form, mapping_from
from portal.staff.auth import current_staff, role_required
from portal.staff.login import staff_actor

bp = Blueprint("csv_imports", __name__, url_prefix="/staff/imports")

RECORD_LABELS = {
    "source": _l("sources"), "purpose": _l("purposes of use"), "person": _l("persons"),
    "item": _l("items of data"), "consent": _l("consent records"), "provision": _l("provision records"),
}


def counted(counts: dict[str, int]) -> str:
    """`persons: 2, items of data: 5` in the viewer's language (types with none left out)."""
    return _(", ").join(f"{RECORD_LABELS[kind]}: {count:,}" for kind, count in counts.items() if count) or "0"


@bp.get("")
@role_required("manager")
def index():
    uploads = db.session.scalars(sa.select(CsvUpload).order_by(CsvUpload.id.desc()).limit(20)).all()
    mappings = db.session.scalars(sa.select(CsvMapping).order_by(CsvMapping.name)).all()
    return render_template("csv_imports/index.html", form=UploadForm(), uploads=uploads, mappings=mappings)


@bp.post("")
@role_required("manager")
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        file = form.file.data
        try:
            stored = store_upload(file.read(), file.filename or "upload.csv", encoding=form.encoding.data or None,
                                  actor=staff_actor(current_staff()))
        except UploadRefused as refused:
            form.file.errors = [_("The file cannot be read: %(reason)s", reason=str(refused))]
        else:
            db.session.commit()
            return redirect(url_for("csv_imports.mapping", upload_id=stored.id))
    return render_template("csv_imports/index.html", form=form, uploads=[], mappings=[]), 400


def _upload_or_404(upload_id: int) -> CsvUpload:
    found = db.session.get(CsvUpload, upload_id)
    if found is None or found.loaded_at is not None:
        abort(404)
    return found


def _form(upload: CsvUpload, **kwargs):
    sources = [(key, f"{name} ({key})") for key, name in db.session.execute(
        sa.select(Source.key, Source.name_ja).order_by(Source.key))]
    purposes = [(key, title) for key, title in db.session.execute(
        sa.select(Purpose.key, Purpose.title_ja).order_by(Purpose.key))]
    return mapping_form(upload.header, sources, purposes, **kwargs)


def _page(upload: CsvUpload, form, *, result=None, problems=None, load_form=None, status: int = 200):
    """The mapping page with its preview of the first rows (a view of personal data: audited)."""
    rows = preview_rows(upload)
    record("inventory.csv_previewed", actor=staff_actor(current_staff()), target_type="csv_upload",
           target_id=upload.id, details={"rows": len(rows)})
    db.session.commit()
    mappings = db.session.scalars(sa.select(CsvMapping).order_by(CsvMapping.name)).all()
    return render_template("csv_imports/mapping.html", upload=upload, rows=rows, form=form, mappings=mappings,
                           counts=counted(result.counts) if result else None, problems=problems,
                           load_form=load_form), status


@bp.get("/<int:upload_id>")
@role_required("manager")
def mapping(upload_id: int):
    upload = _upload_or_404(upload_id)
    saved = db.session.get(CsvMapping, request.args.get("mapping", type=int) or 0)
    data = form_data(saved.name, saved.mapping, upload.header) if saved else {}
    return _page(upload, _form(upload, formdata=None, data=data))


@bp.post("/<int:upload_id>/check")
@role_required("manager")
def check(upload_id: int):
    """Save the mapping, then a dry run: the counts, or every problem by CSV line."""
    upload = _upload_or_404(upload_id)
    form = _form(upload)
    if not form.validate_on_submit():
        return _page(upload, form, status=400)
    actor = staff_actor(current_staff())
    try:
        saved = save_mapping(form.name.data.strip(), mapping_from(form, upload.header), actor=actor)
        db.session.commit()
        result = run_upload(upload, saved.mapping, dry_run=True, actor=actor)
    except MappingInvalid as invalid:
        db.session.rollback()
        return _page(upload, form, problems=invalid.problems, status=400)
    except ImportFailed as failure:
        return _page(upload, form, problems=[str(problem) for problem in failure.problems], status=400)
    return _page(upload, form, result=result, load_form=LoadForm(mapping_id=saved.id))


@bp.post("/<int:upload_id>/load")
@role_required("manager")
def load(upload_id: int):
    upload = _upload_or_404(upload_id)
    form = LoadForm()
    saved = db.session.get(CsvMapping, int(form.mapping_id.data or 0)) if form.validate_on_submit() else None
    if saved is None:
        abort(400)
    try:
        result = run_upload(upload, saved.mapping, dry_run=False, actor=staff_actor(current_staff()))
    except ImportFailed as failure:
        data = form_data(saved.name, saved.mapping, upload.header)
        return _page(upload, _form(upload, formdata=None, data=data),
                     problems=[str(problem) for problem in failure.problems], status=400)
    flash(_("Loaded: %(counts)s. New: %(created)s, changed: %(updated)s.", counts=counted(result.counts),
            created=sum(result.changes.created.values()), updated=sum(result.changes.updated.values())), "success")
    return redirect(url_for("csv_imports.index"))
