"""Importing this module attaches every API route to the `api` blueprint."""
from portal.api import data_views, openapi, opendsr, reports_views, requests_views  # noqa: F401
from portal.api.blueprint import bp

__all__ = ["bp"]
