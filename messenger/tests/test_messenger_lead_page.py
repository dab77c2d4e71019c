"""The lead page of a customer who wrote on Messenger: the thread marks each message's channel and
the composer answers on Messenger while Meta's window is open, and says why not once it closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversations.models import Message
from distribution.tests.conftest import OPEN
from escalations.tests.support import at, run_worker_at
from leads.models import Lead
from messenger.tests.hooks import PSID, message_event, post_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lead(graph, page, carol) -> Lead:
    graph.profiles[PSID] = ("Jordan", "Sample")
    with at(OPEN):
        post_event(message_event("Is the white Tacoma still available?"))
    run_worker_at(OPEN)
    found = Lead.objects.get()
    Lead.objects.filter(pk=found.pk).update(assigned_to=carol)
    return found


def test_the_thread_marks_the_messenger_message_and_the_composer_answers_there(lead, carol, client_for, graph):
    client = client_for(carol)
    with at(OPEN + timedelta(minutes=1)):
        page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert '<span class="msg-channel msg-channel-messenger">Messenger</span>' in page
    assert '<input type="hidden" name="channel" value="messenger">' in page

    with at(OPEN + timedelta(minutes=2)):
        answer = client.post(
            f"/leads/{lead.pk}/conversation/send/", {"body": "Yes! Come by at 5?", "channel": "messenger"}
        )
    assert answer.status_code == 302
    run_worker_at(OPEN + timedelta(minutes=2, seconds=1))

    reply = Message.objects.get(direction="out")
    assert (reply.channel, reply.status, reply.sent_by, reply.to_address) == ("messenger", "sent", carol, PSID)
    lead.refresh_from_db()
    assert lead.first_response_channel == "messenger"
    assert graph.sent[0]["json"]["message"]["text"] == "Yes! Come by at 5?"


def test_with_a_phone_number_too_the_composer_offers_both_messenger_first(lead, carol, client_for, page):
    page.leads_phone = "+15125550199"
    page.save()
    lead.customer.phones.create(number="+15125550100", type="cellphone")
    with at(OPEN + timedelta(minutes=1)):
        shown = client_for(carol).get(f"/leads/{lead.pk}/").content.decode()
    messenger = shown.index('id="channel-messenger" checked')
    assert messenger < shown.index('id="channel-sms"')  # offered first, and chosen


def test_after_the_window_closed_the_page_says_why_and_offers_no_messenger(lead, carol, client_for):
    with at(OPEN + timedelta(hours=30)):
        page = client_for(carol).get(f"/leads/{lead.pk}/").content.decode()
        refused = client_for(carol).post(
            f"/leads/{lead.pk}/conversation/send/", {"body": "Hi?", "channel": "messenger"}
        )
    assert 'id="cannot-messenger"' in page
    assert "more than 24 hours ago" in page
    assert 'value="messenger"' not in page
    assert refused.status_code == 302
    assert not Message.objects.filter(direction="out").exists()
