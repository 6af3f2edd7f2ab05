"""名寄せ: finding the records that describe one person, merging them, and undoing a merge.

A merge moves everything that points at the merged person (items, consent events, provision
records, requests, sessions…) to the survivor in one transaction, and keeps the merged
person's row as an alias (`Person.merged_into_id`): its key keeps resolving to the survivor,
so a later CRM import of the old key updates the survivor instead of re-creating the
duplicate, and a customer who verifies with the old address reaches the survivor.
"""
