"""Each person's `.ics` feed at a secret address: their own appointments in their phone's
calendar, the same event updated (not added again) when it changes, a new address on request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from appointments.actions import book_appointment, feed_of, mark_appointment
from appointments.tests.conftest import MONDAY_10, TUESDAY_10
from escalations.tests.support import at

pytestmark = pytest.mark.django_db(transaction=True)


def events(token: str) -> list:
    response = Client().get(reverse("calendar-feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content).walk("VEVENT")


@pytest.fixture
def booked(lead, carol, dave):
    with at(MONDAY_10):
        mine = book_appointment(
            dealership=lead.dealership, lead=lead, actor=carol, starts_at=TUESDAY_10, note="Bring keys"
        )
        book_appointment(
            dealership=lead.dealership, actor=dave, starts_at=TUESDAY_10, kind="call_back", title="Daves call"
        )
    return mine


def test_the_feed_has_the_persons_own_appointments_in_utc_with_a_stable_uid(booked, carol, lead):
    token = feed_of(carol).token
    assert len(token) >= 43  # 256 random bits, URL-safe
    with at(MONDAY_10):
        [event] = events(token)
    assert str(event["SUMMARY"]) == "Appointment: Jordan Sample"
    assert event.decoded("DTSTART") == TUESDAY_10
    assert event.decoded("DTEND") == TUESDAY_10 + timedelta(hours=1)
    assert event["DTSTART"].to_ical().endswith(b"Z")
    assert str(event["LOCATION"]) == "Riverside Toyota"
    assert "Bring keys" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    uid = str(event["UID"])

    with at(MONDAY_10 + timedelta(hours=1)):
        mark_appointment(appointment=booked, outcome="cancelled", actor=carol)
        [again] = events(token)
    assert str(again["UID"]) == uid
    assert str(again["STATUS"]) == "CANCELLED"


def test_a_new_address_stops_the_old_one_at_once(client_for, carol, booked):
    old = feed_of(carol).token
    client = client_for(carol)
    page = client.get(reverse("calendar-feed-page")).content.decode()
    assert f"/calendar/feed/{old}.ics" in page
    assert client.post(reverse("calendar-feed-renew")).status_code == 302
    new = feed_of(carol).token
    assert new != old
    assert Client().get(reverse("calendar-feed", args=[old])).status_code == 404
    with at(MONDAY_10):
        assert len(events(new)) == 1


def test_an_unknown_token_or_a_deactivated_person_reads_nothing(carol, booked):
    token = feed_of(carol).token
    assert Client().get(reverse("calendar-feed", args=["not-a-token"])).status_code == 404
    carol.is_active = False
    carol.save()
    assert Client().get(reverse("calendar-feed", args=[token])).status_code == 404
