"""Casework: the staff queue and the request page, where requests are worked to resolution.

The routes hang on the `staff` blueprint (/staff/…), so they share its log-in, idle time-out
and no-store headers. Everything that changes a request goes through `portal.dsr.services`;
this package owns only what staff see and which forms they may submit.
"""
