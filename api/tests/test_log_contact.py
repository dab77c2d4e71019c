"""POST /api/v1/leads/{id}/contacts: a call, email, text or visit made outside Forecourt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from conftest import make_lead
from leads.models import Lead

ARRIVAL = datetime(2026, 3, 16, 14, 55, tzinfo=UTC)
FIRST = datetime(2026, 3, 16, 15, 4, tzinfo=UTC)
LATER = datetime(2026, 3, 16, 16, 30, tzinfo=UTC)


@pytest.fixture
def carols_lead(riverside, carol):
    with time_machine.travel(ARRIVAL, tick=False):
        return make_lead(riverside, assigned_to=carol)


def test_the_first_logged_contact_is_the_first_human_reply(api_for, carol, carols_lead):
    with time_machine.travel(FIRST, tick=False):
        response = api_for(carol).post(
            f"/leads/{carols_lead.pk}/contacts", {"kind": "call", "note": "Left a voicemail"}
        )

    assert response.status_code == 201
    assert response.json() == {
        "at": "2026-03-16T15:04:00+00:00",
        "kind": "contact",
        "actor": "carol@example.com",
        "text": "Call logged: Left a voicemail",
    }
    lead = api_for(carol).get(f"/leads/{carols_lead.pk}").json()
    assert lead["first_response_at"] == "2026-03-16T15:04:00+00:00"
    assert lead["status"] == Lead.Status.WORKING
    assert api_for(carol).get(f"/leads/{carols_lead.pk}/activity").json()[-1] == response.json()
    carols_lead.refresh_from_db()
    assert carols_lead.first_response_channel == "contact"


def test_a_later_contact_does_not_move_the_first_response(api_for, carol, bob, carols_lead):
    with time_machine.travel(FIRST, tick=False):
        api_for(carol).post(f"/leads/{carols_lead.pk}/contacts", {"kind": "text"})
    with time_machine.travel(LATER, tick=False):
        response = api_for(bob).post(f"/leads/{carols_lead.pk}/contacts", {"kind": "visit", "note": "Came in"})

    assert response.json()["actor"] == "bob@example.com"
    carols_lead.refresh_from_db()
    assert carols_lead.first_response_at == FIRST


def test_an_unknown_kind_of_contact_is_refused_and_counts_for_nothing(api_for, carol, carols_lead):
    response = api_for(carol).post(f"/leads/{carols_lead.pk}/contacts", {"kind": "fax", "note": "Sent a fax"})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == [
        {"field": "kind", "message": "Input should be 'call', 'email', 'text' or 'visit'"}
    ]
    carols_lead.refresh_from_db()
    assert carols_lead.first_response_at is None
    assert carols_lead.activities.filter(kind="contact").count() == 0
