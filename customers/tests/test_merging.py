"""Merging two customers moves everything of one to the other, keeps the stricter consent, says
so on the timeline; undo puts both back exactly as they were."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from calls.models import Call
from conftest import make_lead
from conversations.consent import OptedOut, check_may_send, consent_now, record_consent
from conversations.inbound import receive_text
from conversations.models import ConsentChange, Conversation, Message
from customers.actions import MergeRefused, merge_customers, undo_merge
from customers.models import CustomerMerge
from customers.tests.conftest import lead_of, snapshot
from leads.models import Activity, Customer, Lead
from messenger.models import MessengerContact
from relay.models import BouncedAddress

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)


def everything_of(lead: Lead, riverside, carol) -> None:
    """A thread, a call, a Messenger identity, a bounced address and a co-customer place."""
    customer = lead.customer
    conversation = Conversation.objects.create(lead=lead)
    Message.objects.create(conversation=conversation, channel="sms", direction="in", status="received", body="Hi")
    Call.objects.create(dealership=riverside, lead=lead, customer=customer, direction="in", status="completed")
    MessengerContact.objects.create(dealership=riverside, page_id="1001", psid="psid-77", customer=customer)
    BouncedAddress.objects.create(customer=customer, email="old@example.org", reason="550 no such user")
    other = make_lead(riverside, bulk=True, customer={"first_name": "Pat", "emails": ["pat@example.com"]})
    other.co_customer = customer
    other.save()


def test_a_merge_moves_every_row_of_the_removed_customer_and_fills_what_the_kept_one_lacked(
    first_record, second_record, riverside, alice, carol
):
    kept, removed = first_record.customer, second_record.customer
    everything_of(second_record, riverside, carol)
    record_consent(customer=removed, channel="email", state="opted_in", source="import", text="", actor=None)

    merge = merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice, reasons=["Same email"])

    assert not Customer.objects.filter(pk=removed.pk).exists()
    kept.refresh_from_db()
    assert set(kept.leads.values_list("pk", flat=True)) == {first_record.pk, second_record.pk}
    assert Lead.objects.get(source_name="CarGurus", customer=kept)
    assert second_record.conversation.messages.count() == 1
    assert Lead.objects.get(co_customer=kept).customer.first_name == "Pat"
    assert list(kept.emails.values_list("email", flat=True)) == [
        "jordan.sample@gmail.com",
        "jordansample+cars@googlemail.com",
    ]
    # "512.555.0142" as typed is the number the kept customer already has: one phone, not two.
    assert list(kept.phones.values_list("number", flat=True)) == ["+15125550142"]
    assert consent_now(kept, "email")[0] == "opted_in"
    assert Call.objects.get().customer == kept
    assert MessengerContact.objects.get().customer == kept
    assert BouncedAddress.objects.get().customer == kept
    # Fields the kept record lacked come from the other: the whole address.
    assert (kept.street, kept.city, kept.postal_code) == (["12 Oak St"], "Austin", "78701")
    for lead in (first_record, second_record):
        entry = lead.activities.get(kind=Activity.Kind.CUSTOMER, data__merge=merge.pk)
        assert entry.actor == alice
        assert entry.text.startswith(
            f"Alice Admin merged Jordan Sample (#{removed.pk}) into Jordan Sample (#{kept.pk})"
        )
        assert "2 leads" not in entry.text
        assert "1 lead" in entry.text


def test_an_opt_out_of_either_customer_survives_the_merge(first_record, second_record, riverside, alice):
    kept, removed = first_record.customer, second_record.customer
    with time_machine.travel(NOW, tick=False):
        record_consent(customer=removed, channel="sms", state="opted_out", source="keyword", text="STOP", actor=None)
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        # The other record said yes later, perhaps from another phone: joining the ledgers
        # would make that the latest word, and end an opt-out nobody revoked.
        record_consent(customer=kept, channel="sms", state="opted_in", source="import", text="", actor=None)
    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice)

    assert consent_now(kept, "sms")[0] == "opted_out"
    with pytest.raises(OptedOut):
        check_may_send(lead=first_record, channel="sms")
    added = ConsentChange.objects.filter(customer=kept).latest("at")
    assert added.actor == alice
    assert "kept when Jordan Sample" in added.text
    assert "replied STOP" in added.text


def test_undo_puts_both_customers_back_exactly_as_they_were(first_record, second_record, riverside, alice, carol):
    kept, removed = first_record.customer, second_record.customer
    everything_of(second_record, riverside, carol)
    everything_of_kept = Conversation.objects.create(lead=first_record)
    Message.objects.create(conversation=everything_of_kept, channel="sms", direction="out", status="sent", body="Yo")
    BouncedAddress.objects.create(customer=kept, email="old@example.org", reason="550")  # both had it
    with time_machine.travel(NOW, tick=False):
        record_consent(customer=removed, channel="sms", state="opted_out", source="keyword", text="STOP", actor=None)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        record_consent(customer=kept, channel="sms", state="opted_in", source="import", text="", actor=None)
    before = (snapshot(kept.pk), snapshot(removed.pk))

    merge = merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice)
    assert snapshot(kept.pk) != before[0]
    undo_merge(merge=merge, actor=alice)

    assert (snapshot(kept.pk), snapshot(removed.pk)) == before
    merge.refresh_from_db()
    assert merge.undone_by == alice
    assert merge.undo_summary.startswith(f"Back to Jordan Sample (#{removed.pk}): 1 lead")
    entry = second_record.activities.filter(kind=Activity.Kind.CUSTOMER).latest("id")
    assert entry.text.startswith(f"Alice Admin undid the merge of Jordan Sample (#{removed.pk})")


def test_what_arrived_while_they_were_merged_stays_where_it_landed_and_the_undo_says_so(
    first_record, second_record, riverside, alice
):
    kept, removed = first_record.customer, second_record.customer
    merge = merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice)
    # A new lead from the Gmail address the removed record had: it meets the kept customer.
    later = lead_of(riverside, {"first_name": "Jordan", "emails": ["jordansample+cars@googlemail.com"]})
    assert later.customer == kept

    undo_merge(merge=merge, actor=alice)

    later.refresh_from_db()
    assert later.customer == kept
    assert set(Customer.objects.get(pk=removed.pk).leads.all()) == {second_record}
    merge.refresh_from_db()
    assert f"Arrived while they were merged and stays with Jordan Sample (#{kept.pk}): 1 lead." in merge.undo_summary


def test_an_opt_out_recorded_while_merged_applies_to_both_after_the_undo(first_record, second_record, riverside, alice):
    kept, removed = first_record.customer, second_record.customer
    merge = merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice)
    record_consent(customer=kept, channel="sms", state="opted_out", source="keyword", text="STOP", actor=None)

    undo_merge(merge=merge, actor=alice)

    assert consent_now(Customer.objects.get(pk=removed.pk), "sms")[0] == "opted_out"
    assert consent_now(kept, "sms")[0] == "opted_out"


def test_an_undone_merge_cannot_be_undone_again(first_record, second_record, riverside, alice, bob):
    merge = merge_customers(
        kept=first_record.customer, removed=second_record.customer, dealership=riverside, actor=alice
    )
    undo_merge(merge=merge, actor=alice)
    customers = Customer.objects.count()

    with pytest.raises(MergeRefused, match="already undone by Alice Admin"):
        undo_merge(merge=CustomerMerge.objects.get(pk=merge.pk), actor=bob)
    assert Customer.objects.count() == customers


def test_a_merge_whose_kept_customer_was_merged_again_is_undone_after_the_later_one(riverside, alice):
    a = lead_of(riverside, {"first_name": "Ann", "emails": ["ann@example.com"]}).customer
    b = lead_of(riverside, {"first_name": "Ann", "emails": ["ann@example.net"]}).customer
    c = lead_of(riverside, {"first_name": "Ann", "emails": ["ann@example.org"]}).customer
    first = merge_customers(kept=a, removed=b, dealership=riverside, actor=alice)
    second = merge_customers(kept=c, removed=Customer.objects.get(pk=a.pk), dealership=riverside, actor=alice)

    with pytest.raises(MergeRefused, match="undo that merge first"):
        undo_merge(merge=CustomerMerge.objects.get(pk=first.pk), actor=alice)
    undo_merge(merge=second, actor=alice)
    undo_merge(merge=CustomerMerge.objects.get(pk=first.pk), actor=alice)

    assert [list(Customer.objects.get(pk=x.pk).emails.values_list("email", flat=True)) for x in (a, b, c)] == [
        ["ann@example.com"],
        ["ann@example.net"],
        ["ann@example.org"],
    ]


def test_merging_a_customer_into_itself_or_one_already_merged_is_refused(first_record, second_record, riverside, alice):
    kept, removed = first_record.customer, second_record.customer
    with pytest.raises(MergeRefused, match="two different"):
        merge_customers(kept=kept, removed=kept, dealership=riverside, actor=alice)
    merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice)
    with pytest.raises(MergeRefused, match="was merged into another customer a moment ago"):
        merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice)


@time_machine.travel(datetime(2026, 3, 16, 15, 0, tzinfo=UTC), tick=False)
def test_a_text_received_while_merged_stays_in_its_thread_and_the_undo_says_so(
    first_record, second_record, riverside, alice
):
    riverside.leads_phone = "+15125550199"
    riverside.save()
    kept, removed = first_record.customer, second_record.customer
    merge = merge_customers(kept=kept, removed=removed, dealership=riverside, actor=alice)
    received = receive_text(
        to_number="+15125550199", from_number="+15125550142", body="Still there?", provider_id="SM1"
    )
    assert received.lead.customer == kept

    undo_merge(merge=merge, actor=alice)

    message = Message.objects.get(provider_id="SM1")
    assert message.conversation.lead == received.lead
    # It landed on the newest open lead, the one from the website, which goes back with its thread.
    assert received.lead == second_record
    assert message.conversation.lead.customer_id == removed.pk
    merge.refresh_from_db()
    assert "1 message received while they were merged stays in the thread of the lead it arrived on" in (
        merge.undo_summary
    )
