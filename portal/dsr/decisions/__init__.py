"""Applying staff decisions to the data: corrections, erasure, suspension, stop of provision, disclosure.

The staff request page calls one function, `complete_with_decision(request, actor=…,
decision=…, expected_version=…)`, with a `Decision` built by `decision_from_form`; it renders
the choices from `describe_decision_form(request)`.
"""
from portal.dsr.decisions.apply import complete_with_decision  # noqa: F401
from portal.dsr.decisions.decision import Decision, DecisionInvalid, Verdict, decision_from_form  # noqa: F401
from portal.dsr.decisions.options import describe_decision_form  # noqa: F401
from portal.dsr.decisions.preview import DESTRUCTIVE_TYPES, Preview, needs_confirmation, preview_decision  # noqa: F401
