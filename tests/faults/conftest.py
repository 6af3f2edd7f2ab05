"""Fault fixtures: API tokens and the JSON client, reused from the API tests."""
from tests.api.conftest import api, make_token, token  # noqa: F401
