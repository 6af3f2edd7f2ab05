"""Staff intake (/staff/requests/new): requests that came by phone, post or at the counter."""
