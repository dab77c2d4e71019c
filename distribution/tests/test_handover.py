"""Deactivating someone hands their open leads on through distribution, so no customer is left
waiting on a person who can no longer log in. The worker does it, a batch at a time, while the
admin's page shows how far it has got; a worker that dies mid-way loses nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from conftest import make_lead
from dealerships.models import Dealership
from distribution import handover
from distribution.models import HandedLead, Handover
from forecourt.worker import Worker
from leads.models import Activity, Lead
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def customer(n: int) -> dict[str, object]:
    return {"first_name": f"Buyer{n}", "last_name": "Sample", "emails": [f"buyer{n}@example.com"]}


def open_leads(riverside: Dealership, owner: User, count: int) -> list[Lead]:
    return [make_lead(riverside, assigned_to=owner, bulk=True, customer=customer(n)) for n in range(count)]


def deactivate(client: Client, user: User, choice: str = "distribute") -> str:
    url = reverse("user-deactivate", kwargs={"pk": user.pk})
    return client.post(url, {"open_leads": choice}, follow=True).content.decode()


def result_page(client: Client, user: User) -> str:
    job = Handover.objects.filter(user=user).latest("pk")
    return client.get(reverse("user-deactivated", kwargs={"pk": user.pk, "handover_id": job.pk})).content.decode()


def work_until_idle() -> None:
    """What the worker does pass after pass, until there is nothing left to do."""
    for _ in range(100):
        if not Worker().run_sweeps():
            return
    raise AssertionError("the worker never ran out of work")


def handed_on_once(lead: Lead, user: User) -> bool:
    texts = list(lead.activities.filter(kind=Activity.Kind.ASSIGNED).values_list("text", flat=True))
    released = [t for t in texts if t.startswith(f"Unassigned from {user.name}")]
    return len(released) == 1 and len(texts) == 3  # assigned to them, released, assigned again


@pytest.fixture
def only_dave(alice: User, bob: User, dave: User) -> User:
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    return dave


def test_deactivating_a_salesperson_distributes_their_open_leads_again(client_for, riverside, alice, carol, only_dave):
    leads = open_leads(riverside, carol, 2)
    sold = make_lead(riverside, assigned_to=carol, customer=customer(3))
    Lead.objects.filter(pk=sold.pk).update(status=Lead.Status.SOLD)
    admin = client_for(alice)

    assert (
        "Carol Seller has 2 open leads."
        in admin.get(reverse("user-deactivate", kwargs={"pk": carol.pk})).content.decode()
    )
    page = deactivate(admin, carol)
    assert "Carol Seller was deactivated and logged out everywhere." in page
    work_until_idle()

    assert "2 open leads distributed again: 2 to Dave Seller." in result_page(admin, carol)
    for lead in leads:
        lead.refresh_from_db()
        assert lead.assigned_to == only_dave
        texts = list(
            lead.activities.filter(kind=Activity.Kind.ASSIGNED).order_by("at", "pk").values_list("text", flat=True)
        )
        assert texts[-2] == "Unassigned from Carol Seller: Carol Seller was deactivated. Distributed again."
        assert texts[-1].startswith("Assigned to Dave Seller: round robin")
        assert Notification.objects.filter(user=only_dave, lead=lead).exists()
    sold.refresh_from_db()
    assert sold.assigned_to == carol  # closed leads keep their history


def test_the_deactivation_itself_moves_no_lead_and_the_page_follows_the_worker_until_it_is_done(
    client_for, riverside, alice, carol, only_dave
):
    leads = open_leads(riverside, carol, 3)
    admin = client_for(alice)

    page = deactivate(admin, carol)

    assert "Handing over 0 of 3 leads…" in page
    assert 'hx-trigger="every 2s"' in page
    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], assigned_to=carol).count() == 3
    assert not HandedLead.objects.exists()

    job = Handover.objects.get(user=carol)
    done_first = handover.run_handover(job.pk, batch=2)
    assert done_first == 2
    assert "Handing over 2 of 3 leads…" in result_page(admin, carol)

    user_page = admin.get(reverse("user-edit", kwargs={"pk": carol.pk})).content.decode()
    assert "Their open leads are being handed on" in user_page  # the way back to the progress

    work_until_idle()
    page = result_page(admin, carol)
    assert "3 open leads distributed again: 3 to Dave Seller." in page
    assert "hx-trigger" not in page.split('id="handover-progress"')[1].split(">")[0]


def test_the_worker_hands_on_hundreds_of_leads_in_passes_each_exactly_once(
    client_for, riverside, alice, carol, only_dave
):
    leads = open_leads(riverside, carol, handover.BATCH * 2 + 3)
    deactivate(client_for(alice), carol)

    passes = 0
    while Handover.objects.filter(user=carol, finished_at__isnull=True).exists():
        assert Worker().run_sweeps() or passes, "the first pass did nothing"
        passes += 1
        assert passes < 10
    assert passes >= 3  # a batch a pass, so other work gets its turn in between

    assert Counter(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("assigned_to", flat=True)) == {
        only_dave.pk: len(leads)
    }
    assert HandedLead.objects.count() == len(leads)
    assert all(handed_on_once(lead, carol) for lead in leads)
    assert f"{len(leads)} open leads distributed again" in result_page(client_for(alice), carol)


def test_a_handover_whose_worker_died_carries_on_after_the_lease_without_handing_a_lead_on_twice(
    client_for, riverside, alice, carol, only_dave
):
    leads = open_leads(riverside, carol, 8)
    deactivate(client_for(alice), carol)
    job = Handover.objects.get(user=carol)

    # A worker claims the handover, hands on three leads, and dies.
    dead = handover.claim(job.pk)
    assert dead is not None
    assert [handover.hand_on(dead, lead.pk) for lead in leads[:3]] == [True, True, True]

    work_until_idle()
    assert HandedLead.objects.count() == 3, "a handover still held by its (dead) worker is not taken over early"

    with time_machine.travel(timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS + 1)):
        work_until_idle()
        # The worker was only slow, not dead: what it does now finds the leads handed on already.
        assert handover.hand_on(dead, leads[3].pk) is False

    job.refresh_from_db()
    assert job.finished_at is not None
    assert HandedLead.objects.count() == 8
    assert all(handed_on_once(lead, carol) for lead in leads)
    assert Notification.objects.filter(user=only_dave, lead__in=leads).count() == 8
    assert "8 open leads distributed again: 8 to Dave Seller." in result_page(client_for(alice), carol)


def test_an_admin_may_leave_the_open_leads_with_them_to_reassign_by_hand(client_for, riverside, alice, carol, dave):
    lead = make_lead(riverside, assigned_to=carol)

    page = deactivate(client_for(alice), carol, "keep")
    work_until_idle()

    assert "Carol Seller was deactivated" in page
    assert "Their 1 open lead stays with Carol Seller; reassign it by hand." in page
    assert "distributed again" not in page
    lead.refresh_from_db()
    assert lead.assigned_to == carol


def test_with_nobody_left_to_take_them_the_leads_go_to_the_fallback_and_are_never_unowned(
    client_for, riverside, alice, bob, carol
):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    lead = make_lead(riverside, assigned_to=carol)

    deactivate(client_for(alice), carol)
    work_until_idle()

    lead.refresh_from_db()
    assert lead.assigned_to == alice  # the dealership's admin, the last resort


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_handover_at_once_hand_each_lead_on_exactly_once(riverside, alice, carol, only_dave):
    from distribution.tests.test_races import in_threads

    leads = open_leads(riverside, carol, 12)
    job = handover.deactivate(user=carol, actor=alice, hand_over=True)
    held = handover.claim(job.pk)
    assert held is not None

    # Both go through every lead, as a worker whose lease ran out and its successor would.
    results = in_threads(2, lambda i: [handover.hand_on(held, lead.pk) for lead in leads])

    assert [a + b for a, b in zip(*results, strict=True)] == [1] * len(leads)
    assert HandedLead.objects.count() == len(leads)
    assert all(handed_on_once(lead, carol) for lead in leads)


def test_reactivating_them_mid_way_stops_the_handover_and_they_keep_the_rest(
    client_for, riverside, alice, carol, only_dave
):
    leads = open_leads(riverside, carol, 5)
    admin = client_for(alice)
    deactivate(admin, carol)
    handover.run_handover(Handover.objects.get(user=carol).pk, batch=2)

    admin.post(reverse("user-reactivate", kwargs={"pk": carol.pk}))
    work_until_idle()

    assert Lead.objects.filter(pk__in=[lead.pk for lead in leads], assigned_to=carol).count() == 3
    assert Handover.objects.get(user=carol).finished_at is not None
    assert "2 open leads distributed again: 2 to Dave Seller. Carol Seller was reactivated and kept 3 open leads." in (
        result_page(admin, carol)
    )


def test_the_confirmation_sent_twice_starts_one_handover(client_for, riverside, alice, carol, only_dave):
    open_leads(riverside, carol, 2)
    admin = client_for(alice)

    deactivate(admin, carol)
    carol.refresh_from_db()
    second = deactivate(admin, carol)

    assert Handover.objects.filter(user=carol).count() == 1
    assert "Handing over 0 of 2 leads…" in second
