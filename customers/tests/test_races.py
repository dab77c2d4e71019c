"""A merge and a text arriving at the same moment, and two people merging the same customer at
once: nothing is lost or split (PostgreSQL, where they really run at once)."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection, transaction

from conversations.inbound import receive_text
from conversations.models import Message
from customers.actions import MergeRefused, merge_customers, undo_merge
from customers.models import CustomerMerge
from distribution.tests.conftest import OPEN
from leads.models import Customer, CustomerPhone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


@pytest.fixture
def texting(riverside):
    riverside.leads_phone = "+15125550199"
    riverside.save()
    return riverside


@time_machine.travel(OPEN, tick=True)
def test_a_text_arriving_during_a_merge_lands_on_the_kept_customer(
    postgres_only, texting, first_record, second_record, alice
):
    kept, removed = first_record.customer, second_record.customer
    # The removed record's own mobile, which the kept one does not have.
    CustomerPhone.objects.filter(customer=removed).delete()
    CustomerPhone.objects.create(customer=removed, number="+15125550177", raw="(512) 555-0177", type="cellphone")
    merging, release = threading.Event(), threading.Event()

    def merge() -> None:
        try:
            with transaction.atomic():
                merge_customers(kept=kept, removed=removed, dealership=texting, actor=alice)
                merging.set()
                release.wait(20)
        finally:
            connection.close()

    def text() -> None:
        try:
            receive_text(
                to_number="+15125550199", from_number="+15125550177", body="Still for sale?", provider_id="SM9"
            )
        finally:
            connection.close()

    first = threading.Thread(target=merge)
    first.start()
    assert merging.wait(20)
    second = threading.Thread(target=text)
    second.start()
    second.join(1)
    assert second.is_alive(), "the text waits for the merge to commit"
    release.set()
    first.join(20)
    second.join(20)

    message = Message.objects.get(provider_id="SM9")
    assert message.conversation.lead.customer_id == kept.pk
    assert not Customer.objects.filter(pk=removed.pk).exists()
    assert Customer.objects.count() == 1


@time_machine.travel(OPEN, tick=True)
def test_two_people_merging_the_same_customer_at_once_make_one_merge(
    postgres_only, riverside, first_record, second_record, alice, bob
):
    kept, removed = first_record.customer, second_record.customer
    merging, release = threading.Event(), threading.Event()
    refusals: list[str] = []

    def alice_merges() -> None:
        try:
            with transaction.atomic():
                merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice)
                merging.set()
                release.wait(20)
        finally:
            connection.close()

    def bob_merges_the_other_way() -> None:
        try:
            merge_customers(kept=removed, removed=kept, dealership=riverside, actor=bob)
        except MergeRefused as refusal:
            refusals.append(str(refusal))
        finally:
            connection.close()

    first = threading.Thread(target=alice_merges)
    first.start()
    assert merging.wait(20)
    second = threading.Thread(target=bob_merges_the_other_way)
    second.start()
    release.set()
    first.join(20)
    second.join(20)

    assert refusals == [
        f"Jordan Sample (#{removed.pk}) was merged into another customer a moment ago; nothing was changed."
    ]
    assert list(CustomerMerge.objects.values_list("kept_id", "removed_id")) == [(kept.pk, removed.pk)]
    assert set(Customer.objects.get(pk=kept.pk).leads.all()) == {first_record, second_record}


@time_machine.travel(OPEN, tick=True)
def test_two_people_undoing_one_merge_at_once_undo_it_once(
    postgres_only, riverside, first_record, second_record, alice, bob
):
    done = merge_customers(
        kept=first_record.customer, removed=second_record.customer, dealership=riverside, actor=alice
    )
    undoing, release = threading.Event(), threading.Event()
    refusals: list[str] = []

    def alice_undoes() -> None:
        try:
            with transaction.atomic():
                undo_merge(merge=CustomerMerge.objects.get(pk=done.pk), actor=alice)
                undoing.set()
                release.wait(20)
        finally:
            connection.close()

    def bob_undoes() -> None:
        try:
            undo_merge(merge=CustomerMerge.objects.get(pk=done.pk), actor=bob)
        except MergeRefused as refusal:
            refusals.append(str(refusal))
        finally:
            connection.close()

    first = threading.Thread(target=alice_undoes)
    first.start()
    assert undoing.wait(20)
    second = threading.Thread(target=bob_undoes)
    second.start()
    release.set()
    first.join(20)
    second.join(20)

    assert len(refusals) == 1
    assert refusals[0].startswith("This merge was already undone by Alice Admin")
    assert Customer.objects.count() == 2
    assert list(Customer.objects.get(pk=second_record.customer_id).leads.all()) == [second_record]
