"""Forecourt's own texts go out only from 08:00 to 21:00 in the customer's time: held, never
dropped, and released by the worker; a person's texts are never held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import make_lead
from conversations.actions import send_message
from conversations.inbound import receive_text
from conversations.models import Message
from conversations.quiet_hours import in_window, next_window, when_a_text_may_go, zones_of_number
from escalations.tests.support import at, chicago, run_worker_at

LA = ZoneInfo("America/Los_Angeles")
BOISE = ZoneInfo("America/Boise")


# The rule, without a database ---------------------------------------------------------------


def test_a_texas_number_may_be_texted_from_eight_until_nine_at_night_chicago_time():
    number, zone = "+15125550100", "America/Denver"
    assert when_a_text_may_go(chicago(2026, 3, 16, 7, 59), number=number, dealership_zone=zone) == chicago(
        2026, 3, 16, 8, 0
    )
    assert when_a_text_may_go(chicago(2026, 3, 16, 8, 0), number=number, dealership_zone=zone) == chicago(
        2026, 3, 16, 8, 0
    )
    assert when_a_text_may_go(chicago(2026, 3, 16, 20, 59), number=number, dealership_zone=zone) == chicago(
        2026, 3, 16, 20, 59
    )
    assert when_a_text_may_go(chicago(2026, 3, 16, 21, 0), number=number, dealership_zone=zone) == chicago(
        2026, 3, 17, 8, 0
    )


def test_an_area_spanning_two_zones_waits_for_eight_in_the_western_one_and_stops_at_nine_in_the_eastern():
    idaho = "+12085550100"  # Boise (Mountain) and the panhandle (Pacific)
    assert set(zones_of_number(idaho)) == {BOISE, LA}
    seven_thirty_la = datetime(2026, 3, 16, 7, 30, tzinfo=LA)  # 08:30 in Boise
    assert when_a_text_may_go(seven_thirty_la, number=idaho, dealership_zone="America/Chicago") == datetime(
        2026, 3, 16, 8, 0, tzinfo=LA
    )
    half_past_eight_la = datetime(2026, 3, 16, 20, 30, tzinfo=LA)  # 21:30 in Boise: quiet there
    assert when_a_text_may_go(half_past_eight_la, number=idaho, dealership_zone="America/Chicago") == datetime(
        2026, 3, 17, 8, 0, tzinfo=LA
    )


@pytest.mark.parametrize("number", ["+18005550100", "+15555550100", "not a number"])
def test_a_number_that_belongs_to_no_place_follows_the_dealerships_zone(number):
    assert zones_of_number(number) == []
    assert when_a_text_may_go(chicago(2026, 3, 16, 6, 0), number=number, dealership_zone="America/Chicago") == (
        chicago(2026, 3, 16, 8, 0)
    )


ZONES = st.lists(
    st.sampled_from(["America/Chicago", "America/Denver", "America/Los_Angeles", "America/Boise", "America/New_York"]),
    min_size=1,
    max_size=3,
    unique=True,
).map(lambda names: [ZoneInfo(n) for n in names])


@given(
    moment=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)),
    zones=ZONES,
)
def test_the_next_window_is_inside_quiet_hours_everywhere_and_nothing_earlier_is(moment, zones):
    found = next_window(moment, zones)
    assert found is not None
    assert found >= moment
    assert in_window(found, zones)
    # No earlier allowed minute was skipped (checked every 15 minutes back to `moment`).
    probe = found - timedelta(minutes=15)
    while probe > moment:
        assert not in_window(probe, zones)
        probe -= timedelta(minutes=15)


# In the product -------------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db(transaction=True)
TEN_PM = chicago(2026, 3, 16, 22, 0)


@pytest.fixture
def lead(texting, carol):
    with at(TEN_PM - timedelta(hours=5)):
        return make_lead(texting, assigned_to=carol)


@pytestmark_db
def test_an_automated_text_at_night_is_held_until_eight_and_then_sent(lead, twilio):
    with at(TEN_PM):
        message = send_message(lead=lead, channel="sms", body="Your test drive is confirmed.", actor=None)
    assert (message.status, message.due_at) == (Message.Status.HELD, chicago(2026, 3, 17, 8, 0))

    run_worker_at(chicago(2026, 3, 17, 7, 59))
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert twilio.requests == []

    run_worker_at(chicago(2026, 3, 17, 8, 0))
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert [r["form"]["Body"] for r in twilio.requests] == [["Your test drive is confirmed."]]


@pytestmark_db
def test_a_salespersons_text_at_night_goes_at_once(lead, carol):
    with at(TEN_PM):
        message = send_message(lead=lead, channel="sms", body="Sorry for the late reply!", actor=carol)
    assert message.status == Message.Status.QUEUED
    run_worker_at(TEN_PM + timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


@pytestmark_db
def test_quiet_hours_follow_the_customers_number_not_the_dealership(texting, carol):
    with at(chicago(2026, 3, 16, 9, 0)):
        lead = make_lead(
            texting,
            assigned_to=carol,
            customer={"first_name": "Lou", "phones": [{"number": "+12135550100", "type": "cellphone"}]},
        )
        message = send_message(lead=lead, channel="sms", body="Good morning!", actor=None)  # 07:00 in Los Angeles
    assert message.status == Message.Status.HELD
    assert message.due_at == datetime(2026, 3, 16, 8, 0, tzinfo=LA)


@pytestmark_db
def test_a_held_text_to_a_customer_who_opts_out_overnight_is_never_sent(lead, twilio):
    with at(TEN_PM):
        message = send_message(lead=lead, channel="sms", body="Your test drive is confirmed.", actor=None)
    with at(chicago(2026, 3, 17, 6, 30)):
        receive_text(to_number="+15125550199", from_number="+15125550100", body="STOP", provider_id="SM1")
    run_worker_at(chicago(2026, 3, 17, 8, 0))

    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error == "Jordan Sample opted out of texts on Tue Mar 17, 6:30 AM (replied STOP)."
    assert [r["form"]["Body"] for r in twilio.requests] == [
        ["You're unsubscribed from Riverside Toyota texts. Reply START to resubscribe."]
    ]


@pytestmark_db
def test_a_held_text_whose_window_moved_waits_for_the_next_one(lead):
    with at(TEN_PM):
        message = send_message(lead=lead, channel="sms", body="Reminder", actor=None)
    # Someone fixed the customer's number overnight: it is a Los Angeles one now (06:00 there).
    Message.objects.filter(pk=message.pk).update(to_address="+12135550100")
    run_worker_at(chicago(2026, 3, 17, 8, 0))
    message.refresh_from_db()
    assert (message.status, message.due_at) == (Message.Status.HELD, datetime(2026, 3, 17, 8, 0, tzinfo=LA))
