"""The areas of the staff frame, and who may use each.

An area appears (in the header and on the landing page) only when its endpoint exists and
the viewer's role includes the area's role — so a page still to be built stays hidden, and
adding one means adding its line here. Its access rule still lives on the route itself.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.staff.models import StaffRole


@dataclass(frozen=True)
class Area:
    endpoint: str
    label: object
    description: object
    role: StaffRole


AREAS: tuple[Area, ...] = (
    Area("staff.queue", _l("Queue"), _l("Requests, the most urgent legal deadline first."), StaffRole.AGENT),
    Area("suppressions.index", _l("Suppression list"), _l("Who must not be contacted for a purpose, with the reason and since when; CSV for marketing."), StaffRole.AGENT),
    Area("retention.index", _l("Retention"), _l("Data kept past its retention date, and what tick deletes automatically."), StaffRole.AGENT),
    Area("campaigns.index", _l("Campaigns"), _l("Tell people where their data came from and ask whether its use may continue."), StaffRole.MANAGER),
    Area("incidents.index", _l("Incidents"), _l("Leaks of personal data: report deadlines, reports to the Commission, notices to the persons."), StaffRole.MANAGER),
    Area("duplicates.index", _l("Duplicates"), _l("Records that may be one person (名寄せ): merge them with their history, or undo a merge."), StaffRole.MANAGER),
    Area("csv_imports.index", _l("CSV import"), _l("Load a CSV export from a business-card app or a CRM: map its columns, check, load."), StaffRole.MANAGER),
    Area("reports.dashboard", _l("Reports"), _l("Response times, deadlines at risk today, trends, CSV for the board."), StaffRole.MANAGER),
    Area("staff.users", _l("Staff accounts"), _l("Create accounts, change roles, deactivate, reset two-factor authentication."), StaffRole.ADMIN),
    Area("audit.entries", _l("Audit log"), _l("Who saw or changed which data, when and from where (read-only)."), StaffRole.ADMIN),
    Area("policies.index", _l("Policies"), _l("Deadline rules per jurisdiction and request type."), StaffRole.ADMIN),
    Area("api_admin.tokens_index", _l("API"), _l("Tokens for other systems, and webhooks that tell them what happened."), StaffRole.ADMIN),
    Area("staff.account", _l("Account"), _l("Your password, two-factor authentication and recovery codes."), StaffRole.AGENT),
)


ROLE_LABELS = {
    StaffRole.AGENT: _l("Agent"),
    StaffRole.MANAGER: _l("Manager"),
    StaffRole.ADMIN: _l("Administrator"),
}
ROLE_DESCRIPTIONS = {
    StaffRole.AGENT: _l("Agents work on requests: the queue, each request's history, messages to the requester."),
    StaffRole.MANAGER: _l("Managers can do what agents do, and see reports on deadlines and response times."),
    StaffRole.ADMIN: _l("Administrators can do what managers do, and manage staff accounts and deadline policies."),
}


def role_label(role: StaffRole | str) -> str:
    return str(ROLE_LABELS[StaffRole(role)])


def staff_areas() -> list[Area]:
    """The areas the current staff user may open (none for anyone else)."""
    if not current_user.is_authenticated:
        return []
    existing = current_app.view_functions
    return [a for a in AREAS if a.endpoint in existing and current_user.may(a.role)]
