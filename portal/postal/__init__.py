"""Requests from people without email: the form on the portal, and the letters staff post."""
