"""CSV for the board: the request register of a period, and CCPA §7102 annual metrics.

The register streams: keyset batches over (received_at, id) — the receipt-date index — so a
download of 200,000 requests holds one batch in memory, never the whole result. It names
requests by reference only; no requester's personal data leaves in it.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Iterator

import sqlalchemy as sa

from portal.common.time import JST
from portal.dsr.models import DataRequest, RequestType
from portal.dsr.status import RequestStatus
from portal.extensions import db
from portal.inventory.suppression import neutralise
from portal.reports.queries import ANSWERED, MEDIAN, days_taken
from portal.reports.sql import interpolate, percentiles
from portal.reports.summary import Period
from portal.staff.models import StaffUser

BOM = "\ufeff"
BATCH = 1000
REGISTER_COLUMNS = ("reference", "type", "policy", "received", "verified", "due", "extended_to", "closed",
                    "outcome", "days_taken", "on_time", "assignee", "fee_yen", "fee_status")
#: Our request types in the words of CCPA §7102(a)(1).
CCPA_CATEGORY = {
    RequestType.DISCLOSURE: "request_to_know", RequestType.PROVISION_RECORDS: "request_to_know",
    RequestType.ERASURE: "request_to_delete", RequestType.CORRECTION: "request_to_correct",
    RequestType.STOP_PROVISION: "request_to_opt_out", RequestType.CONSENT_WITHDRAWAL: "request_to_opt_out",
    RequestType.SUSPENSION: "request_to_limit",
}
CCPA_COLUMNS = ("category", "type", "received", "complied_in_whole_or_in_part", "denied",
                "median_days_to_respond", "mean_days_to_respond")


def _japan(value: datetime | None) -> str:
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M") if value else ""


def _line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def register_chunks(period: Period) -> Iterator[str]:
    """The register of requests received in the period, oldest first, as CSV text chunks."""
    staff = dict(db.session.execute(sa.select(StaffUser.id, StaffUser.name)).all())
    columns = (DataRequest.id, DataRequest.reference, DataRequest.type, DataRequest.jurisdiction,
               DataRequest.received_at, DataRequest.verified_at, DataRequest.due_at, DataRequest.extended_at,
               DataRequest.closed_at, DataRequest.status, DataRequest.assignee_id, days_taken(),
               DataRequest.fee_amount, DataRequest.fee_status)
    yield BOM + _line(REGISTER_COLUMNS)
    after = None
    while True:
        query = (sa.select(*columns)
                 .where(DataRequest.received_at >= period.starts_at, DataRequest.received_at < period.ends_before)
                 .order_by(DataRequest.received_at, DataRequest.id).limit(BATCH))
        if after is not None:
            query = query.where(sa.tuple_(DataRequest.received_at, DataRequest.id) > sa.tuple_(
                sa.literal(after[0], DataRequest.received_at.type), sa.literal(after[1])))
        rows = db.session.execute(query).all()
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for (rid, reference, kind, jurisdiction, received, verified, due, extended, closed, status,
             assignee, days, fee, fee_status) in rows:
            closed_status = RequestStatus(status)
            writer.writerow((
                reference, kind.value, jurisdiction.value, _japan(received), _japan(verified), _japan(due),
                _japan(due) if extended else "", _japan(closed),
                "" if closed_status.is_open else closed_status.value,
                "" if closed is None else days,
                "" if closed is None or due is None or closed_status not in ANSWERED else ("yes" if closed <= due else "no"),
                neutralise(staff.get(assignee, "")) if assignee else "",  # a name is free text
                fee or "", fee_status.value if fee_status else "",
            ))
        yield buffer.getvalue()
        after = (rows[-1][4], rows[-1][0])
        db.session.expunge_all()


def ccpa_metrics(year: int) -> list[dict]:
    """CCPA §7102(a): per request type, requests received in the calendar year, complied with in
    whole or in part, denied, and the median and mean days to respond (California requests)."""
    period = Period(date(year, 1, 1), date(year, 12, 31))
    ccpa = DataRequest.jurisdiction == "ccpa"
    received_in = sa.and_(DataRequest.received_at >= period.starts_at, DataRequest.received_at < period.ends_before)
    rows = {t.value: {"category": CCPA_CATEGORY[t], "type": t.value, "received": 0, "complied_in_whole_or_in_part": 0,
                      "denied": 0, "median_days_to_respond": None, "mean_days_to_respond": None} for t in RequestType}
    counts = sa.select(
        DataRequest.type, sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((DataRequest.status == RequestStatus.COMPLETED, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((DataRequest.status == RequestStatus.REJECTED, 1), else_=0)), 0),
    ).where(ccpa, received_in).group_by(DataRequest.type)
    for kind, received, complied, denied in db.session.execute(counts):
        rows[kind.value].update(received=received, complied_in_whole_or_in_part=int(complied), denied=int(denied))
    days = sa.select(DataRequest.type.label("grp"), days_taken().label("days")).where(
        ccpa, received_in, DataRequest.status.in_(ANSWERED))
    for result in db.session.execute(percentiles(days, (MEDIAN,))):
        row = rows[getattr(result.grp, "value", result.grp)]
        row["median_days_to_respond"] = interpolate(result, *MEDIAN)
        row["mean_days_to_respond"] = round(float(result.mean), 2)
    return list(rows.values())


def ccpa_chunks(year: int) -> Iterator[str]:
    yield BOM + _line(CCPA_COLUMNS)
    for row in ccpa_metrics(year):
        yield _line(["" if row[c] is None else row[c] for c in CCPA_COLUMNS])
