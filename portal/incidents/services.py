"""Recording an incident and its reports. Each service changes state and writes its audit entry
in the caller's transaction; the request (or command) commits."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.audit.services import Actor, record
from portal.common.time import utcnow
from portal.dsr.errors import DsrError
from portal.extensions import db
from portal.incidents.deadlines import report_deadlines
from portal.incidents.models import Incident, IncidentCase, IncidentReport, IncidentStatus, ReportKind
from portal.incidents.reports import clean_items


class IncidentError(DsrError):
    """Something staff asked cannot be done to this incident; the message says why."""


def _clean_cases(cases) -> list[str]:
    return sorted({IncidentCase(case).value for case in cases or ()})


def audit(action: str, incident: Incident, *, actor: Actor, **details) -> None:
    record(f"incident.{action}", actor=actor, target_type="incident", target_id=incident.id, details=details)


def create_incident(*, title: str, description: str, discovered_at: datetime, cases, actor: Actor,
                    notice_text: str | None = None, now: datetime | None = None) -> Incident:
    """Record an incident and compute its report deadlines from its discovery."""
    now = now or utcnow()
    if discovered_at > now:
        raise IncidentError(_l("The time of discovery cannot be in the future."))
    cases = _clean_cases(cases)
    preliminary, final = report_deadlines(discovered_at, cases)
    incident = Incident(title=title.strip(), description=description.strip(), discovered_at=discovered_at,
                        cases=cases, preliminary_due_at=preliminary, final_due_at=final, report_draft={},
                        selection={}, notice_text=(notice_text or "").strip() or None)
    db.session.add(incident)
    db.session.flush()
    audit("created", incident, actor=actor, cases=cases, discovered_at=discovered_at.isoformat(),
          preliminary_due_at=preliminary and preliminary.isoformat(), final_due_at=final and final.isoformat())
    return incident


def update_incident(incident: Incident, *, title: str, description: str, discovered_at: datetime, cases,
                    notice_text: str | None, actor: Actor, now: datetime | None = None) -> dict:
    """Edit the record; a changed discovery time or case list moves the deadlines. Returns the
    changed fields (names only: the audit entry never holds the texts)."""
    now = now or utcnow()
    if discovered_at > now:
        raise IncidentError(_l("The time of discovery cannot be in the future."))
    cases = _clean_cases(cases)
    new = {"title": title.strip(), "description": description.strip(), "discovered_at": discovered_at,
           "cases": cases, "notice_text": (notice_text or "").strip() or None}
    changed = sorted(key for key, value in new.items() if getattr(incident, key) != value)
    if not changed:
        return {}
    for key in changed:
        setattr(incident, key, new[key])
    details: dict = {"changed": changed}
    if {"discovered_at", "cases"} & set(changed):
        incident.preliminary_due_at, incident.final_due_at = report_deadlines(discovered_at, cases)
        details.update(cases=cases, preliminary_due_at=_iso(incident.preliminary_due_at),
                       final_due_at=_iso(incident.final_due_at))
    db.session.flush()
    audit("updated", incident, actor=actor, **details)
    return details


def save_report_draft(incident: Incident, values: dict, *, actor: Actor) -> None:
    """Keep the report text being written (every item of the Commission's form)."""
    incident.report_draft = clean_items(values)
    db.session.flush()
    audit("report_draft_saved", incident, actor=actor,
          filled=[key for key, text in incident.report_draft.items() if text])


def submit_report(incident: Incident, kind: ReportKind, *, persons_count: int | None, actor: Actor,
                  now: datetime | None = None) -> IncidentReport:
    """Fix the draft as the preliminary or final report, as submitted to the Commission now."""
    now = now or utcnow()
    kind = ReportKind(kind)
    if not incident.reportable:
        raise IncidentError(_l("No case of Enforcement Rules Art. 7 is ticked, so this incident is not reported."))
    if incident.reported_at(kind) is not None:
        raise IncidentError(_l("This report has already been recorded as submitted."))
    if kind is ReportKind.FINAL and incident.preliminary_reported_at is None:
        raise IncidentError(_l("Record the preliminary report first."))
    items = clean_items(incident.report_draft or {})
    if not items["summary"]:
        raise IncidentError(_l("Write at least the summary before recording the report."))
    report = IncidentReport(incident_id=incident.id, kind=kind, items=items, persons_count=persons_count,
                            submitted_at=now, submitted_by=None if actor.id is None else str(actor.id))
    db.session.add(report)
    if kind is ReportKind.PRELIMINARY:
        incident.preliminary_reported_at = now
        incident.status = IncidentStatus.PRELIMINARY_REPORTED
    else:
        incident.final_reported_at = now
        incident.status = IncidentStatus.FINAL_REPORTED
    db.session.flush()
    audit("report_submitted", incident, actor=actor, kind=kind.value, persons_count=persons_count,
          late=bool(incident.due_at(kind) and now > incident.due_at(kind)))
    return report


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
