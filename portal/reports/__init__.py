"""Reports for managers: figures about requests and deadlines (read-only queries)."""
