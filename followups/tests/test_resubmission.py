"""An overdue follow-up is a resubmission: its salesperson is reminded, then the supervisor."""

from __future__ import annotations

import pytest

from escalations.tests.support import at, chicago, mail_summary, run_worker_at
from followups.actions import complete_followup, create_followup

pytestmark = pytest.mark.django_db(transaction=True)


def test_overdue_follow_up_reminds_the_salesperson_then_tells_the_supervisor(
    riverside, carol, bob, carols_quiet_lead, sink
):
    with at(chicago(2026, 3, 10, 11, 0)):
        create_followup(
            lead=carols_quiet_lead, title="Send the trade-in offer", due_at=chicago(2026, 3, 11, 10, 0), actor=carol
        )

    run_worker_at(chicago(2026, 3, 11, 9, 59))
    assert sink.messages == []
    run_worker_at(chicago(2026, 3, 11, 10, 0))
    run_worker_at(chicago(2026, 3, 11, 11, 0))
    assert mail_summary(sink.messages) == [("carol@example.com", "Follow-up due")]
    assert "“Send the trade-in offer”" in sink.messages[0].get_content()

    run_worker_at(chicago(2026, 3, 11, 12, 0))  # resubmission_stage2_minutes = 120
    run_worker_at(chicago(2026, 3, 11, 15, 0))
    assert mail_summary(sink.messages) == [
        ("carol@example.com", "Follow-up due"),
        ("bob@example.com", "Follow-up overdue"),
    ]
    assert "Carol Seller's “Send the trade-in offer”" in sink.messages[1].get_content()


def test_a_follow_up_completed_in_time_chases_nobody(riverside, carol, bob, carols_quiet_lead, sink):
    with at(chicago(2026, 3, 10, 11, 0)):
        task = create_followup(
            lead=carols_quiet_lead, title="Call back", due_at=chicago(2026, 3, 11, 10, 0), actor=carol
        )
    with at(chicago(2026, 3, 11, 9, 59, 59)):
        complete_followup(followup=task, actor=carol, comment="Called, appointment Friday")
    run_worker_at(chicago(2026, 3, 11, 16, 0))
    assert sink.messages == []


def test_a_task_for_someone_else_chases_them_and_their_supervisor(riverside, carol, dave, bob, carols_quiet_lead, sink):
    with at(chicago(2026, 3, 10, 11, 0)):
        create_followup(
            lead=carols_quiet_lead,
            title="Valuate the trade",
            due_at=chicago(2026, 3, 11, 10, 0),
            actor=carol,
            assignee=dave,
        )
    run_worker_at(chicago(2026, 3, 11, 13, 0))
    assert mail_summary(sink.messages) == [
        ("dave@example.com", "Follow-up due"),
        ("bob@example.com", "Follow-up overdue"),
    ]
