"""Deadlines keep themselves: reminders to the assignee before a due date, escalations to
managers when a request is overdue or nobody has taken it — each sent once per due date
(the unassigned escalation once per request), from `tick`."""
