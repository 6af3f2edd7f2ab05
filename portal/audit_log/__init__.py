"""The admins' audit log page (/staff/audit): browse, filter and export the hash-chained log."""
