"""Races, each on SQLite and PostgreSQL: simultaneous claims, a burst of round-robin leads,
and a salesperson deactivated while leads pour in. Every thread has its own database
connection (closed at its end), as every web or worker process does."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import time_machine
from django.db import connections

from accounts.actions import deactivate_user
from accounts.models import ApiToken, Membership
from api.tests.conftest import ApiClient
from conftest import make_lead
from distribution.actions import distribute_lead
from distribution.tests.conftest import OPEN, seller, set_policy
from leads.models import Activity, Lead

pytestmark = pytest.mark.django_db(transaction=True)


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) in `count` threads released together; their results in order."""
    start = threading.Barrier(count)

    def run(index: int) -> Any:
        try:
            start.wait()
            return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def leads(riverside, count: int) -> list[Lead]:
    return [
        make_lead(riverside, bulk=True, customer={"first_name": f"Buyer{i}", "emails": [f"buyer{i}@example.com"]})
        for i in range(count)
    ]


@time_machine.travel(OPEN, tick=True)
def test_twenty_people_claiming_one_lead_at_once_make_exactly_one_winner(riverside, alice):
    Membership.objects.filter(user=alice).update(receives_leads=False)
    people = [seller(riverside, f"Racer{i:02d}") for i in range(20)]
    set_policy(riverside, {"sales": {"method": "first_available"}})
    lead = make_lead(riverside, bulk=True)
    distribute_lead(lead=lead)
    tokens = [ApiToken.issue(user=person)[1] for person in people]

    answers = in_threads(20, lambda i: ApiClient(tokens[i]).post(f"/leads/{lead.pk}/claim"))

    statuses = Counter(a.status_code for a in answers)
    assert statuses == {200: 1, 409: 19}
    winner = next(people[i] for i, a in enumerate(answers) if a.status_code == 200)
    assert Lead.objects.get(pk=lead.pk).assigned_to == winner
    messages = {a.json()["error"]["message"] for a in answers if a.status_code == 409}
    assert messages == {f"already taken by {winner.name}"}
    assert lead.activities.filter(kind=Activity.Kind.ASSIGNED).count() == 1


@time_machine.travel(OPEN, tick=True)
def test_a_hundred_leads_at_once_among_five_in_round_robin_give_twenty_each(riverside, team):
    set_policy(riverside, {"sales": {"method": "round_robin"}})
    burst = leads(riverside, 100)

    in_threads(25, lambda i: [distribute_lead(lead=lead) for lead in burst[i::25]])

    owners = Counter(
        Lead.objects.filter(pk__in=[lead.pk for lead in burst]).values_list("assigned_to__email", flat=True)
    )
    assert owners == {user.email: 20 for user in team}
    assert Activity.objects.filter(lead__in=burst, kind=Activity.Kind.ASSIGNED).count() == 100


@time_machine.travel(OPEN, tick=True)
def test_a_salesperson_deactivated_mid_stream_gets_nothing_more(riverside, team, alice):
    ivy = team[4]
    set_policy(riverside, {"sales": {"method": "round_robin"}})
    stream = leads(riverside, 100)
    done = threading.Semaphore(0)
    deactivated = threading.Event()
    started_after: set[int] = set()

    def distribute_some(index: int) -> None:
        if index == 10:  # the admin, deactivating Ivy once some leads have gone out
            for _ in range(30):
                done.acquire()
            deactivate_user(user=ivy, actor=alice)
            deactivated.set()
            return
        for count, lead in enumerate(stream[index::10]):
            if count == 6:  # the last four of each wait for her: however slow the admin, some come after
                deactivated.wait(timeout=60)
            if deactivated.is_set():
                started_after.add(lead.pk)
            distribute_lead(lead=lead)
            done.release()

    in_threads(11, distribute_some)

    owners = dict(Lead.objects.filter(pk__in=[lead.pk for lead in stream]).values_list("pk", "assigned_to__email"))
    assert None not in owners.values()
    assert started_after, "the deactivation should have happened while leads were still coming in"
    assert all(owners[pk] != ivy.email for pk in started_after)
    assert 0 < Counter(owners.values())[ivy.email] < 20
