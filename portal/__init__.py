"""Madoguchi (窓口): the counter through which a company answers data-subject requests."""
from __future__ import annotations

from flask import Flask

from portal.common.db import use_real_sqlite_transactions, use_sqlite_write_ahead_log
from portal.config import ConfigError, build_config

__all__ = ["create_app"]


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → error handlers → commands."""
    app = Flask(
        "portal",
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    try:
        app.config.update(build_config(app.instance_path, config))
    except ConfigError as exc:
        raise SystemExit(f"madoguchi: configuration error: {exc}") from None

    from portal import encryption, extensions, i18n, errors, security, startup
    from portal.mail import services as outbox
    from portal.staff import area as staff_area, auth as staff_auth

    startup.ensure_instance_folder(app)
    use_real_sqlite_transactions()
    use_sqlite_write_ahead_log()
    encryption.init_app(app)
    extensions.db.init_app(app)
    errors.close_sessions_on_lost_connections(app)
    extensions.migrate.init_app(app, extensions.db, directory=startup.MIGRATIONS_DIR)
    extensions.csrf.init_app(app)
    extensions.mail.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    staff_auth.init_app(app)
    staff_area.init_app(app)
    outbox.init_app(app)
    _import_models()
    _register_jobs()
    _register_blueprints(app)
    errors.init_app(app)
    if app.config["PORTAL_CHECK_DATABASE_ON_START"]:
        startup.check_database(app)
    return app


def _import_models() -> None:
    """Make every model known to SQLAlchemy's metadata (Alembic reads it)."""
    from portal.agents import models as _agents  # noqa: F401
    from portal.agents import uploads as _authority_files  # noqa: F401  (registers its stored-file kind)
    from portal.api import models as _api  # noqa: F401
    from portal.webhooks import models as _webhooks  # noqa: F401
    from portal.audit import models as _audit  # noqa: F401
    from portal.campaigns import models as _campaigns  # noqa: F401
    from portal.deadlines import models as _deadlines  # noqa: F401
    from portal.dsr import models as _dsr  # noqa: F401
    from portal.dsr.decisions import packages as _packages  # noqa: F401
    from portal.dsr import letters as _letters  # noqa: F401
    from portal.incidents import models as _incidents  # noqa: F401
    from portal.inventory import csv_uploads as _csv_uploads  # noqa: F401
    from portal.inventory import erasure as _erasure  # noqa: F401
    from portal.inventory import models as _inventory  # noqa: F401
    from portal.inventory import restrictions as _restrictions  # noqa: F401
    from portal.mail import models as _mail  # noqa: F401
    from portal.merging import models as _merging  # noqa: F401
    from portal.staff import models as _staff  # noqa: F401
    from portal.verification import models as _verification  # noqa: F401
    from portal.verification import postal as _postal  # noqa: F401


def _register_jobs() -> None:
    """Periodic work for `tick`: each module registers its jobs with @register_job."""
    from portal.api import jobs as _api_jobs  # noqa: F401
    from portal.webhooks import jobs as _webhook_jobs  # noqa: F401
    from portal.campaigns import jobs as _campaign_jobs  # noqa: F401
    from portal.deadlines import jobs as _deadline_jobs  # noqa: F401
    from portal.dsr.decisions import jobs as _package_jobs  # noqa: F401
    from portal.incidents import jobs as _incident_jobs  # noqa: F401
    from portal.mail import jobs as _mail_jobs  # noqa: F401
    from portal.retention import jobs as _retention_jobs  # noqa: F401
    from portal.verification import jobs as _verification_jobs  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from portal.api.admin_views import bp as api_admin
    from portal.api.cli import bp as api_cli
    from portal.api.views import bp as api
    from portal.agents.staff_views import bp as authority_documents
    from portal.agents.views import bp as agents
    from portal.audit.cli import bp as audit_cli
    from portal.audit_log.views import bp as audit
    from portal.campaign_pages.landing_views import bp as campaign_landing
    from portal.campaign_pages.staff_views import bp as campaigns
    from portal.campaigns.cli import bp as campaign_cli
    from portal.customer.views import bp as customer
    from portal.customer.email_change_views import bp as email_change
    from portal.customer.opt_out_views import bp as opt_out
    from portal.casework.fee_views import bp as fees
    from portal.incident_pages.views import bp as incidents
    from portal.csv_imports.views import bp as csv_imports
    from portal.intake.views import bp as intake
    from portal.duplicates.views import bp as duplicates
    from portal.key_rotation.cli import bp as encryption_cli
    from portal.inventory.cli import bp as inventory_cli
    from portal.merging.cli import bp as merging_cli
    from portal.retention.cli import bp as retention_cli
    from portal.policies.views import bp as policies
    from portal.postal.staff_views import bp as postal_staff
    from portal.postal.views import bp as postal
    from portal.inventory.suppression_cli import bp as suppression_cli
    from portal.inventory.suppression_views import bp as suppressions
    from portal.retention.views import bp as retention
    from portal.reports.views import bp as reports
    from portal.scheduler.cli import bp as scheduler_cli
    from portal.mail.cli import bp as mail_cli
    from portal.site.views import bp as site
    from portal.staff.cli import bp as staff_cli
    from portal.staff.blueprint import bp as staff
    from portal.verification.views import bp as verification

    # Two blueprints are shared by several modules; importing a module adds its routes:
    # `customer` (/my/…): my data, then changes, packages and requests;
    from portal.customer import change_views, package_views, request_views, views as _customer  # noqa: F401
    # `staff` (/staff/…): log-in and accounts (portal.staff), the queue and the request page (portal.casework).
    from portal.staff import account_views, admin_views, views as _staff  # noqa: F401
    from portal.casework import action_views, request_views as _case, views as _queue  # noqa: F401

    app.register_blueprint(site)
    app.register_blueprint(staff)
    app.register_blueprint(staff_cli)
    app.register_blueprint(verification)
    app.register_blueprint(customer)
    app.register_blueprint(email_change)
    app.register_blueprint(audit_cli)
    app.register_blueprint(encryption_cli)
    app.register_blueprint(audit)
    app.register_blueprint(policies)
    app.register_blueprint(inventory_cli)
    app.register_blueprint(suppression_cli)
    app.register_blueprint(suppressions)
    app.register_blueprint(retention)
    app.register_blueprint(agents)
    app.register_blueprint(authority_documents)
    app.register_blueprint(scheduler_cli)
    app.register_blueprint(mail_cli)
    app.register_blueprint(api)
    app.register_blueprint(api_cli)
    app.register_blueprint(api_admin)
    app.register_blueprint(reports)
    app.register_blueprint(campaigns)
    app.register_blueprint(campaign_landing)
    app.register_blueprint(campaign_cli)
    app.register_blueprint(incidents)
    app.register_blueprint(intake)
    app.register_blueprint(opt_out)
    app.register_blueprint(fees)
    app.register_blueprint(duplicates)
    app.register_blueprint(csv_imports)
    app.register_blueprint(postal)
    app.register_blueprint(postal_staff)
    app.register_blueprint(merging_cli)
    app.register_blueprint(retention_cli)
