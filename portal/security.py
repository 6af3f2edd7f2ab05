"""What every response carries so a browser treats the portal as the sensitive site it is.

- A strict Content-Security-Policy: our own scripts, styles and images only — no inline
  script or style anywhere (templates keep JS in static/js/ and CSS in static/css/), and
  no framing (`frame-ancestors 'none'`, X-Frame-Options for older browsers).
- nosniff, a same-origin referrer (URLs hold request references), a minimal
  Permissions-Policy and a same-origin opener.
- `Cache-Control: no-store` on everything but static files and the public pages, because
  customer, staff, agent and API answers hold personal data.
- Behind a reverse proxy, `PORTAL_TRUST_PROXY=<number of proxies>` makes the portal believe
  their X-Forwarded-For/-Proto/-Host (ProxyFix); never set it when clients reach the
  portal directly, or anyone could claim to be HTTPS or another address.
- Over HTTPS (the request is secure after ProxyFix, or `PORTAL_HTTPS=1`) responses send
  HSTS and the session cookie is marked Secure.

A view that serves files (letters of authority, packages) may set a stricter CSP of its
own; it is kept as it is.
"""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000; includeSubDomains"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: Endpoints whose answers may be cached: they hold nothing about anyone.
CACHEABLE_ENDPOINTS = frozenset({"static", "site.index", "site.notice"})


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS, even without
    SESSION_COOKIE_SECURE, so one HTTPS deployment cannot forget it."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def init_app(app: Flask) -> None:
    proxies = int(app.config.get("PORTAL_TRUST_PROXY", 0))
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    # Flask-Login's remember cookie (staff) gets the session cookie's flags.
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    if app.config.get("PORTAL_HTTPS"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.session_interface = SessionInterface()
    app.after_request(add_security_headers)


def is_https() -> bool:
    from flask import current_app

    return request.is_secure or bool(current_app.config.get("PORTAL_HTTPS"))


def add_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if is_https():
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        response.headers.setdefault("Cache-Control", "no-store")
    return response
