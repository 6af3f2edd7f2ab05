"""Retention's part of `tick`: one job per kind of record, each audited with counts only."""
from __future__ import annotations

from portal.audit.services import Actor
from portal.retention import services
from portal.scheduler.jobs import register_job


@register_job("retention-authority-documents", order=600)
def delete_authority_documents() -> str:
    return f"{services.delete_authority_documents(actor=Actor.system())} letters of authority deleted"


@register_job("retention-requests", order=600)
def anonymise_closed_requests() -> str:
    return f"{services.anonymise_closed_requests(actor=Actor.system())} closed requests anonymised"


@register_job("retention-provision-records", order=600)
def purge_provision_records() -> str:
    return f"{services.purge_provision_records(actor=Actor.system())} provision records purged"


@register_job("retention-items-flag", order=600)
def flag_items_past_retention() -> str:
    """Staff see these on /staff/retention; deleting them is a decision, not automatic."""
    return f"{services.count_items_past_retention()} items past retain_until (see /staff/retention)"
