"""The customer's pages: what we hold about them (with its source), and their downloads."""
