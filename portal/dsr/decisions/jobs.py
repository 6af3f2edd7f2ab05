"""Disclosure packages' part of `tick`: delete the files of packages past their 7 days."""
from __future__ import annotations

import sqlalchemy as sa

from portal.common.time import utcnow
from portal.dsr.decisions.packages import STRAY_AFTER, DisclosurePackage, package_folder
from portal.extensions import db
from portal.scheduler.jobs import register_job


@register_job("disclosure-packages")
def delete_expired_packages() -> str:
    """Delete expired packages' files and mark them deleted; remove strays no row knows.

    Rows are claimed with SKIP LOCKED and deleting a missing file is no error, so two ticks
    at once do no harm.
    """
    now = utcnow()
    expired = list(db.session.scalars(
        sa.select(DisclosurePackage)
        .where(DisclosurePackage.deleted_at.is_(None), DisclosurePackage.expires_at <= now)
        .order_by(DisclosurePackage.id)
        .with_for_update(skip_locked=True)
    ))
    folder = package_folder()
    for package in expired:
        (folder / package.path).unlink(missing_ok=True)
        package.deleted_at = now
    strays = _remove_strays(folder, now)
    if not (expired or strays):
        return "nothing to delete"
    return f"{len(expired)} expired packages and {strays} stray files deleted"


def _remove_strays(folder, now) -> int:
    """Files left by decisions that rolled back after writing their package."""
    old_enough = now.timestamp() - STRAY_AFTER.total_seconds()
    candidates = {path.name: path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < old_enough}
    if not candidates:
        return 0
    known = set(db.session.scalars(sa.select(DisclosurePackage.path).where(DisclosurePackage.path.in_(list(candidates)))))
    strays = [path for name, path in candidates.items() if name not in known]
    for path in strays:
        path.unlink(missing_ok=True)
    return len(strays)
