"""/staff/imports: a manager uploads a CSV export, maps its columns, checks it, then loads it."""
