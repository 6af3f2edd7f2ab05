"""Leak incidents (漏えい等事案, APPI Art. 26): the record, its report deadlines, the report to the
Commission, the affected persons and their notification."""
