"""Intake races, each on SQLite and PostgreSQL: the same customer's lead delivered many times at
once. Every thread has its own database connection (closed at its end), as every web, smtpd or
worker process does."""

from __future__ import annotations

from collections import Counter

import pytest
import time_machine

from distribution.tests.conftest import OPEN
from distribution.tests.test_races import in_threads
from intake.actions import process_inbound, store_inbound
from intake.door import take_in_lead
from intake.models import InboundEmail
from intake.tests.conftest import adf, lead_email
from intake.tests.test_http_intake import post
from leads.models import Activity, Customer, Lead

pytestmark = pytest.mark.django_db(transaction=True)


@time_machine.travel(OPEN, tick=True)
def test_twenty_copies_of_one_customers_lead_at_once_make_one_lead_and_nineteen_resubmissions(
    riverside, alice, intake_token
):
    # No ADF id: only the customer's phone and email say that the twenty are one person.
    token = intake_token(alice, "full")
    body = adf(lead_id=None)

    answers = in_threads(20, lambda i: post(token, body))

    assert Counter(answer.status_code for answer in answers) == {201: 20}
    assert Customer.objects.count() == 1
    [lead] = Lead.objects.all()
    assert lead.activities.filter(kind=Activity.Kind.RESUBMISSION).count() == 19
    assert {answer.json()["leads"][0]["id"] for answer in answers} == {lead.pk}
    assert InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count() == 20


@time_machine.travel(OPEN, tick=True)
def test_twenty_emails_of_one_customer_processed_at_once_make_one_lead_and_nineteen_resubmissions(riverside):
    # As smtpd processes and the worker's sweep take stored mail in: each its own Message-ID.
    stored = [
        store_inbound(dealership=riverside, raw=lead_email(adf(lead_id=None)), channel=InboundEmail.Channel.SMTP)
        for _ in range(20)
    ]

    in_threads(20, lambda i: process_inbound(stored[i].pk))

    assert InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count() == 20
    assert Customer.objects.count() == 1
    [lead] = Lead.objects.all()
    assert lead.activities.filter(kind=Activity.Kind.RESUBMISSION).count() == 19


@time_machine.travel(OPEN, tick=True)
def test_the_same_person_entered_by_hand_and_by_adf_at_once_is_one_customer(riverside, alice, intake_token):
    # The door for new leads (API, new-lead screen, later a text) and ADF intake hold one matching lock.
    token = intake_token(alice, "full")
    person = {"first_name": "Jordan", "last_name": "Sample", "phones": [{"number": "(512) 555-0100"}]}

    def enter(index: int) -> int:
        if index % 2:
            return post(token, adf(lead_id=None)).status_code
        take_in_lead(dealership=riverside, customer=person, source_name="Walk-in", actor=alice)
        return 201

    assert set(in_threads(10, enter)) == {201}
    assert Customer.objects.count() == 1
