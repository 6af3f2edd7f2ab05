"""Opt-out fixtures: customer log-ins come from the customer package's fixtures."""
from tests.customer.conftest import login_customer  # noqa: F401  (fixture)
