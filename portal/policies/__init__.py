"""The admins' page for deadline policies (the rules themselves live in `portal.dsr.policies`)."""
