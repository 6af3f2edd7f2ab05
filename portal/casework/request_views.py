"""The request page (/staff/requests/<reference>): reading it, searching people, opening full data."""
from __future__ import annotations

from flask import abort, make_response, render_template, request

from portal.casework import display, forms, person, services
from portal.casework.page import render_case
from portal.dsr.models import DataRequest
from portal.dsr.queries import get_by_reference
from portal.staff.auth import current_staff, staff_required
from portal.staff.blueprint import bp
from portal.staff.login import staff_actor


def open_case(reference: str) -> DataRequest:
    """The request with this reference, if this staff member may open it; else 404 or a refusal."""
    found = get_by_reference(reference)
    if found is None:
        abort(404)
    user = current_staff()
    if not services.may_open(found, user):
        names = display.staff_names({found.assignee_id})
        page = render_template("casework/refused.html", req=found, assignee=names.get(found.assignee_id))
        abort(make_response(page, 403))
    return found


@bp.get("/requests/<reference>")
@staff_required
def request_page(reference: str):
    """Everything about one request on one page; `person_q` searches the register to match it."""
    case = open_case(reference)
    search_form = forms.PersonSearchForm(request.args)
    person_search = None
    if search_form.person_q.data and search_form.validate() and case.is_open:
        kind, people = person.search_people(search_form.person_q.data)
        services.record_person_search(case, actor=staff_actor(current_staff()), kind=kind, found=len(people))
        person_search = {"form": search_form, "people": people}
    return render_case(case, person_search=person_search)


@bp.post("/requests/<reference>/person-data")
@staff_required
def person_data(reference: str):
    """Open every value held about the person, for this page view only (an audited action).

    Answered with the page itself rather than a redirect: the values are not kept anywhere
    for a later GET, so reloading or sharing the address shows the summary again.
    """
    case = open_case(reference)  # (CSRFProtect has checked the form's token, as for every POST)
    if case.person_id is None:
        abort(404)
    categories = person.full_data(case.person_id)
    services.record_person_data_view(case, actor=staff_actor(current_staff()),
                                     items_shown=sum(len(c.items) for c in categories))
    return render_case(case, full_data=categories)

