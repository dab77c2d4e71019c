"""Staff texts go through the provider registry: Twilio's REST API (a real HTTP server on
loopback stands in for it) or the console provider; failures retry with back-off."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from conversations.tests.conftest import twilio
from distribution.tests.test_races import in_threads
from escalations.tests.support import at, chicago, run_worker_at
from forecourt.lib.outbox import answered, answers_later
from forecourt.testing import wait_until
from notifications.actions import notify
from notifications.models import Kind, OutboundText
from notifications.tasks import sweep_texts

__all__ = ["twilio"]  # the fixture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def texting_carol(riverside, carol):
    riverside.leads_phone = "+15125550100"
    riverside.save()
    carol.mobile = "+15125550003"
    carol.save()
    return carol


def test_escalation_text_is_posted_to_twilio_with_basic_auth(texting_carol, carols_quiet_lead, twilio):
    with at(chicago(2026, 3, 10, 10, 30)):
        notify(user=texting_carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue: Jordan Sample")
    run_worker_at(chicago(2026, 3, 10, 10, 30, 1))
    run_worker_at(chicago(2026, 3, 10, 10, 31))

    assert len(twilio.requests) == 1, "sent once"
    request = twilio.requests[0]
    assert request["path"] == "/2010-04-01/Accounts/AC0123456789/Messages.json"
    assert request["auth"] == "Basic " + base64.b64encode(b"AC0123456789:secret-token").decode()
    assert request["form"] == {
        "To": ["+15125550003"],
        "From": ["+15125550100"],
        "Body": [f"Overdue: Jordan Sample http://127.0.0.1:8000/leads/{carols_quiet_lead.pk}/"],
    }
    text = OutboundText.objects.get()
    assert (text.status, text.provider, text.provider_sid) == ("sent", "twilio", f"SM{1:032d}")


def test_a_provider_outage_is_retried_with_back_off(texting_carol, carols_quiet_lead, twilio):
    twilio.statuses = [503]
    with at(chicago(2026, 3, 10, 10, 30)):
        notify(user=texting_carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue: Jordan Sample")
    run_worker_at(chicago(2026, 3, 10, 10, 30, 1))
    text = OutboundText.objects.get()
    assert (text.status, text.attempts) == ("pending", 1)
    assert "HTTP 503" in text.last_error

    run_worker_at(chicago(2026, 3, 10, 10, 30, 10))
    assert len(twilio.requests) == 1, "not again before the back-off"
    run_worker_at(text.due_at + timedelta(seconds=1))
    text.refresh_from_db()
    assert text.status == "sent"
    assert len(twilio.requests) == 2


def test_a_refused_text_is_not_retried(texting_carol, carols_quiet_lead, twilio):
    twilio.statuses = [400]
    with at(chicago(2026, 3, 10, 10, 30)):
        notify(user=texting_carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue")
    run_worker_at(chicago(2026, 3, 10, 10, 30, 1))
    run_worker_at(chicago(2026, 3, 10, 12, 0))
    assert OutboundText.objects.get().status == "failed"
    assert len(twilio.requests) == 1


def test_the_console_provider_records_the_text_without_sending_it(texting_carol, carols_quiet_lead, settings, caplog):
    settings.SMS_PROVIDER = "console"
    with at(chicago(2026, 3, 10, 10, 30)):
        notify(user=texting_carol, kind=Kind.NEW_LEAD, lead=carols_quiet_lead, text="New lead: Jordan Sample")
    with caplog.at_level("INFO", logger="notifications.sms"):
        run_worker_at(chicago(2026, 3, 10, 10, 30, 1))
    text = OutboundText.objects.get()
    assert (text.status, text.provider, text.provider_sid) == ("sent", "console", f"console-{text.pk}")
    assert "text to +15125550003: New lead: Jordan Sample" in caplog.text


def test_no_text_without_a_mobile_number(riverside, carol, carols_quiet_lead):
    notify(user=carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue")
    assert not OutboundText.objects.exists()


def test_a_bursts_texts_go_to_a_slow_provider_side_by_side_and_each_once(
    texting_carol, carols_quiet_lead, twilio, settings
):
    """A provider across the internet answers each text in a few hundred milliseconds: the worker
    hands a burst's texts over side by side, and two workers sweeping at the same moment still
    send each text once."""
    twilio.answer_after = 0.1
    settings.SENDS_AT_ONCE = 4
    with at(chicago(2026, 3, 10, 10, 30)):
        for number in range(12):
            notify(user=texting_carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text=f"Overdue {number}")

    with at(chicago(2026, 3, 10, 10, 30, 1)):
        assert sum(in_threads(2, lambda _: sweep_texts())) == 12
    bodies = sorted(str(request["form"]["Body"][0]).split()[1] for request in twilio.requests)
    assert bodies == sorted(str(number) for number in range(12)), "every text once"
    texts = OutboundText.objects.all()
    assert {text.status for text in texts} == {"sent"}
    assert len({text.provider_sid for text in texts}) == 12
    assert twilio.most_at_once > 1


def test_the_running_worker_hands_the_next_text_over_without_waiting_for_the_last_ones_answer(
    texting_carol, carols_quiet_lead, twilio
):
    with at(chicago(2026, 3, 10, 10, 30)):
        notify(user=texting_carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue first")
    with answers_later(threads=4), at(chicago(2026, 3, 10, 10, 30, 1)), twilio.holding_answers():
        sweep_texts()  # hands the first text over and goes on
        notify(user=texting_carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue second")
        sweep_texts()
        handed_over = wait_until(lambda: len(twilio.requests) == 2, 30)
        assert handed_over, "the second was handed over while the first was being answered"
        assert twilio.most_at_once == 2
    # Once the worker stops, every answer is recorded: each text sent once, with its provider's id.
    texts = OutboundText.objects.order_by("pk")
    assert [(text.status, bool(text.provider_sid)) for text in texts] == [("sent", True), ("sent", True)]
    assert len(twilio.requests) == 2


def test_an_idle_worker_is_woken_once_by_each_answer_that_comes_in(texting_carol, carols_quiet_lead, twilio):
    with at(chicago(2026, 3, 10, 10, 30)):
        notify(user=texting_carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue")
    with answers_later(threads=4), at(chicago(2026, 3, 10, 10, 30, 1)):
        with twilio.holding_answers():
            assert sweep_texts() == 1  # handed over; the answer is still to come
            assert wait_until(lambda: twilio.requests, 30)
            assert not answered()
        assert wait_until(answered, 30), "the answer woke nobody"
        # Said once: an answer that could not be recorded does not keep the worker passing in a loop.
        assert not answered()
        assert OutboundText.objects.get().status == "pending"
        assert sweep_texts() == 1  # the pass it woke records it
        assert OutboundText.objects.get().status == "sent"


def test_a_bursts_answers_are_recorded_together_each_with_its_own_id_and_none_over_a_change_made_meanwhile(
    texting_carol, carols_quiet_lead, twilio
):
    with at(chicago(2026, 3, 10, 10, 30)):
        for number in range(5):
            notify(user=texting_carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text=f"Overdue {number}")
    first = OutboundText.objects.earliest("pk")
    with answers_later(threads=4), at(chicago(2026, 3, 10, 10, 30, 1)):
        with twilio.holding_answers():
            assert sweep_texts() == 5  # all handed over, none answered yet
            assert wait_until(lambda: len(twilio.requests) == 5, 30)
            OutboundText.objects.filter(pk=first.pk).update(status=OutboundText.Status.FAILED)
        assert wait_until(answered, 30)
        assert sweep_texts() == 5  # the pass the answers woke records them
    texts = OutboundText.objects.order_by("pk")
    assert [(text.status, bool(text.provider_sid)) for text in texts] == [("failed", False)] + [("sent", True)] * 4
    assert len({text.provider_sid for text in texts[1:]}) == 4
    assert all(text.sent_at == chicago(2026, 3, 10, 10, 30, 1) for text in texts[1:])
