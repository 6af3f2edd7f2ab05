"""Public pages: the landing page, the public notice (Art. 32), language switch and /healthz."""
