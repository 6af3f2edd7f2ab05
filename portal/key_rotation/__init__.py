"""The `rotate-key` command: re-encrypt what is stored under the active key, and say so in the audit
log. Outside `portal.encryption`, which the audit log itself stands on (its checkpoint key)."""
