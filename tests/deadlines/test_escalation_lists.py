"""The escalation mail lists what is at risk (issue #16 item 6): besides the request it is about
(with its assignee and how late it is), every open request overdue or due within 3 days, each
with its reference, type, due date, days left or overdue and assignee — not only a count."""
from __future__ import annotations

import re



def _body(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def _line(text: str, reference: str) -> str:
    [line] = [line for line in text.splitlines() if reference in line and line.lstrip().startswith("-")]
    return line


def test_the_escalation_mail_lists_every_request_at_risk(tick, make_request, create_staff, smtp_server):
    agent = create_staff("agent", name="Agent Sato", with_2fa=False)
    manager = create_staff("manager", with_2fa=False)
    late = make_request(due_in_days=-2, assignee=agent)
    soon = make_request(due_in_days=2, assignee=agent, type="erasure")
    today = make_request(due_in_days=0, assignee=agent)
    later = make_request(due_in_days=10, assignee=agent)

    assert tick().startswith("reminders: 2 due-soon, 1 overdue escalation")

    [mail] = [m for m in smtp_server.to(manager.email) if late in m["Subject"]]
    text = _body(mail)
    assert "担当者: Agent Sato" in text and "2日超過" in text
    assert "期限超過・3日以内に期限の請求（3件）" in text
    assert re.search(r"2日超過", _line(text, late)) and "Agent Sato" in _line(text, late)
    assert "あと2日" in _line(text, soon) and "消去" in _line(text, soon)
    assert "本日期限" in _line(text, today)
    assert later not in text
    assert "http://portal.test/staff/?risk=1" in text
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert all(reference in html for reference in (late, soon, today)) and later not in html


def test_an_unassigned_request_at_risk_says_nobody_has_it(tick, make_request, create_staff, smtp_server):
    manager = create_staff("manager", with_2fa=False)
    waiting = make_request(due_in_days=1)

    tick()

    [mail] = [m for m in smtp_server.to(manager.email) if waiting in m["Subject"]]
    assert "担当者なし" in _line(_body(mail), waiting)
