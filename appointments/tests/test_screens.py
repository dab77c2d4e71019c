"""The screens: today's appointments and the ones to mark on the dashboard, booking and marking
from a page, the calendar (mine, the dealership's) and the quick-action sheets; all scoped to
who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Membership
from appointments.actions import book_appointment
from appointments.models import Appointment
from appointments.tests.conftest import MONDAY_10, TUESDAY_10
from conftest import make_lead
from escalations.tests.support import at, chicago
from leads.models import Lead

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_15 = chicago(2026, 3, 9, 15, 0)
DASH = "\N{EN DASH}"  # between the start and end of an appointment


def todays_box(page: str) -> str:
    start = page.index('id="todays-appointments"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def this_afternoon(lead, carol):
    with at(MONDAY_10):
        return book_appointment(
            dealership=lead.dealership, lead=lead, actor=carol, starts_at=MONDAY_15, note="Trade papers"
        )


def test_todays_appointments_are_on_the_dashboard_and_need_attention_until_marked(
    client_for, this_afternoon, carol, lead
):
    client = client_for(carol)
    with at(MONDAY_10 + timedelta(minutes=5)):
        page = client.get("/").content.decode()
        tomorrow = book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=TUESDAY_10)
    assert 'Today\'s appointments <span class="muted">(1)</span>' in page
    assert f"3:00 PM{DASH}4:00 PM" in page
    assert "Trade papers" in page
    # Today's appointment needs attention all day; only once it has started may it be marked kept.
    assert '<span class="count-value" id="attention-appointments">1</span>' in page
    assert 'value="kept"' not in todays_box(page)

    with at(MONDAY_15 + timedelta(minutes=10)):
        page = client.get("/").content.decode()
    assert '<span class="count-value" id="attention-appointments">1</span>' in page
    assert "Appointments to mark" in page
    assert 'value="kept"' in todays_box(page)
    assert 'value="no_show"' in todays_box(page)

    # Still unmarked the next morning: still needs attention, with the new day's appointment.
    with at(TUESDAY_10 - timedelta(hours=1)):
        page = client.get("/").content.decode()
    assert '<span class="count-value" id="attention-appointments">2</span>' in page
    assert f'data-appointment-id="{tomorrow.pk}"' in todays_box(page)


def test_marking_from_the_dashboard_clears_the_attention(client_for, this_afternoon, carol, lead):
    client = client_for(carol)
    with at(MONDAY_15 + timedelta(minutes=10)):
        response = client.post(reverse("appointment-mark", args=[this_afternoon.pk]), {"outcome": "kept", "next": "/"})
        assert response.status_code == 302
        assert response["Location"] == "/"
        page = client.get("/").content.decode()
    assert "Jordan Sample, Mon Mar 9, 3:00 PM: kept." in page
    assert "Appointments to mark" not in page
    assert Appointment.objects.get().status == "kept"


def test_a_manager_sees_the_salespeoples_appointments_but_another_salesperson_does_not(
    client_for, this_afternoon, bob, dave
):
    with at(MONDAY_10):
        assert "Jordan Sample" in todays_box(client_for(bob).get("/").content.decode())
        daves = client_for(dave)
        assert "Nothing booked today." in daves.get("/").content.decode()
        assert "Jordan Sample" not in daves.get("/calendar/?dealership=riverside-toyota").content.decode()
        assert (
            daves.post(reverse("appointment-mark", args=[this_afternoon.pk]), {"outcome": "cancelled"}).status_code
            == 404
        )
    assert Appointment.objects.get().status == "booked"


def test_booking_from_the_page_refuses_a_closed_time_and_books_an_open_one(client_for, lead, carol):
    client = client_for(carol)
    url = reverse("appointment-book", args=[lead.pk])
    form = {"kind": "test_drive", "day": "2026-03-14", "time": "18:00", "minutes": "30", "user": carol.pk, "note": ""}
    with at(MONDAY_10):
        refused = client.post(url, form)
        assert refused.status_code == 422
        assert "Riverside Toyota is closed at Sat Mar 14, 6:00 PM" in refused.content.decode()
        assert not Appointment.objects.exists()

        booked = client.post(url, form | {"time": "10:00"})
    assert booked.status_code == 302
    assert booked["Location"] == f"/leads/{lead.pk}/"
    appointment = Appointment.objects.get()
    assert (appointment.kind, appointment.starts_at, appointment.ends_at) == (
        "test_drive",
        chicago(2026, 3, 14, 10, 0),
        chicago(2026, 3, 14, 10, 30),
    )
    with at(MONDAY_10):
        page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "Test drive · Carol Seller" in page
    assert "Sat Mar 14, 10:00 AM" in page  # the lead page says which day


def test_the_sheet_answers_with_a_redirect_htmx_follows_back_to_the_dashboard(client_for, lead, carol):
    client = client_for(carol)
    url = reverse("appointment-book", args=[lead.pk]) + "?next=/"
    with at(MONDAY_10):
        sheet = client.get(url, headers={"HX-Request": "true"})
        assert sheet.status_code == 200
        assert "<html" not in sheet.content.decode()
        assert 'id="book-form"' in sheet.content.decode()
        answer = client.post(
            url,
            {
                "kind": "appointment",
                "day": "2026-03-10",
                "time": "10:00",
                "minutes": "60",
                "user": carol.pk,
                "next": "/",
            },
            headers={"HX-Request": "true"},
        )
    assert answer.status_code == 204
    assert answer["HX-Redirect"] == "/"
    lead.refresh_from_db()
    assert lead.status == Lead.Status.APPOINTMENT


def test_a_free_standing_event_goes_on_the_calendar(client_for, riverside, carol):
    client = client_for(carol)
    with at(MONDAY_10):
        response = client.post(
            reverse("appointment-new-event", args=["riverside-toyota"]),
            {
                "kind": "call_back",
                "title": "Ring the bank about Jordan's loan",
                "day": "2026-03-11",
                "time": "09:30",
                "minutes": "15",
                "user": carol.pk,
            },
        )
        assert response.status_code == 302
        week = client.get("/calendar/?date=2026-03-11").content.decode()
        day = client.get("/calendar/?view=day&date=2026-03-12").content.decode()
    assert "Ring the bank about Jordan&#x27;s loan" in week
    assert f"9:30 AM{DASH}9:45 AM" in week
    assert f"Mon Mar 9 {DASH} Sun Mar 15, 2026" in week
    assert "Ring the bank" not in day
    assert "Thursday, March 12, 2026" in day


def test_a_calendar_of_a_dealership_elsewhere_is_404(client_for, carol, hillside):
    assert client_for(carol).get("/calendar/?dealership=hillside-ford").status_code == 404
    assert client_for(carol).get("/calendar/hillside-ford/new/").status_code == 404


def test_the_text_and_email_sheets_post_to_the_leads_thread(client_for, lead, carol):
    client = client_for(carol)
    text = client.get(
        reverse("lead-quick-message", args=[lead.pk, "sms"]), headers={"HX-Request": "true"}
    ).content.decode()
    assert f'hx-post="/leads/{lead.pk}/conversation/send/"' in text
    assert 'name="channel" value="sms"' in text
    email = client.get(
        reverse("lead-quick-message", args=[lead.pk, "email"]), headers={"HX-Request": "true"}
    ).content.decode()
    assert f'hx-post="/leads/{lead.pk}/conversation/send/"' in email
    assert 'name="channel" value="email"' in email
    assert 'name="subject"' in email
    assert "mailto:" not in email  # the mail goes from Forecourt, from the lead's reply address


def test_quick_actions_offer_allocate_to_managers_and_the_menu_leads_to_claim_to_those_who_may(
    client_for, riverside, carol, bob
):
    with at(MONDAY_10):
        waiting = make_lead(riverside, bulk=True)  # stored only: nobody has it yet
        make_lead(riverside, assigned_to=carol)
        managers = client_for(bob).get("/").content.decode()
        sellers = client_for(carol).get("/").content.decode()
        Membership.objects.filter(user=carol).update(can_be_assigned=False)
        not_selling = client_for(carol).get("/").content.decode()
    assert f'href="/distribution/leads/{waiting.pk}/allocate/?next=/"' in managers
    assert "quick-book" in sellers
    assert "quick-allocate" not in sellers
    assert 'id="nav-leads-to-claim"' in sellers
    assert 'id="nav-leads-to-claim"' not in not_selling


def test_today_is_the_dealerships_day(client_for, texting, carol):
    """Late evening in Austin is already tomorrow in UTC: today's box follows the dealership."""
    with at(chicago(2026, 3, 9, 8, 0)):
        lead = make_lead(texting, assigned_to=carol)
        book_appointment(dealership=texting, lead=lead, actor=carol, starts_at=chicago(2026, 3, 9, 20, 30), insist=True)
    with at(chicago(2026, 3, 9, 19, 30)):
        page = client_for(carol).get("/").content.decode()
    assert f"8:30 PM{DASH}9:30 PM" in page
