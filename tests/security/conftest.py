"""Security tests reuse the customer and staff fixtures (real sessions, real log-ins)."""
from tests.customer.conftest import customers, login_customer  # noqa: F401
from tests.staff.conftest import create_staff, login_staff  # noqa: F401
