"""A salesperson emails the customer from the lead's thread: the mail leaves from the lead's reply
address through the one outbox and the outbound SMTP server, with the dealership's from-name and
the salesperson's name, threaded, copied to the salesperson if they asked; it is a human reply."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings

from accounts.models import ApiToken
from api.tests.conftest import ApiClient
from conversations.actions import send_message
from conversations.channels import CannotSend, NoAddress
from conversations.models import Message
from escalations.models import LeadSla
from escalations.tests.support import at, chicago, run_worker_at
from relay.models import BouncedAddress
from relay.preferences import set_copy_me

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_10 = chicago(2026, 3, 9, 10, 0)


@pytest.fixture
def lead(riverside, carol):
    from conftest import make_lead

    riverside.email_from_name = "Riverside Toyota Sales"
    riverside.save()
    with at(MONDAY_10 - timedelta(minutes=3)):
        return make_lead(riverside, assigned_to=carol)


def to_customer(sink):
    return [m for m in sink.messages if m["To"] == "jordan@example.com"]


def test_an_email_leaves_from_the_leads_reply_address_with_both_names_and_is_the_first_reply(lead, carol, sink):
    with at(MONDAY_10):
        message = send_message(
            lead=lead, channel="email", subject="Your RAM 2500", body="Hi Jordan,\nIt's here.", actor=carol
        )

    lead.refresh_from_db()
    assert (lead.first_response_at, lead.first_response_channel) == (MONDAY_10, "email")
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.MET
    run_worker_at(MONDAY_10 + timedelta(seconds=1))

    [mail] = to_customer(sink)
    assert re.fullmatch(r"lead-[0-9a-f]{40}@" + re.escape(settings.RELAY_DOMAIN), mail["From"].addresses[0].addr_spec)
    assert mail["From"].addresses[0].display_name == "Carol Seller at Riverside Toyota Sales"
    assert mail["Subject"] == "Your RAM 2500"
    assert mail.get_body().get_content().replace("\r\n", "\n").strip() == "Hi Jordan,\nIt's here."
    assert mail["Auto-Submitted"] is None  # a person wrote it
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.from_address == mail["From"].addresses[0].addr_spec
    assert message.provider_id == mail["Message-ID"]


def test_copy_me_sends_the_salesperson_a_blind_copy_unless_they_turned_it_off(lead, carol, sink):
    with at(MONDAY_10):
        send_message(lead=lead, channel="email", subject="One", body="First", actor=carol)
    run_worker_at(MONDAY_10 + timedelta(seconds=1))
    set_copy_me(user=carol, actor=carol, copy_me=False)
    with at(MONDAY_10 + timedelta(minutes=1)):
        send_message(lead=lead, channel="email", subject="Two", body="Second", actor=carol)
    run_worker_at(MONDAY_10 + timedelta(minutes=1, seconds=1))

    assert [rcpts for _, rcpts in sink.envelopes] == [
        ["jordan@example.com", "carol@example.com"],
        ["jordan@example.com"],
    ]
    assert all(m["Bcc"] is None for m in sink.messages)  # the customer never sees the copy


def test_forecourts_own_email_is_marked_auto_submitted_and_is_no_reply(lead, sink):
    with at(MONDAY_10):
        send_message(lead=lead, channel="email", subject="Thanks", body="We got your enquiry.", actor=None)
    run_worker_at(MONDAY_10 + timedelta(seconds=1))

    [mail] = to_customer(sink)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["From"].addresses[0].display_name == "Riverside Toyota Sales"
    lead.refresh_from_db()
    assert lead.first_response_at is None


def test_a_name_or_subject_with_line_breaks_cannot_add_a_header(lead, carol, sink):
    carol.name = "Carol\r\nBcc: thief@example.net"
    carol.save()
    with at(MONDAY_10):
        send_message(lead=lead, channel="email", subject="Hi\r\nBcc: thief@example.net", body="x", actor=carol)
    run_worker_at(MONDAY_10 + timedelta(seconds=1))

    [mail] = to_customer(sink)
    assert mail["Bcc"] is None
    assert all("thief" not in ",".join(rcpts) for _, rcpts in sink.envelopes)
    assert "\n" not in mail["Subject"]
    assert "\n" not in str(mail["From"])


def test_no_email_for_a_customer_without_an_address_one_that_bounced_or_when_emails_are_off(lead, carol, riverside):
    BouncedAddress.objects.create(customer=lead.customer, email="jordan@example.com", reason="5.1.1 no such user")
    with pytest.raises(NoAddress, match="no email address"):
        send_message(lead=lead, channel="email", subject="Hi", body="Hello", actor=carol)
    BouncedAddress.objects.all().delete()
    riverside.send_emails = False
    riverside.save()
    with pytest.raises(CannotSend, match="does not send emails"):
        send_message(lead=lead, channel="email", subject="Hi", body="Hello", actor=carol)
    assert Message.objects.count() == 0


def test_the_api_sends_an_email_with_its_subject_and_shows_it_in_the_thread(lead, carol, sink):
    _, raw = ApiToken.issue(user=carol)
    api = ApiClient(raw)
    with at(MONDAY_10):
        answer = api.post(
            f"/leads/{lead.pk}/messages", {"channel": "email", "subject": "Photos", "body": "Attached soon"}
        )
    assert answer.status_code == 202, answer.content
    assert answer.json()["channel"] == "email"
    assert answer.json()["sent_by"] == "carol@example.com"
    run_worker_at(MONDAY_10 + timedelta(seconds=1))

    [mail] = to_customer(sink)
    assert mail["Subject"] == "Photos"
    [shown] = api.get(f"/leads/{lead.pk}/messages").json()
    assert (shown["channel"], shown["status"], shown["to"]) == (
        "email",
        "sent",
        "jordan@example.com",
    )


def test_the_api_refuses_an_email_when_emails_are_off_with_409(lead, carol, riverside):
    riverside.send_emails = False
    riverside.save()
    _, raw = ApiToken.issue(user=carol)
    answer = ApiClient(raw).post(f"/leads/{lead.pk}/messages", {"channel": "email", "subject": "x", "body": "y"})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "emails_off"
