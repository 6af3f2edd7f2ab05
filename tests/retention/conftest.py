"""Retention fixtures: the staff log-in helpers and the agents' upload folder, reused."""
from tests.agents.conftest import upload_dir  # noqa: F401
from tests.staff.conftest import audit_actions, create_staff, login_as, login_staff  # noqa: F401
