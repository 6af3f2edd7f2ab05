"""Who may open each URL under /staff/ — the table the role × URL matrix checks.

EVERY ROUTE UNDER /staff/ MUST HAVE A LINE HERE. When you add one (a queue page, a request
page, reports …), add its endpoint to ACCESS with the roles that may use it, and, if its
path has a new parameter, a way to build a sample value in SAMPLE_ARGUMENTS.
`tests/staff/test_access_matrix.py` fails for a route that is missing, so nothing new can
escape the matrix.

Roles, least privileged first; each staff role includes the ones before it (see
`portal.staff.models.StaffRole`). "customer" is a browser with a verified customer session:
to the staff area it is just anonymous.
"""
from __future__ import annotations

from typing import Callable

ANONYMOUS, CUSTOMER, AGENT, MANAGER, ADMIN = "anonymous", "customer", "agent", "manager", "admin"
ROLES = (ANONYMOUS, CUSTOMER, AGENT, MANAGER, ADMIN)

EVERYONE = frozenset(ROLES)  # pages that must work before log-in
STAFF = frozenset({AGENT, MANAGER, ADMIN})
MANAGERS = frozenset({MANAGER, ADMIN})
ADMINS = frozenset({ADMIN})

ACCESS: dict[str, frozenset[str]] = {
    # log-in, log-out, first password
    "staff.login": EVERYONE,
    "staff.login_2fa": EVERYONE,          # sends anyone without a pending log-in back to the log-in
    "staff.logout": EVERYONE,             # ending one's own (possibly absent) session is harmless
    "staff.set_password": EVERYONE,       # the mailed link is the credential
    # two-factor enrolment (also reachable half-way through a log-in, see test_two_factor.py)
    "staff.twofa_setup": STAFF,
    "staff.twofa_qr": STAFF,
    # the frame and the person's own account
    "staff.queue": STAFF,
    "staff.account": STAFF,
    "staff.notification_settings": STAFF,
    "staff.change_password": STAFF,
    "staff.regenerate_recovery_codes": STAFF,
    # the request page and working a request (portal/casework); reassigning is for managers
    "staff.request_page": STAFF,
    # staff intake of requests by phone, post or counter (portal/intake)
    "intake.new_request": STAFF,
    "staff.person_data": STAFF,
    "staff.verify": STAFF,
    "staff.start": STAFF,
    "staff.resume": STAFF,
    "staff.ask": STAFF,
    "staff.extend": STAFF,
    "staff.reject": STAFF,
    "staff.complete": STAFF,
    "staff.match": STAFF,
    "staff.message": STAFF,
    "staff.reply": STAFF,
    "staff.note": STAFF,
    "staff.resend": STAFF,
    "staff.answered_otherwise": STAFF,
    "staff.claim": STAFF,
    "staff.assign": MANAGERS,
    "staff.approve": MANAGERS,            # four eyes: a manager applies a decision awaiting approval
    "staff.send_back": MANAGERS,
    "staff.bulk_assign": MANAGERS,
    # the suppression list (persons not to be contacted for a purpose)
    "suppressions.index": STAFF,
    "suppressions.download": STAFF,
    # data kept past its retention date (portal/retention)
    "retention.index": STAFF,
    "retention.hold": MANAGERS,           # legal holds: the `legal-hold` command's rules
    "retention.confirm_disposal": MANAGERS,  # disposal: the `dispose-expired` command's service
    "retention.dispose": MANAGERS,
    # letters of authority uploaded by agents (an audited download)
    "authority_documents.authority_document": STAFF,
    # staff management
    "staff.users": ADMINS,
    "staff.user_new": ADMINS,
    "staff.user_detail": ADMINS,
    "staff.user_role": ADMINS,
    "staff.user_deactivate": ADMINS,
    "staff.user_reactivate": ADMINS,
    "staff.user_reset_2fa": ADMINS,
    "staff.user_password_link": ADMINS,
    # the audit log (read-only; viewing, checking and exporting are audited)
    "audit.entries": ADMINS,
    "audit.verify": ADMINS,
    "audit.export": ADMINS,
    # deadline policies
    "policies.index": ADMINS,
    "policies.edit": ADMINS,
    # API tokens and webhooks
    "api_admin.tokens_index": ADMINS,
    "api_admin.token_new": ADMINS,
    "api_admin.token_revoke": ADMINS,
    "api_admin.webhooks_index": ADMINS,
    "api_admin.webhook_new": ADMINS,
    "api_admin.webhook_detail": ADMINS,
    "api_admin.webhook_deactivate": ADMINS,
    "api_admin.webhook_reactivate": ADMINS,
    "api_admin.delivery_resend": ADMINS,
    # permission campaigns (portal/campaign_pages): managers define, send, follow and close them
    "campaigns.index": MANAGERS,
    "campaigns.new": MANAGERS,
    "campaigns.detail": MANAGERS,
    "campaigns.send": MANAGERS,
    "campaigns.close": MANAGERS,
    "campaigns.results": MANAGERS,
    "campaigns.letters": MANAGERS,
    # letters to requesters without email: print, mark posted, a one-time code (portal/postal)
    "postal_staff.letter": STAFF,
    "postal_staff.posted": STAFF,
    "postal_staff.code_letter": STAFF,
    # 名寄せ: candidate duplicates, merge with a preview, undo (portal/duplicates)
    "duplicates.index": MANAGERS,
    "duplicates.confirm": MANAGERS,
    "duplicates.merge": MANAGERS,
    "duplicates.undo": MANAGERS,
    # CSV import: upload, map with a preview, check, load (portal/csv_imports)
    "csv_imports.index": MANAGERS,
    "csv_imports.upload": MANAGERS,
    "csv_imports.mapping": MANAGERS,
    "csv_imports.check": MANAGERS,
    "csv_imports.load": MANAGERS,
    # the manager dashboard and its CSV exports (viewing and exporting are audited)
    "reports.dashboard": MANAGERS,
    "reports.register_csv": MANAGERS,
    "reports.ccpa_csv": MANAGERS,
    # leak incidents (portal/incident_pages): the company's duty to the Commission
    "incidents.index": MANAGERS,
    "incidents.new": MANAGERS,
    "incidents.detail": MANAGERS,
    "incidents.edit": MANAGERS,
    "incidents.choose_affected": MANAGERS,
    "incidents.report": MANAGERS,
    "incidents.submit_report": MANAGERS,
    "incidents.print_report": MANAGERS,
    "incidents.notify": MANAGERS,
    "incidents.postal_list": MANAGERS,
    "incidents.posted": MANAGERS,
    # a request's fee recorded as paid or waived (portal/casework/fee_views.py)
    "fees.record": STAFF,
}


class World:
    """What exists while a matrix case runs: one account per staff role plus a colleague
    (`target`) for pages about another account; fill more in when your routes need it."""

    def __init__(self, *, accounts: dict, target, password_token: str, app=None):
        self.accounts = accounts
        self.target = target
        self.password_token = password_token
        self.app = app
        self._reference = None

    @property
    def request_reference(self) -> str:
        """An open, unassigned request about a person, filed on first use."""
        if self._reference is None:
            from portal.audit.services import Actor
            from portal.dsr.services import create_request
            from portal.extensions import db
            from portal.inventory.models import Person

            with self.app.app_context():
                person = Person(key="C-MATRIX", email="matrix@example.jp", name="試験 行列")
                db.session.add(person)
                db.session.flush()
                change = create_request(type="correction", person_id=person.id, requester_email=person.email,
                                        channel="web", language="ja", residence="jp", verified=True,
                                        actor=Actor("test"))
                db.session.commit()
                self._reference = change.request.reference
                db.session.remove()
        return self._reference


#: Path parameter name → sample value (from the World). A real object, so allowed roles
#: reach the page itself rather than a 404.
SAMPLE_ARGUMENTS: dict[str, Callable[[World], object]] = {
    "user_id": lambda world: world.target.id,
    "token": lambda world: world.password_token,
    "reference": lambda world: world.request_reference,
    "jurisdiction": lambda world: "appi",
    "scope": lambda world: "default",
    # No such token, webhook or delivery: admins get 404, everyone else is still refused first.
    "token_id": lambda world: 999999,
    "webhook_id": lambda world: 999999,
    "delivery_id": lambda world: 999999,
    "campaign_id": lambda world: 999999,
    # No such incident: managers get 404, everyone else is refused first.
    "incident_id": lambda world: 999999,
    "report": lambda world: "preliminary",
    "merge_id": lambda world: 999999,
    "letter_id": lambda world: 999999,
    # No such upload: managers get 404, everyone else is refused first.
    "upload_id": lambda world: 999999,
}
