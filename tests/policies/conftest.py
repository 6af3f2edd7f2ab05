"""The policies page is a staff page: borrow the staff fixtures (accounts, real log-ins)."""
from tests.staff.conftest import audit_actions, create_staff, login_as, login_staff  # noqa: F401
