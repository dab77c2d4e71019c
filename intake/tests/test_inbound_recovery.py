"""Never lose a message: whatever happens after the raw mail is stored, it stays visible and
retryable, and the worker's sweep or an admin's Retry turns it into a lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from intake.actions import process_held, store_inbound
from intake.models import InboundEmail
from intake.smtp import Processor
from intake.tasks import sweep_inbound
from intake.tests.conftest import lead_email
from leads.models import Lead


def stored(dealership, raw: bytes | None = None, **fields) -> InboundEmail:
    inbound = store_inbound(
        dealership=dealership, raw=raw or lead_email(), channel=InboundEmail.Channel.SMTP, hold=True
    )
    if fields:
        InboundEmail.objects.filter(pk=inbound.pk).update(**fields)
        inbound.refresh_from_db()
    return inbound


def test_mail_stored_by_a_server_that_then_died_is_processed_by_the_sweep_once_its_lease_ran_out(riverside):
    stored(riverside)  # the SMTP server answered 250 and died before processing

    assert sweep_inbound() == 0  # still held by the dead process for a while
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert sweep_inbound() == 1

    inbound = InboundEmail.objects.get()
    assert inbound.status == InboundEmail.Status.PROCESSED
    assert Lead.objects.count() == 1


def test_the_sweep_and_the_server_never_both_process_one_message(riverside):
    inbound = stored(riverside)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        sweep_inbound()

    process_held(inbound)  # the original server wakes up late

    assert Lead.objects.count() == 1


def test_a_parser_error_leaves_the_raw_mail_stored_as_no_lead_and_a_retry_after_a_fix_makes_the_lead(
    riverside, alice, client_for
):
    broken = lead_email(how="none")
    inbound = stored(riverside, raw=broken)
    process_held(inbound)
    inbound.refresh_from_db()
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert inbound.raw_bytes == broken

    # The fix: here, the sender's mail is corrected in place of a parser upgrade.
    InboundEmail.objects.filter(pk=inbound.pk).update(raw=lead_email())
    response = client_for(alice).post(f"/intake/{inbound.pk}/retry/")

    assert response.status_code == 302
    inbound.refresh_from_db()
    assert inbound.status == InboundEmail.Status.PROCESSED
    assert Lead.objects.count() == 1


def test_a_failed_message_can_be_retried_and_then_makes_its_lead(riverside, alice, client_for):
    inbound = stored(
        riverside,
        status=InboundEmail.Status.FAILED,
        claimed_until=None,
        attempts=5,
        reason="Processing failed 5 times: OperationalError: database is locked",
    )

    client_for(alice).post(f"/intake/{inbound.pk}/retry/")

    inbound.refresh_from_db()
    assert inbound.status == InboundEmail.Status.PROCESSED
    assert inbound.leads.count() == 1


def test_a_processed_message_cannot_be_retried_into_a_second_lead(riverside, alice, client_for):
    inbound = stored(riverside)
    process_held(inbound)

    client_for(alice).post(f"/intake/{inbound.pk}/retry/")

    assert Lead.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_message_that_waited_in_smtpd_until_its_lease_ran_low_is_left_to_the_worker_and_taken_in_once(riverside):
    inbound = stored(riverside)  # stored and held by smtpd, then queued behind a long backlog
    processor = Processor()
    with time_machine.travel(timezone.now() + timedelta(seconds=90)):
        processor.submit(inbound)
        processor.stop()
        assert InboundEmail.objects.get().status == InboundEmail.Status.RECEIVED
        assert sweep_inbound() == 0  # the worker waits for the lease to run out

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert sweep_inbound() == 1
    assert Lead.objects.count() == 1
