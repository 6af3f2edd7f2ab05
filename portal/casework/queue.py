"""The queue's query: filters, search and keyset pages that stay fast with 200,000 requests.

Open requests are listed by legal deadline. Those not yet verified have no due date and come
first (verifying is the first thing to do, and under CCPA their clock already runs), oldest
first; then the rest, soonest due first. Closed requests (a status filter) are listed newest
first. Pages are keyset pages — "next" and "previous" from the last row seen, never OFFSET —
so page 400 costs what page 1 costs, and the partial indexes of migration 0008 serve them.

Search: a reference finds that one request whatever the filters; an address (exact, after
normalising) or a name (part of the requester's or the matched person's name) combine with
the filters. Names cannot use a B-tree index: within the open requests the partial index
bounds the walk, across every status the receipt-date index is walked until a page is found
(see bench/queue_bench.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import defer, raiseload
from werkzeug.datastructures import MultiDict

from portal.common.db import UTCDateTime
from portal.casework.display import SOON_DAYS
from portal.common.time import JST, parse_date
from portal.dsr.calendar import japan_date
from portal.dsr.approvals import pending_request_ids
from portal.dsr.delivery import undelivered_request_ids
from portal.dsr.models import DataRequest, Jurisdiction, RequestType
from portal.dsr.queries import REFERENCE_PATTERN
from portal.dsr.status import CLOSED_STATUSES, RequestStatus
from portal.extensions import db
from portal.inventory.models import Person

PAGE_SIZE = 50
#: Counting stops here: "more than 1,000" is all anyone needs, and it stays cheap.
COUNT_CAP = 1000
#: The people whose name contains the search are looked up, at most this many (a name part
#: shared by more people is too vague to search by anyway).
MAX_PEOPLE_PER_SEARCH = 1000
OPEN, CLOSED, ANSWERED, ANY = "", "closed", "answered", "any"
#: An id from a URL: digits that fit the database's integer columns.
ID = re.compile(r"[0-9]{1,9}")
STATUS_CHOICES = (OPEN, *[s.value for s in RequestStatus], CLOSED, ANSWERED, ANY)
#: Date filters (Japan dates, both ends included), as the dashboard's drill-downs use them.
DATE_FILTERS = ("received_from", "received_to", "closed_from", "closed_to", "due_before")
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class QueueFilters:
    """What the queue's GET parameters ask for; unknown values are ignored, never an error."""

    status: str = OPEN
    type: str | None = None
    jurisdiction: str | None = None
    assignee: str | None = None  # "me", "none" or a staff id
    overdue: bool = False
    unmatched: bool = False
    agent: bool = False
    q: str = ""
    received_from: date | None = None
    received_to: date | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    due_before: date | None = None  # due on or before this date
    upcoming: bool = False  # not yet overdue
    risk: bool = False  # at risk: overdue, due within SOON_DAYS, or waiting for identity to be checked
    undelivered: bool = False  # an answer mailed to the requester did not arrive (any status)
    approval: bool = False  # a decision waits for a manager's approval (four eyes)

    @classmethod
    def read(cls, args: MultiDict) -> tuple["QueueFilters", str | None]:
        """(the filters asked for, None) or (no filters, why they were not used): a malformed
        date or a range that ends before it starts shows the unfiltered queue with a message."""
        dates: dict[str, date] = {}
        for name in DATE_FILTERS:
            raw = (args.get(name) or "").strip()
            if not raw:
                continue
            try:
                dates[name] = parse_date(raw)
            except ValueError:
                return cls(), _("Dates must be written as YYYY-MM-DD. Showing the queue without filters instead.")
            if not EARLIEST <= dates[name] <= LATEST:
                return cls(), _("That date is out of range. Showing the queue without filters instead.")
        for start, end in (("received_from", "received_to"), ("closed_from", "closed_to")):
            if start in dates and end in dates and dates[start] > dates[end]:
                return cls(), _("A date range starts after it ends. Showing the queue without filters instead.")
        return replace(cls.from_args(args), **dates), None

    @classmethod
    def from_args(cls, args: MultiDict) -> "QueueFilters":
        """The filters besides the dates (see `read`); unknown values are ignored."""
        def pick(name: str, allowed) -> str | None:
            value = (args.get(name) or "").strip()
            return value if value in allowed else None

        assignee = (args.get("assignee") or "").strip()
        if assignee not in ("me", "none") and not ID.fullmatch(assignee):
            assignee = None
        return cls(
            status=pick("status", STATUS_CHOICES) or OPEN,
            type=pick("type", {t.value for t in RequestType}),
            jurisdiction=pick("jurisdiction", {j.value for j in Jurisdiction}),
            assignee=assignee or None,
            overdue=args.get("overdue") == "1",
            unmatched=args.get("unmatched") == "1",
            agent=args.get("agent") == "1",
            q=(args.get("q") or "").strip()[:200],
            upcoming=args.get("upcoming") == "1",
            risk=args.get("risk") == "1",
            undelivered=args.get("undelivered") == "1",
            approval=args.get("approval") == "1",
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """These filters as GET parameters (for links: tabs, pages), with `changes` applied."""
        current = replace(self, **changes)
        values = {"status": current.status, "type": current.type, "jurisdiction": current.jurisdiction,
                  "assignee": current.assignee, "q": current.q,
                  "overdue": "1" if current.overdue else None, "unmatched": "1" if current.unmatched else None,
                  "agent": "1" if current.agent else None, "upcoming": "1" if current.upcoming else None,
                  "risk": "1" if current.risk else None, "undelivered": "1" if current.undelivered else None,
                  "approval": "1" if current.approval else None}
        values |= {name: getattr(current, name).isoformat() if getattr(current, name) else None for name in DATE_FILTERS}
        return {key: value for key, value in values.items() if value}

    @property
    def search_kind(self) -> str | None:
        if not self.q:
            return None
        if REFERENCE_PATTERN.fullmatch(self.q.upper()):
            return "reference"
        return "email" if "@" in self.q else "name"

    def folded_in_use(self) -> bool:
        """Whether a filter folded under "more filters" is set (the fold then opens)."""
        return bool(self.jurisdiction or self.assignee or self.overdue or self.unmatched or self.agent
                    or self.upcoming or any(getattr(self, name) for name in DATE_FILTERS))

    def used(self) -> list[str]:
        """Which filters are set (names only: the audit log never holds what was searched for)."""
        return sorted(key for key in self.args() if key != "q")

    @property
    def deadline_order(self) -> bool:
        """Open requests are read by due date; anything that may include closed ones by receipt."""
        return self.status == OPEN or (self.status not in (CLOSED, ANSWERED, ANY) and RequestStatus(self.status).is_open)


@dataclass(frozen=True)
class Segment:
    """A run of rows read with one index in one order; the deadline order has two of them.

    `keys` order the rows and make the cursor; `constant` columns, the same in every row of
    the segment, lead the ORDER BY only so that it matches the index and needs no sort.
    """

    where: Any
    keys: tuple
    descending: bool = False
    constant: tuple = ()

    def order(self, forward: bool) -> list:
        down = self.descending == forward
        return [key.desc() if down else key.asc() for key in (*self.constant, *self.keys)]

    def beyond(self, values: tuple, forward: bool):
        """Rows after (forward) or before the cursor in this segment's order (row values use indexes)."""
        cursor = sa.tuple_(*[sa.literal(value, key.type) for key, value in zip(self.keys, values)])
        ahead = sa.tuple_(*self.keys)
        return ahead < cursor if self.descending == forward else ahead > cursor


DEADLINE_SEGMENTS = (
    Segment(DataRequest.due_at.is_(None), (DataRequest.id,), constant=(DataRequest.due_at,)),
    Segment(DataRequest.due_at.is_not(None), (DataRequest.due_at, DataRequest.id)),
)
RECEIPT_SEGMENTS = (Segment(sa.true(), (DataRequest.received_at, DataRequest.id), descending=True),)


@dataclass(frozen=True)
class Cursor:
    segment: int
    values: tuple

    def encode(self) -> str:
        return "~".join([str(self.segment), *[v.isoformat() if isinstance(v, datetime) else str(v) for v in self.values]])

    @classmethod
    def decode(cls, text: str | None, segments: tuple[Segment, ...]) -> "Cursor | None":
        """A cursor from a link; anything malformed means "from the start", never an error."""
        try:
            first, *parts = (text or "").split("~")
            segment = int(first)
            keys = segments[segment].keys
            if len(parts) != len(keys):
                return None
            if not all(isinstance(key.type, UTCDateTime) or ID.fullmatch(part) for key, part in zip(keys, parts)):
                return None
            values = tuple(datetime.fromisoformat(part) if isinstance(key.type, UTCDateTime) else int(part)
                           for key, part in zip(keys, parts))
        except (ValueError, IndexError):
            return None
        if any(isinstance(value, datetime) and value.tzinfo is None for value in values):
            return None
        return cls(segment, values)

    @classmethod
    def of(cls, request: DataRequest, segments: tuple[Segment, ...]) -> "Cursor":
        if segments is RECEIPT_SEGMENTS:
            return cls(0, (request.received_at, request.id))
        if request.due_at is None:
            return cls(0, (request.id,))
        return cls(1, (request.due_at, request.id))


@dataclass
class QueuePage:
    requests: list[DataRequest]
    filters: QueueFilters
    next_cursor: str | None = None
    previous_cursor: str | None = None
    count: int = 0
    count_capped: bool = False


def conditions(filters: QueueFilters, *, viewer_id: int, now: datetime, only_own_or_free: bool = False) -> list:
    """The WHERE terms for these filters. `only_own_or_free` hides colleagues' requests."""
    if filters.search_kind == "reference":
        # A reference names one request: show it whatever else is chosen.
        terms = [DataRequest.reference == filters.q.upper()]
    else:
        # "At risk" among the open requests also takes in closed ones whose answer did not arrive.
        terms = [] if filters.risk and filters.status == OPEN else _status_terms(filters.status)
        if filters.type:
            terms.append(DataRequest.type == RequestType(filters.type))
        if filters.jurisdiction:
            terms.append(DataRequest.jurisdiction == Jurisdiction(filters.jurisdiction))
        if filters.assignee == "me":
            terms.append(DataRequest.assignee_id == viewer_id)
        elif filters.assignee == "none":
            terms.append(DataRequest.assignee_id.is_(None))
        elif filters.assignee:
            terms.append(DataRequest.assignee_id == int(filters.assignee))
        if filters.overdue:
            terms.append(DataRequest.overdue_at(now))
        if filters.unmatched:
            terms.append(DataRequest.person_id.is_(None))
        if filters.agent:
            terms.append(DataRequest.is_agent.is_(True))
        if filters.risk:
            terms.append(at_risk(now))
        if filters.undelivered:
            terms.append(DataRequest.id.in_(undelivered_request_ids()))
        if filters.approval:
            terms.append(DataRequest.id.in_(pending_request_ids()))
        terms += _date_terms(filters, now)
        terms += _search_terms(filters)
    if only_own_or_free:
        terms.append(_own_or_free(viewer_id))
    return terms


def at_risk(now: datetime):
    """Open and overdue, due within SOON_DAYS (Japan dates), or still waiting for the identity
    check; or (open or not) with an answer that was not delivered — which also has its own tab."""
    # One id list from three indexed reads, each without an OR. With an OR (or a `closed_at`
    # test beside the status) SQLite had to read each matching row, and with statistics saying
    # most requests wait for the check (as ANALYZE may record them) it scanned every request.
    return DataRequest.id.in_(sa.union(*_at_risk_reads(now)))


class AtRiskReads(NamedTuple):
    due_soon: sa.Select
    unverified: sa.Select
    undelivered: sa.Select


def _at_risk_reads(now: datetime) -> AtRiskReads:
    soon = _japan_midnight(japan_date(now) + timedelta(days=SOON_DAYS + 1))
    due_soon = sa.select(DataRequest.id).where(DataRequest.closed_at.is_(None), DataRequest.due_at < soon)
    # RECEIVED is an open status and `closed_at` is set only on reaching a final closed one, so
    # the status alone says "open and unverified" — and is answered from the status index alone.
    unverified = sa.select(DataRequest.id).where(DataRequest.status == RequestStatus.RECEIVED)
    undelivered = sa.select(DataRequest.id).where(DataRequest.id.in_(undelivered_request_ids()))
    return AtRiskReads(due_soon, unverified, undelivered)


def count_at_risk(now: datetime, *, viewer_id: int, only_own_or_free: bool = False) -> tuple[int, bool]:
    """`capped_count` of the requests at risk, from each of its reads capped on its own.

    Asked as one query, PostgreSQL gathers every id at risk (tens of thousands in a big
    register) and then walks the requests by deadline, the closed ones included, to find them.
    Each read stopped at the cap instead is an index range, and the union of capped reads is
    exact up to the cap: a read cut short holds more than the cap by itself.
    """
    extra = [_own_or_free(viewer_id)] if only_own_or_free else []
    capped = [sa.select(read.where(*extra).limit(COUNT_CAP + 1).subquery()) for read in _at_risk_reads(now)]
    found = sa.union(*capped).subquery()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(found)) or 0
    return min(count, COUNT_CAP), count > COUNT_CAP


def _own_or_free(viewer_id: int):
    return sa.or_(DataRequest.assignee_id.is_(None), DataRequest.assignee_id == viewer_id)


def _status_terms(status: str) -> list:
    if status == OPEN:
        # Open means not closed: `portal.dsr.workflow.move` sets `closed_at` exactly when a request
        # reaches a (final) closed status. The partial indexes are on this very condition, and a
        # status list beside it would only blur the planner's estimates.
        return [DataRequest.closed_at.is_(None)]
    if status == CLOSED:
        return [DataRequest.status.in_(sorted(CLOSED_STATUSES))]
    if status == ANSWERED:
        return [DataRequest.status.in_([RequestStatus.COMPLETED, RequestStatus.REJECTED])]
    if status == ANY:
        return []
    chosen = RequestStatus(status)
    return [DataRequest.status == chosen] + ([DataRequest.closed_at.is_(None)] if chosen.is_open else [])


def _japan_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, JST)


def _date_terms(filters: QueueFilters, now: datetime) -> list:
    """Japan dates, both ends included: "to" means before the next day's midnight in Japan."""
    terms = []
    for column, start, end in ((DataRequest.received_at, filters.received_from, filters.received_to),
                               (DataRequest.closed_at, filters.closed_from, filters.closed_to),
                               (DataRequest.due_at, None, filters.due_before)):
        if start:
            terms.append(column >= _japan_midnight(start))
        if end:
            terms.append(column < _japan_midnight(end + timedelta(days=1)))
    if filters.upcoming:
        terms.append(DataRequest.due_at >= now)
    return terms


def _search_terms(filters: QueueFilters) -> list:
    # The matching people are looked up once, here, rather than in a subquery that each
    # segment's query and the count would run again.
    if filters.search_kind == "email":
        people = list(db.session.scalars(sa.select(Person.id).where(Person.with_email(filters.q))))
        return [sa.or_(DataRequest.with_requester_email(filters.q), DataRequest.person_id.in_(people))]
    if filters.search_kind == "name":
        # Encrypted values are found through their blind indexes: the person's key, customer
        # number or phone (any formatting), or a whole name in kanji or kana (spaces, width and
        # case aside) — see `portal.encryption.blind`.
        people = list(db.session.scalars(
            sa.select(Person.id).where(Person.with_any_identifier(filters.q)).limit(MAX_PEOPLE_PER_SEARCH)))
        return [sa.or_(DataRequest.with_requester_name(filters.q), DataRequest.person_id.in_(people))]
    return []


def read_page(filters: QueueFilters, *, viewer_id: int, now: datetime, after: str | None = None,
              before: str | None = None, only_own_or_free: bool = False) -> QueuePage:
    """One page of the queue: `after` (next) or `before` (previous) a cursor, or the first."""
    terms = conditions(filters, viewer_id=viewer_id, now=now, only_own_or_free=only_own_or_free)
    segments = DEADLINE_SEGMENTS if filters.deadline_order else RECEIPT_SEGMENTS
    forward = before is None
    cursor = Cursor.decode(after if forward else before, segments)
    if not forward and cursor is None:
        forward = True
    rows = _read(terms, segments, cursor, forward=forward, limit=PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    if forward:
        rows = rows[:PAGE_SIZE]
        has_next, has_previous = more, cursor is not None
    else:
        rows = rows[-PAGE_SIZE:] if more else rows
        has_next, has_previous = True, more
    page = QueuePage(rows, filters)
    if rows and has_next:
        page.next_cursor = Cursor.of(rows[-1], segments).encode()
    if rows and has_previous:
        page.previous_cursor = Cursor.of(rows[0], segments).encode()
    if has_next or has_previous:
        page.count, page.count_capped = capped_count(terms, segments[-1].keys)
    else:
        # Everything that matches is on this page: no second pass (searches often find few rows,
        # and counting few among many reads as far as finding them did).
        page.count = len(rows)
    return page


#: The list shows neither the policy nor the request's (encrypted) contents: not joined, not
#: read, not decrypted for fifty rows; touching them on a queue row fails loudly in the tests.
LIST_ONLY = (raiseload(DataRequest.policy), defer(DataRequest.details, raiseload=True),
             defer(DataRequest.subject, raiseload=True), defer(DataRequest.agent, raiseload=True))


def _read(terms: list, segments: tuple[Segment, ...], cursor: Cursor | None, *, forward: bool, limit: int) -> list:
    """Walk the segments from the cursor's, one indexed query each, until `limit` rows."""
    rows: list[DataRequest] = []
    start = cursor.segment if cursor else (0 if forward else len(segments) - 1)
    order = range(start, len(segments)) if forward else range(start, -1, -1)
    for index in order:
        segment = segments[index]
        stmt = sa.select(DataRequest).options(*LIST_ONLY).where(*terms, segment.where)
        if cursor is not None and index == cursor.segment:
            stmt = stmt.where(segment.beyond(cursor.values, forward))
        stmt = stmt.order_by(*segment.order(forward)).limit(limit - len(rows))
        rows += db.session.scalars(stmt).all()
        if len(rows) >= limit:
            break
    return rows if forward else rows[::-1]


def capped_count(terms: list, order: tuple = (DataRequest.due_at, DataRequest.id)) -> tuple[int, bool]:
    """How many rows match, counting at most COUNT_CAP + 1 of them.

    The ORDER BY follows an index, so the count walks that index: without it PostgreSQL may
    read the table from its start, where the old, closed requests are, to find the open ones.
    """
    limited = sa.select(DataRequest.id).where(*terms).order_by(*order).limit(COUNT_CAP + 1).subquery()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(limited)) or 0
    return min(count, COUNT_CAP), count > COUNT_CAP


def at_risk_requests(now: datetime, limit: int = 20) -> list[DataRequest]:
    """The most urgent requests at risk (the dashboard's list): unverified first, then by due date.

    The most urgent of each read, merged: each is an index range stopped at `limit`, where the
    single query sorted every request at risk (half a second at a million requests)."""
    reads = _at_risk_reads(now)
    by_deadline = (DataRequest.due_at, DataRequest.id)
    ordered = (reads.due_soon.order_by(*by_deadline),  # each read in an index's order
               reads.unverified.where(DataRequest.due_at.is_(None)).order_by(DataRequest.id),
               reads.unverified.where(DataRequest.due_at.is_not(None)).order_by(*by_deadline),
               reads.undelivered.order_by(DataRequest.due_at.is_not(None), *by_deadline))
    found: dict[int, DataRequest] = {}
    for read in ordered:
        stmt = sa.select(DataRequest).options(*LIST_ONLY).where(DataRequest.id.in_(read.limit(limit).scalar_subquery()))
        found.update((request.id, request) for request in db.session.scalars(stmt))
    return sorted(found.values(), key=_urgency)[:limit]


def _urgency(request: DataRequest) -> tuple:
    """The dashboard's order: without a deadline first (by id), then by deadline."""
    return (0, request.id) if request.due_at is None else (1, request.due_at, request.id)
