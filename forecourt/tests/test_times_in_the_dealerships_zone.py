"""Every screen shows times as the dealership reads its clock, one way: "Tue Mar 10, 10:00 AM"."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Membership, User
from intake.actions import settings_for
from intake.models import InboundEmail

TEN_AM_IN_AUSTIN = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # CDT is UTC-5 from March 8th
SHOWN = "Tue Mar 10, 10:00 AM"


def test_intake_list_and_detail_show_arrival_in_the_dealerships_zone(riverside, alice, client_for):
    inbound = InboundEmail.objects.create(
        dealership=riverside, raw=b"x", subject="New lead", status=InboundEmail.Status.NO_LEAD,
        received_at=TEN_AM_IN_AUSTIN, reported_at=TEN_AM_IN_AUSTIN,
    )  # fmt: skip
    client = client_for(alice)
    with time_machine.travel(TEN_AM_IN_AUSTIN, tick=False):
        listing = client.get("/intake/").content.decode()
        detail = client.get(f"/intake/{inbound.pk}/").content.decode()
    assert SHOWN in listing
    assert "15:00" not in listing
    assert detail.count(SHOWN) == 2, "arrived and reported"
    assert "UTC" not in detail


def test_the_mailbox_settings_say_when_it_was_last_polled_in_local_time(riverside, alice, client_for):
    config = settings_for(riverside)
    config.imap_host, config.imap_user = "imap.example.com", "leads@riverside.example"
    config.imap_last_polled_at = TEN_AM_IN_AUSTIN
    config.save()
    with time_machine.travel(TEN_AM_IN_AUSTIN, tick=False):
        page = client_for(alice).get(f"/intake/settings/{riverside.slug}/").content.decode()
    assert f"Mailbox last polled: {SHOWN}" in page


def test_the_distribution_simulation_shows_each_lead_in_the_dealerships_zone(riverside, alice, carol, client_for):
    csv = SimpleUploadedFile("leads.csv", b"received_at,source\n2026-03-10 10:00,Web\n", content_type="text/csv")
    with time_machine.travel(TEN_AM_IN_AUSTIN, tick=False):
        page = client_for(alice).post(
            f"/distribution/{riverside.slug}/yaml/",
            {"document": "sales:\n  method: round_robin\n", "action": "simulate", "days": "7", "csv_file": csv},
        )
    assert page.status_code == 200
    assert SHOWN in page.content.decode()


def test_a_deactivated_accounts_date_is_the_dealerships_day(riverside, alice, carol, client_for):
    # 01:30 on March 11th in UTC is still the evening of the 10th in Austin.
    User.objects.filter(pk=carol.pk).update(is_active=False, deactivated_at=datetime(2026, 3, 11, 1, 30, tzinfo=UTC))
    with time_machine.travel(TEN_AM_IN_AUSTIN, tick=False):
        page = client_for(alice).get(f"/accounts/users/{carol.pk}/").content.decode()
    assert "Deactivated on Tue Mar 10, 8:30 PM" in page


def test_a_page_about_another_dealership_shows_that_dealerships_time(riverside, lakeside, alice, client_for):
    Membership.objects.create(user=alice, dealership=lakeside, role=Membership.Role.ADMIN, departments=["sales"])
    inbound = InboundEmail.objects.create(
        dealership=lakeside, raw=b"x", subject="New lead", status=InboundEmail.Status.NO_LEAD,
        received_at=TEN_AM_IN_AUSTIN,
    )  # fmt: skip
    client = client_for(alice)
    with time_machine.travel(TEN_AM_IN_AUSTIN, tick=False):
        detail = client.get(f"/intake/{inbound.pk}/").content.decode()
        listing = client.get("/intake/").content.decode()
    # Denver is an hour behind Austin.
    assert "Tue Mar 10, 9:00 AM" in detail
    assert "Tue Mar 10, 9:00 AM" in listing
    assert SHOWN not in detail


def test_a_time_of_another_year_says_the_year():
    from forecourt.templatetags.moments import when

    with time_machine.travel(TEN_AM_IN_AUSTIN, tick=False):
        assert when(TEN_AM_IN_AUSTIN, "America/Chicago") == SHOWN
        assert when(datetime(2026, 1, 1, 3, 0, tzinfo=UTC), "America/Chicago") == "Wed Dec 31 2025, 9:00 PM"
        assert when(None) == ""
