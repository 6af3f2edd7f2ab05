"""Where uploaded files are kept (letters of authority, CSV exports waiting to be loaded)."""
from __future__ import annotations

import os
from pathlib import Path

from flask import current_app


def upload_dir() -> Path:
    """The folder for uploads; refuses one inside `static/`, which the web server publishes."""
    configured = current_app.config.get("PORTAL_UPLOAD_DIR")
    folder = Path(configured or os.path.join(current_app.instance_path, "uploads")).resolve()
    static = Path(current_app.static_folder).resolve() if current_app.static_folder else None
    if static is not None and (folder == static or static in folder.parents):
        raise RuntimeError("PORTAL_UPLOAD_DIR must not be inside the static folder")
    return folder
