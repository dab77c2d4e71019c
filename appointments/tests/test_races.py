"""Two workers reminding, or two people marking, at the same moment: one wins, the other does
nothing (PostgreSQL, where they really run at once; SQLite lets one writer in at a time)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from appointments.actions import AlreadyMarked, book_appointment, mark_appointment
from appointments.models import Appointment
from appointments.tasks import remind
from appointments.tests.conftest import MONDAY_10
from conversations.models import Message
from escalations.tests.support import at, chicago
from leads.models import Activity

pytestmark = pytest.mark.django_db(transaction=True)
WEDNESDAY_11 = chicago(2026, 3, 11, 11, 0)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


@pytest.fixture
def booked(lead, carol):
    with at(MONDAY_10):
        return book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=WEDNESDAY_11)


def test_a_second_worker_waits_for_the_first_reminder_and_then_does_nothing(postgres_only, booked, lead):
    claimed, release = threading.Event(), threading.Event()
    results: list[int] = []

    def first_worker() -> None:
        try:
            with at(WEDNESDAY_11 - timedelta(hours=20)), transaction.atomic():
                results.append(remind(booked.pk))
                claimed.set()
                release.wait(20)
        finally:
            connection.close()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert claimed.wait(20)
    second: list[int] = []

    def second_worker() -> None:
        try:
            with at(WEDNESDAY_11 - timedelta(hours=20)):
                second.append(remind(booked.pk))
        finally:
            connection.close()

    other = threading.Thread(target=second_worker)
    other.start()
    release.set()
    worker.join(20)
    other.join(20)
    assert (results, second) == ([1], [0])
    assert Message.objects.filter(conversation__lead=lead, body__contains="a reminder").count() == 1


def test_two_people_marking_at_once_record_one_visit(postgres_only, booked, lead, carol, bob):
    marked, release = threading.Event(), threading.Event()

    def carol_marks() -> None:
        try:
            with at(WEDNESDAY_11 + timedelta(minutes=30)), transaction.atomic():
                mark_appointment(appointment=Appointment.objects.get(pk=booked.pk), outcome="kept", actor=carol)
                marked.set()
                release.wait(20)
        finally:
            connection.close()

    first = threading.Thread(target=carol_marks)
    first.start()
    assert marked.wait(20)
    refusals: list[str] = []

    def bob_marks() -> None:
        try:
            with at(WEDNESDAY_11 + timedelta(minutes=31)):
                mark_appointment(appointment=Appointment.objects.get(pk=booked.pk), outcome="no_show", actor=bob)
        except AlreadyMarked as refusal:
            refusals.append(str(refusal))
        finally:
            connection.close()

    second = threading.Thread(target=bob_marks)
    second.start()
    release.set()
    first.join(20)
    second.join(20)
    assert refusals == ["This appointment is already marked kept."]
    assert Appointment.objects.get(pk=booked.pk).status == "kept"
    assert lead.activities.filter(kind=Activity.Kind.CONTACT).count() == 1
