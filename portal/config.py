"""Settings read from the environment, with defaults that are safe for each environment.

`PORTAL_ENV` chooses the profile: `production` (the default, strict), `development`
(what `make run` uses) and `testing` (what the test-suite uses).
"""
from __future__ import annotations

import logging
import os
import shlex
import sys
from datetime import timedelta
from pathlib import Path

from portal.encryption.keys import (
    DEVELOPMENT_DATA_KEYS,
    DEVELOPMENT_INDEX_KEY,
    HOW_TO_MAKE_A_KEY,
    Keyring,
    KeyError_,
)

#: The key a developer gets when they set none; production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret-change-me"
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message says which and what to do."""


def normalise_database_url(url: str) -> str:
    """Let people write `postgresql://…` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "madoguchi.db")


def _engine_options(database_url: str) -> dict:
    options: dict = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        # The portal's queries are short and index-driven: starting parallel workers for them
        # costs more than it saves and takes the cores other requests need (measured with
        # bench/run.py: "my data" p95 86 → 62 ms on 2 cores).
        options["connect_args"] = {"options": "-c max_parallel_workers_per_gather=0"}
    return options


def build_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Collect every setting into one dict; `overrides` (tests) win over the environment."""
    env = os.environ
    overrides = dict(overrides or {})
    portal_env = overrides.get("PORTAL_ENV") or env.get("PORTAL_ENV", "production")
    secret_key = overrides.get("SECRET_KEY") or env.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
    database_url = normalise_database_url(
        overrides.get("SQLALCHEMY_DATABASE_URI")
        or env.get("DATABASE_URL")
        or default_database_url(instance_path)
    )
    # Production has no default keys: check_config says what to set.
    published_keys = portal_env != "production"
    data_keys = env.get("PORTAL_DATA_KEYS") or (DEVELOPMENT_DATA_KEYS if published_keys else "")
    index_key = env.get("PORTAL_INDEX_KEY") or (DEVELOPMENT_INDEX_KEY if published_keys else "")
    upload_max_bytes = int(env.get("PORTAL_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
    config = {
        "PORTAL_ENV": portal_env,
        "TESTING": portal_env == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(database_url),
        # Encryption at rest (portal/encryption): AES-256 keys `id:base64`, the first encrypts.
        "PORTAL_DATA_KEYS": data_keys,
        "PORTAL_INDEX_KEY": index_key,
        "PORTAL_BASE_URL": env.get("PORTAL_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "PORTAL_COMPANY_FILE": env.get("PORTAL_COMPANY_FILE"),
        # Send a request's mail at the end of that request (development, tests, a small install),
        # or leave it to `flask --app portal send-mail --watch` / `tick` so no page waits on SMTP
        # (production's default).
        "PORTAL_MAIL_AFTER_REQUEST": env.get("PORTAL_MAIL_AFTER_REQUEST",
                                             "0" if portal_env == "production" else "1") == "1",
        # Mail: `make run` points these at the local catcher on port 1025.
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "1025")),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "0") == "1",
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "窓口 Madoguchi <privacy@example.jp>"),
        # Language: Japanese first, English on request; times shown in Japan time.
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "PORTAL_LANGUAGES": ("ja", "en"),
        # Sessions
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE", "0") == "1",
        # Served over HTTPS: HSTS on every response and Secure cookies (see portal/security.py).
        "PORTAL_HTTPS": env.get("PORTAL_HTTPS", "0") == "1",
        # How many reverse proxies sit in front (their X-Forwarded-* are believed); 0 = none.
        "PORTAL_TRUST_PROXY": int(env.get("PORTAL_TRUST_PROXY", "0")),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=15),
        # Which step-up questions count (customer_number, birthdate, phone_last4).
        "PORTAL_STEP_UP_CHECKS": env.get("PORTAL_STEP_UP_CHECKS", "customer_number,birthdate,phone_last4"),
        # Corrections a customer may apply at once (`category.field`); others go to staff.
        "PORTAL_SELF_SERVICE_FIELDS": env.get("PORTAL_SELF_SERVICE_FIELDS", "contact.email,contact.phone,contact.mobile"),
        # Staff log-in: idle time-out, 2FA for agents (managers and admins always), rate limits.
        "PORTAL_STAFF_IDLE_MINUTES": int(env.get("PORTAL_STAFF_IDLE_MINUTES", "30")),
        "PORTAL_AGENT_2FA_REQUIRED": env.get("PORTAL_AGENT_2FA_REQUIRED", "0") == "1",
        # Whether agents may open requests assigned to a colleague (managers and admins always may).
        "PORTAL_AGENTS_SEE_OTHERS_ASSIGNED": env.get("PORTAL_AGENTS_SEE_OTHERS_ASSIGNED", "1") == "1",
        "PORTAL_STAFF_LOGIN_RATE_LIMIT": env.get("PORTAL_STAFF_LOGIN_RATE_LIMIT", "10 per minute"),
        # Failed log-ins per account from one address (counted whether the account exists or not).
        "PORTAL_STAFF_LOGIN_EMAIL_RATE_LIMIT": env.get("PORTAL_STAFF_LOGIN_EMAIL_RATE_LIMIT", "5 per 15 minutes"),
        # argon2's cheapest parameters only for the test-suite (hashes are upgraded at log-in).
        "PORTAL_PASSWORD_HASH_PROFILE": "CHEAPEST" if portal_env == "testing" else "RFC_9106_LOW_MEMORY",
        # Rate limits live in memory for one process; use Redis when running several.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Redis away for a moment: count in memory meanwhile rather than answer every request 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        # Off only for load tests (bench/run.py), where one address makes every request.
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") == "1",
        # Calls per API token (Flask-Limiter syntax); over it the API answers 429 with Retry-After.
        "PORTAL_API_RATE_LIMIT": env.get("PORTAL_API_RATE_LIMIT", "300 per minute"),
        # Checking the database at start-up turns an unreachable DATABASE_URL into one line.
        "PORTAL_CHECK_DATABASE_ON_START": portal_env != "testing",
        "WTF_CSRF_TIME_LIMIT": None,
        # A request may carry one upload and the form around it; a larger body is refused (413).
        "MAX_CONTENT_LENGTH": upload_max_bytes + 2 * 1024 * 1024,
        # Letters of authority: the largest file accepted, and where files are kept (never static/).
        "PORTAL_UPLOAD_MAX_BYTES": upload_max_bytes,
        "PORTAL_UPLOAD_DIR": env.get("PORTAL_UPLOAD_DIR"),
        # Retention (portal/retention): letters of authority after the request closed, closed
        # requests' personal details, third-party provision records (APPI: 3 years).
        "PORTAL_RETENTION_AUTHORITY_DAYS": int(env.get("PORTAL_RETENTION_AUTHORITY_DAYS", "30")),
        "PORTAL_RETENTION_REQUEST_YEARS": int(env.get("PORTAL_RETENTION_REQUEST_YEARS", "5")),
        "PORTAL_RETENTION_PROVISION_YEARS": int(env.get("PORTAL_RETENTION_PROVISION_YEARS", "3")),
        # Permission campaigns (portal/campaigns): notices `tick` hands to the outbox per minute,
        # across all campaigns, so a large campaign never floods the relay or the receivers.
        "PORTAL_CAMPAIGN_RATE_PER_MINUTE": int(env.get("PORTAL_CAMPAIGN_RATE_PER_MINUTE", "60")),
        # Days after learning of a leak by which the preliminary report (速報) is due; the law
        # says "promptly", the Commission's guidelines about 3-5 days (portal/incidents/deadlines.py).
        "PORTAL_INCIDENT_PRELIMINARY_DAYS": int(env.get("PORTAL_INCIDENT_PRELIMINARY_DAYS", "5")),
    }
    config.update(overrides)
    if "PERMANENT_SESSION_LIFETIME" not in overrides:
        # The signed cookie itself expires after this long without being rewritten; it must
        # outlast the longer idle time-out, which each session enforces itself (staff: the
        # activity stamp; customers: their session row).
        config["PERMANENT_SESSION_LIFETIME"] = max(config["PERMANENT_SESSION_LIFETIME"],
                                                   timedelta(minutes=config["PORTAL_STAFF_IDLE_MINUTES"] + 1))
    check_config(config)
    return config


def check_config(config: dict) -> None:
    """Refuse settings that would be unsafe in production."""
    if config["PORTAL_ENV"] not in {"production", "development", "testing"}:
        raise ConfigError(
            f"PORTAL_ENV={config['PORTAL_ENV']!r} is not one of production, development, testing"
        )
    # Only a developer's own machine may run on the published key (the tests bring their own).
    if config["PORTAL_ENV"] != "development" and config["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY:
        raise ConfigError(
            f"SECRET_KEY is the development default; PORTAL_ENV={config['PORTAL_ENV']} needs a random value "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if config["PORTAL_ENV"] == "production":
        key = config["SECRET_KEY"]
        if key == DEVELOPMENT_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                "SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters in production "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
    _check_keys(config)
    _check_rate_limit_storage(config)


def server_processes(argv: list[str] | None = None, env: dict | None = None) -> int | None:
    """How many processes serve the app, when the command line or WEB_CONCURRENCY says so
    (gunicorn's --workers/-w, GUNICORN_CMD_ARGS); None when it cannot be told."""
    argv = sys.argv if argv is None else argv
    env = os.environ if env is None else env
    words = list(argv) if argv and os.path.basename(argv[0]).startswith("gunicorn") else []
    words += shlex.split(env.get("GUNICORN_CMD_ARGS", ""))
    count = None
    for index, word in enumerate(words):
        value = None
        if word in ("-w", "--workers") and index + 1 < len(words):
            value = words[index + 1]
        elif word.startswith("--workers="):
            value = word.split("=", 1)[1]
        elif word.startswith("-w") and word[2:].isdigit():
            value = word[2:]
        if value is not None and value.isdigit():
            count = int(value)
    if count is None and env.get("WEB_CONCURRENCY", "").isdigit():
        count = int(env["WEB_CONCURRENCY"])
    return count


def _check_rate_limit_storage(config: dict) -> None:
    """Counters in memory are per process: with several, each lets the full limit through."""
    if config["PORTAL_ENV"] != "production" or not config["RATELIMIT_ENABLED"]:
        return
    if not config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return
    processes = server_processes()
    advice = ("set RATELIMIT_STORAGE_URI=redis://HOST:6379/0 so every process shares the log-in and API "
              "rate-limit counters")
    if processes is not None and processes > 1:
        raise ConfigError(f"{processes} processes serve the portal but rate limits are counted in memory, "
                          f"per process (RATELIMIT_STORAGE_URI=memory://): {advice}")
    logging.getLogger("portal").warning(
        "rate limits are counted in memory (RATELIMIT_STORAGE_URI=memory://): right for one process only; "
        "with more than one, %s", advice)


def _check_keys(config: dict) -> None:
    if config["PORTAL_ENV"] == "production":
        if not config["PORTAL_DATA_KEYS"] or not config["PORTAL_INDEX_KEY"]:
            raise ConfigError(
                "PORTAL_DATA_KEYS and PORTAL_INDEX_KEY must be set in production: personal data is "
                f"encrypted with them (PORTAL_DATA_KEYS=1:<key>, PORTAL_INDEX_KEY=<key>; make a key with {HOW_TO_MAKE_A_KEY})"
            )
    try:
        ring = Keyring.from_settings(config["PORTAL_DATA_KEYS"], config["PORTAL_INDEX_KEY"])
    except KeyError_ as exc:
        raise ConfigError(str(exc)) from None
    if config["PORTAL_ENV"] == "production" and ring.uses_published_keys():
        raise ConfigError("PORTAL_DATA_KEYS / PORTAL_INDEX_KEY hold the published development key; "
                          f"production needs random keys ({HOW_TO_MAKE_A_KEY})")
