"""A text that arrives while the dealership is closed gets its after-hours reply, once per
conversation per closed period, never to a customer who opted out, never as a human reply, and
not before 08:00 the customer's time (nor at all when the dealership opens first)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_lead
from conversations.inbound import receive_text
from conversations.models import AfterHoursReply, Message
from distribution.tests.test_races import in_threads
from escalations.tests.support import at, chicago, run_worker_at

pytestmark = pytest.mark.django_db(transaction=True)
AFTER_HOURS = "Thanks for texting Riverside Toyota! We're closed and will reply when we open."
MONDAY_1930 = chicago(2026, 3, 16, 19, 30)  # Riverside closes at 19:00 on weekdays
TUESDAY_0200 = chicago(2026, 3, 17, 2, 0)


@pytest.fixture
def lead(texting, carol):
    texting.after_hours_sms = AFTER_HOURS
    texting.save()
    with at(chicago(2026, 3, 16, 12, 0)):
        return make_lead(texting, assigned_to=carol)


def text(body: str, sid: str, when):
    with at(when):
        return receive_text(to_number="+15125550199", from_number="+15125550100", body=body, provider_id=sid)


def replies():
    return list(Message.objects.filter(direction="out").values_list("body", "status", "automated"))


def test_a_text_after_closing_gets_the_after_hours_reply_which_is_nobodys_human_reply(lead, twilio):
    text("Is the RAM still there?", "SM1", MONDAY_1930)
    run_worker_at(MONDAY_1930 + timedelta(seconds=5))

    assert replies() == [(AFTER_HOURS, "sent", True)]
    form = twilio.requests[0]["form"]
    assert (form["From"], form["To"], form["Body"]) == (["+15125550199"], ["+15125550100"], [AFTER_HOURS])
    lead.refresh_from_db()
    assert lead.first_response_at is None


def test_the_reply_comes_once_per_closed_period(lead):
    text("Is the RAM still there?", "SM1", MONDAY_1930)
    text("Hello?", "SM2", MONDAY_1930 + timedelta(minutes=20))
    assert len(replies()) == 1

    text("Still there?", "SM3", MONDAY_1930 + timedelta(days=1))  # Tuesday evening: a new closed period
    assert len(replies()) == 2


def test_no_reply_while_the_dealership_is_open(lead):
    text("Is the RAM still there?", "SM1", chicago(2026, 3, 16, 10, 0))
    assert replies() == []


def test_a_two_am_text_gets_its_reply_at_eight_the_customers_time(lead, twilio):
    text("Is the RAM still there?", "SM1", TUESDAY_0200)
    text("Hello?", "SM2", TUESDAY_0200 + timedelta(hours=1))

    reply = Message.objects.get(direction="out")
    assert (reply.status, reply.due_at) == (Message.Status.HELD, chicago(2026, 3, 17, 8, 0))
    run_worker_at(chicago(2026, 3, 17, 7, 59))
    assert twilio.requests == []
    run_worker_at(chicago(2026, 3, 17, 8, 0))
    reply.refresh_from_db()
    assert reply.status == Message.Status.SENT
    assert len(twilio.requests) == 1


def test_no_reply_to_a_night_text_when_the_dealership_opens_before_eight(lead):
    lead.dealership.hours = {**lead.dealership.hours, "tue": ["07:00-19:00"]}
    lead.dealership.save()
    text("Is the RAM still there?", "SM1", TUESDAY_0200)
    assert replies() == []


def test_a_held_reply_the_worker_reaches_only_after_opening_is_not_sent(lead, twilio):
    text("Is the RAM still there?", "SM1", TUESDAY_0200)
    run_worker_at(chicago(2026, 3, 17, 9, 30))  # the worker was away from 08:00 to 09:30

    reply = Message.objects.get(direction="out")
    assert reply.status == Message.Status.FAILED
    assert reply.last_error == (
        "Not sent: Riverside Toyota opened at 09:00 before quiet hours ended, "
        "so the after-hours reply was no longer needed."
    )
    assert twilio.requests == []


def test_a_customer_who_opted_out_gets_no_after_hours_reply(lead):
    text("STOP", "SM1", chicago(2026, 3, 16, 18, 0))
    text("Actually, what's the price?", "SM2", MONDAY_1930)
    assert [body for body, _, _ in replies()] == [
        "You're unsubscribed from Riverside Toyota texts. Reply START to resubscribe."
    ]


def test_a_keyword_after_hours_gets_its_own_answer_and_not_the_after_hours_reply(lead):
    text("HELP", "SM1", MONDAY_1930)
    assert [body for body, _, _ in replies()] == [
        "Riverside Toyota: text STOP to opt out. Call (512) 555-0199."
    ]  # no main phone: the leads number


def test_a_dealership_without_opening_hours_sends_no_after_hours_reply(lead):
    lead.dealership.hours = {}
    lead.dealership.save()
    text("Is the RAM still there?", "SM1", MONDAY_1930)
    assert replies() == []


def test_two_texts_at_the_same_moment_after_hours_get_one_reply(lead):
    text("Hi", "SM0", MONDAY_1930 - timedelta(hours=8))  # the conversation exists already
    with at(MONDAY_1930):
        in_threads(
            2,
            lambda i: receive_text(
                to_number="+15125550199", from_number="+15125550100", body=f"Hello {i}", provider_id=f"SM{i + 1}"
            ),
        )
    assert AfterHoursReply.objects.count() == 1
    assert len(replies()) == 1


def test_a_night_yes_from_a_customer_who_never_opted_out_is_an_ordinary_text_and_waits_for_eight(lead):
    text("Yes", "SM1", TUESDAY_0200)
    reply = Message.objects.get(direction="out")
    assert (reply.body, reply.status, reply.due_at) == (AFTER_HOURS, Message.Status.HELD, chicago(2026, 3, 17, 8, 0))
