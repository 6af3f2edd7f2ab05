"""Screens of permission campaigns: the managers' pages and the customer's answer page."""
