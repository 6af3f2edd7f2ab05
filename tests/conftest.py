"""The one conftest: hooks for the whole run, and the fixture modules every test can ask for by name.

Shared fixtures live in tests/fixtures/<area>.py, registered below as plugins, so a test names the
fixture it needs as an argument and never imports another package's conftest. Plain helpers
(`csrf_from`, `text_of`, `read_mail`, …) are imported from those modules like any other function.
"""
from __future__ import annotations

import os

from hypothesis import settings as _hypothesis_settings

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.smtp",
    "tests.fixtures.staff",
    "tests.fixtures.customers",
    "tests.fixtures.customer_requests",
    "tests.fixtures.verification",
    "tests.fixtures.agents",
    "tests.fixtures.dsr",
    "tests.fixtures.decisions",
    "tests.fixtures.casework",
    "tests.fixtures.deadlines",
    "tests.fixtures.reports",
    "tests.fixtures.api",
    "tests.fixtures.webhooks",
    "tests.fixtures.plans",
    "tests.fixtures.migrations",
    "tests.fixtures.browser",
    "tests.fixtures.campaigns",
    "tests.fixtures.merging",
]

# Property tests explore new inputs on every local run; CI replays a fixed sequence so that a
# submission cannot turn red by chance (a failure found locally is fixed, then kept as a test).
_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    _hypothesis_settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    """Run browser tests last: Playwright's sync API keeps an event loop running in the
    main thread for the session, which asyncio-based tests (aiosmtpd) cannot share."""
    items.sort(key=lambda item: "browser" in item.keywords)
