"""/staff/retention: items kept past their `retain_until`, and the periods `tick` applies."""
from __future__ import annotations

from flask import Blueprint, render_template

from portal.inventory.labels import category_name, field_name
from portal.retention.periods import periods
from portal.retention.services import count_items_past_retention, items_past_retention, legal_holds_in_force
from portal.staff.auth import role_required

bp = Blueprint("retention", __name__, url_prefix="/staff/retention")


@bp.get("")
@role_required("agent")
def index():
    """Counts per person key and category (no values), the legal holds in force, the periods."""
    return render_template("staff/retention.html", rows=items_past_retention(),
                           total=count_items_past_retention(), holds=legal_holds_in_force(), periods=periods(),
                           category_name=category_name, field_name=field_name)
