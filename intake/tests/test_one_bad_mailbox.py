"""One dealership's mailbox that breaks the IMAP client stops nobody else's mail, nor the worker."""

from __future__ import annotations

import pytest

from forecourt.worker import Worker
from intake.actions import settings_for
from intake.mailbox import wait_for_polls
from intake.tests.conftest import lead_email
from intake.tests.test_imap_polling import PASSWORD, USER, Mailbox, mailbox
from leads.models import Lead

pytestmark = pytest.mark.slow
__all__ = ["mailbox"]  # the fixture


@pytest.mark.django_db(transaction=True)  # each poll runs in a thread, with a connection of its own
def test_a_mailbox_the_imap_client_cannot_log_in_to_is_reported_and_the_others_are_still_polled(
    riverside, lakeside, mailbox: Mailbox, settings
) -> None:
    settings.MAILBOX_ALLOW_PRIVATE = True  # the test mail server is on loopback
    broken = settings_for(riverside)
    broken.imap_host, broken.imap_port, broken.imap_ssl = "127.0.0.1", mailbox.port, False
    # IMAP sends a user name as ASCII: Python's client raises before a word is sent.
    broken.imap_user, broken.imap_password = "léads@riverside.example", PASSWORD
    broken.save()
    working = settings_for(lakeside)
    working.imap_host, working.imap_port, working.imap_ssl = "127.0.0.1", mailbox.port, False
    working.imap_user, working.imap_password = USER, PASSWORD
    working.save()
    mailbox.deliver(lead_email())

    Worker().run_sweeps()
    wait_for_polls()
    Worker().run_sweeps()  # the lead the poll stored is taken in

    assert list(Lead.objects.values_list("dealership__slug", flat=True)) == ["lakeside-honda"]
    broken.refresh_from_db()
    assert broken.imap_last_polled_at is not None
    assert broken.imap_last_error
    assert broken.imap_claimed_until is None
