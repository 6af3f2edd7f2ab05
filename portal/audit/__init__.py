"""The hash-chained audit log: who saw or changed which person's data, when, from where."""
