"""GET/POST /api/v1/leads/{id}/appointments and POST /api/v1/appointments/{id} (CONTRACT §4)."""

from __future__ import annotations

import pytest

from api.tests.conftest import api_for, is_error  # noqa: F401  (the fixture)
from appointments.models import Appointment
from appointments.tests.conftest import MONDAY_10, TUESDAY_10
from escalations.tests.support import at
from leads.models import Lead

pytestmark = pytest.mark.django_db(transaction=True)


def test_booking_through_the_api_answers_201_with_the_appointment(api_for, lead, carol):  # noqa: F811
    with at(MONDAY_10):
        response = api_for(carol).post(
            f"/leads/{lead.pk}/appointments",
            {"starts_at": "2026-03-10T10:00:00-05:00", "note": "Bring the title", "vehicle": lead.vehicles.get().pk},
        )
    assert response.status_code == 201, response.content
    body = response.json()
    appointment = Appointment.objects.get()
    assert body == {
        "id": appointment.pk,
        "starts_at": "2026-03-10T15:00:00+00:00",
        "ends_at": "2026-03-10T16:00:00+00:00",
        "user": "carol@example.com",
        "status": "booked",
        "kind": "appointment",
        "lead": lead.pk,
        "vehicle": lead.vehicles.get().pk,
        "note": "Bring the title",
        "outside_hours": False,
        "customer_notice": None,
    }
    lead.refresh_from_db()
    assert lead.status == Lead.Status.APPOINTMENT

    listed = api_for(carol).get(f"/leads/{lead.pk}/appointments").json()
    assert [a["id"] for a in listed] == [appointment.pk]


def test_outside_hours_is_refused_unless_insisted_on(api_for, lead, carol):  # noqa: F811
    client = api_for(carol)
    with at(MONDAY_10):
        refused = client.post(f"/leads/{lead.pk}/appointments", {"starts_at": "2026-03-10T21:00:00-05:00"})
        assert refused.status_code == 422
        assert is_error(refused.json())
        assert refused.json()["error"]["code"] == "outside_hours"
        assert "closed at Tue Mar 10, 9:00 PM" in refused.json()["error"]["message"]
        assert not Appointment.objects.exists()

        insisted = client.post(
            f"/leads/{lead.pk}/appointments", {"starts_at": "2026-03-10T21:00:00-05:00", "insist": True}
        )
    assert insisted.status_code == 201
    assert insisted.json()["outside_hours"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "2026-03-01T10:00:00-05:00"}, "starts_at"),
        ({"starts_at": "2026-03-10T10:00:00"}, "starts_at"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": "2026-03-10T10:00:00-05:00", "ends_at": "2026-03-10T09:00:00-05:00"}, "ends_at"),
        ({"starts_at": "2026-03-10T10:00:00-05:00", "user": "nobody@example.com"}, "user"),
        ({"starts_at": "2026-03-10T10:00:00-05:00", "vehicle": 999999}, "vehicle"),
        ({"starts_at": "2026-03-10T10:00:00-05:00", "colour": "red"}, "colour"),
    ],
)
def test_bad_input_gets_a_clear_422_and_changes_nothing(api_for, lead, carol, body, field):  # noqa: F811
    with at(MONDAY_10):
        response = api_for(carol).post(f"/leads/{lead.pk}/appointments", body)
    assert response.status_code == 422, response.content
    assert is_error(response.json())
    assert field in response.json()["error"]["message"]
    assert not Appointment.objects.exists()
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW


def test_another_salespersons_lead_and_appointment_are_404(api_for, lead, carol, dave):  # noqa: F811
    with at(MONDAY_10):
        assert (
            api_for(dave).post(f"/leads/{lead.pk}/appointments", {"starts_at": TUESDAY_10.isoformat()}).status_code
            == 404
        )
        booked = api_for(carol).post(f"/leads/{lead.pk}/appointments", {"starts_at": TUESDAY_10.isoformat()}).json()
        assert api_for(dave).post(f"/appointments/{booked['id']}", {"outcome": "cancelled"}).status_code == 404
    assert Appointment.objects.get().status == "booked"


def test_marking_the_outcome_answers_with_the_appointment_and_only_once(api_for, lead, carol, bob):  # noqa: F811
    with at(MONDAY_10):
        booked = api_for(carol).post(f"/leads/{lead.pk}/appointments", {"starts_at": TUESDAY_10.isoformat()}).json()
    with at(TUESDAY_10):
        kept = api_for(bob).post(f"/appointments/{booked['id']}", {"outcome": "kept"})
        assert kept.status_code == 200
        assert kept.json() == booked | {"status": "kept"}
        again = api_for(carol).post(f"/appointments/{booked['id']}", {"outcome": "no_show"})
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "already_marked"
        unknown = api_for(carol).post(f"/appointments/{booked['id']}", {"outcome": "maybe"})
        assert unknown.status_code == 422
