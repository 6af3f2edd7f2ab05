"""Proving who a customer is: a mailed link or code, then an optional step-up check."""
