"""Polling a dealership's own mailbox, against a real IMAP server (Debian's dovecot) on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from forecourt.worker import Worker
from intake.actions import settings_for
from intake.mailbox import NEUTRAL_ERROR, PROCESSED_KEYWORD, poll_mailbox, wait_for_polls
from intake.models import InboundEmail, IntakeSettings
from intake.tests.conftest import adf, lead_email
from intake.tests.imap_server import PASSWORD, USER, Mailbox, dovecot
from leads.models import Lead
from notifications.models import OutboundEmail

pytestmark = pytest.mark.slow


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with dovecot() as server:
        yield server


@pytest.fixture
def polled(riverside, mailbox, settings) -> IntakeSettings:
    settings.MAILBOX_ALLOW_PRIVATE = True  # the test mail server is on loopback
    config = settings_for(riverside)
    config.imap_host, config.imap_port, config.imap_ssl = "127.0.0.1", mailbox.port, False
    config.imap_user, config.imap_password = USER, PASSWORD
    config.save()
    return config


def test_new_mail_in_the_mailbox_becomes_a_lead_and_is_marked_never_deleted(polled, mailbox):
    mailbox.deliver(lead_email())

    assert poll_mailbox(polled) == 1

    lead = Lead.objects.get()
    assert lead.source_name == "CarGurus"
    inbound = InboundEmail.objects.get()
    assert inbound.channel == InboundEmail.Channel.IMAP
    assert list(inbound.leads.all()) == [lead]
    [flags] = mailbox.flags()
    assert "\\Seen" in flags
    assert PROCESSED_KEYWORD in flags


def test_a_second_poll_takes_nothing_again(polled, mailbox):
    mailbox.deliver(lead_email())
    poll_mailbox(polled)

    assert poll_mailbox(polled) == 0

    assert Lead.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_mail_a_person_already_read_in_the_mailbox_is_still_taken_in(polled, mailbox):
    mailbox.deliver(lead_email(), flags="(\\Seen)")

    assert poll_mailbox(polled) == 1
    assert Lead.objects.count() == 1


def test_mail_without_a_lead_is_kept_reported_and_marked(polled, mailbox, alice):
    mailbox.deliver(lead_email(how="none"))
    mailbox.deliver(lead_email(document=adf(first="Casey", email="casey@example.com", phone="", lead_id="CG-5")))

    assert poll_mailbox(polled) == 2

    statuses = sorted(InboundEmail.objects.values_list("status", flat=True))
    assert statuses == [InboundEmail.Status.NO_LEAD, InboundEmail.Status.PROCESSED]
    assert OutboundEmail.objects.filter(purpose="intake_report", to=["alice@example.com"]).exists()
    assert all(PROCESSED_KEYWORD in flags for flags in mailbox.flags())


def test_a_wrong_password_is_shown_on_the_settings_and_nothing_is_taken(polled, mailbox):
    mailbox.deliver(lead_email())
    polled.imap_password = "wrong"
    polled.save()

    assert poll_mailbox(polled) == 0

    polled.refresh_from_db()
    assert polled.imap_last_error == NEUTRAL_ERROR
    assert InboundEmail.objects.count() == 0
    assert PROCESSED_KEYWORD not in mailbox.flags()[0]


@pytest.mark.django_db(transaction=True)  # the poll runs in a thread, with a connection of its own
def test_the_worker_polls_mailboxes_that_are_due(polled, mailbox):
    mailbox.deliver(lead_email())

    Worker().run_sweeps()
    wait_for_polls()

    assert Lead.objects.count() == 1
    polled.refresh_from_db()
    assert polled.imap_last_polled_at is not None
    assert polled.imap_next_poll_at > polled.imap_last_polled_at
