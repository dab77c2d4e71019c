"""Each user chooses channels per kind of event; informational notices wait for opening hours,
escalations do not; nothing informational goes out on a holiday."""

from __future__ import annotations

import pytest

from escalations.tests.support import at, chicago, mail_summary, run_worker_at
from notifications.actions import notify, preferences_for, set_preferences
from notifications.models import Kind, Notification, OutboundEmail, OutboundText

pytestmark = pytest.mark.django_db(transaction=True)


def test_defaults_are_every_kind_in_the_app_and_by_email_and_texts_for_new_leads_and_escalations(carol):
    chosen = preferences_for(carol)
    assert all(chosen[k]["in_app"] and chosen[k]["email"] for k in Kind.values)
    assert sorted(k for k in Kind.values if chosen[k]["sms"]) == ["escalation", "new_lead"]


def test_a_channel_switched_off_is_not_used(riverside, carol, carols_quiet_lead, sink):
    carol.mobile = "+15125550003"
    carol.save()
    set_preferences(
        user=carol,
        actor=carol,
        choices={Kind.REMINDER: {"in_app": True, "email": False, "sms": True}, Kind.ESCALATION: {}},
    )
    with at(chicago(2026, 3, 10, 10, 0)):
        notify(user=carol, kind=Kind.REMINDER, lead=carols_quiet_lead, text="Reminder: reply to Jordan")
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue: Jordan")
    run_worker_at(chicago(2026, 3, 10, 10, 0, 1))

    assert sink.messages == [], "email is off for reminders, everything is off for escalations"
    texts = list(OutboundText.objects.values_list("to", "body", "status", "provider"))
    assert texts == [
        (
            "+15125550003",
            f"Reminder: reply to Jordan http://127.0.0.1:8000/leads/{carols_quiet_lead.pk}/",
            "sent",
            "console",
        )
    ]
    bell = Notification.objects.filter(user=carol, in_app=True)
    assert [n.text for n in bell] == ["Reminder: reply to Jordan"]


def test_someone_cannot_choose_anothers_notifications(carol, dave):
    with pytest.raises(PermissionError):
        set_preferences(user=carol, actor=dave, choices={Kind.REMINDER: {}})


def test_informational_email_after_closing_is_held_until_the_next_opening(riverside, carol, carols_quiet_lead, sink):
    with at(chicago(2026, 3, 10, 20, 15)):
        notify(user=carol, kind=Kind.NEW_LEAD, lead=carols_quiet_lead, text="New lead: Jordan Sample")
    assert OutboundEmail.objects.get().due_at == chicago(2026, 3, 11, 9, 0)
    assert Notification.objects.get().in_app, "the bell shows it at once"

    run_worker_at(chicago(2026, 3, 10, 20, 16))
    run_worker_at(chicago(2026, 3, 11, 8, 59))
    assert sink.messages == []
    run_worker_at(chicago(2026, 3, 11, 9, 0))
    assert mail_summary(sink.messages) == [("carol@example.com", "New lead")]


def test_informational_email_inside_opening_hours_goes_at_once(riverside, carol, carols_quiet_lead, sink):
    with at(chicago(2026, 3, 10, 11, 0)):
        notify(user=carol, kind=Kind.CUSTOMER_REPLIED, lead=carols_quiet_lead, text="Jordan Sample replied")
    run_worker_at(chicago(2026, 3, 10, 11, 0, 1))
    assert mail_summary(sink.messages) == [("carol@example.com", "Jordan Sample replied (Riverside Toyota)")]


def test_on_a_holiday_only_escalations_are_sent(riverside, carol, carols_quiet_lead, sink):
    christmas = chicago(2026, 12, 25, 11, 0)
    with at(christmas):
        notify(user=carol, kind=Kind.CUSTOMER_REPLIED, lead=carols_quiet_lead, text="Jordan Sample replied")
        notify(user=carol, kind=Kind.REASSIGNED, lead=carols_quiet_lead, text="Lead reassigned to you")
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue: Jordan Sample")
    run_worker_at(chicago(2026, 12, 25, 11, 1))
    run_worker_at(chicago(2026, 12, 27, 12, 0))  # Sunday: closed
    assert mail_summary(sink.messages) == [("carol@example.com", "Overdue")]
    run_worker_at(chicago(2026, 12, 28, 9, 0))  # the Monday after Christmas
    assert sorted(mail_summary(sink.messages)[1:]) == [
        ("carol@example.com", "Jordan Sample replied (Riverside Toyota)"),
        ("carol@example.com", "Lead reassigned to you (Riverside Toyota)"),
    ]


def test_a_deactivated_user_is_told_nothing(riverside, carol, carols_quiet_lead):
    carol.is_active = False
    carol.save()
    assert notify(user=carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue") is None
    assert not Notification.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_an_unknown_kind_is_refused(carol, carols_quiet_lead):
    with pytest.raises(ValueError, match="Unknown kind"):
        notify(user=carol, kind="gossip", lead=carols_quiet_lead, text="psst")
