"""Retention: what is deleted or anonymised when no longer needed, all done by `tick`."""
