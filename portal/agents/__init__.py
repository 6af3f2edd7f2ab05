"""Requests filed by an agent (代理人) for a person, and by verified requesters we cannot match.

Both kinds wait for staff: an agent's until the letter of authority is checked, an unmatched
requester's until staff find the person the request is about.
"""
