"""Periodic work: `flask --app portal tick` runs every registered job once."""
