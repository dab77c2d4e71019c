"""Web push alerts reach a salesperson's phone through its push service: a real HTTP server on
loopback stands in for it, and each alert is decrypted with the test browser's own keys to read
what the phone shows. The same rules as for emails and texts: per-kind preferences, opening hours,
nobody deactivated is told anything; a push service that forgot a device removes it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from py_vapid import Vapid02

from distribution.actions.distributing import tell_assignee
from escalations.tests.support import at, chicago, run_worker_at
from notifications.actions import notify, send_test_alert, set_preferences, subscribe_device
from notifications.models import Kind, OutboundPush, PushSubscription
from notifications.push_keys import public_key, subject, vapid_key
from notifications.tests.push_service import FakePushService, TestBrowser, unb64url

pytestmark = pytest.mark.django_db(transaction=True)
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
)
TUESDAY_MORNING = chicago(2026, 3, 10, 10, 30)


@pytest.fixture
def push_service(settings, tmp_path) -> Iterator[FakePushService]:
    settings.PUSH_ALLOW_PRIVATE = True  # the push service is on loopback
    settings.VAPID_KEY_FILE = tmp_path / "vapid_private_key.pem"
    vapid_key.cache_clear()
    server = FakePushService().start()
    yield server
    server.stop()
    vapid_key.cache_clear()


@pytest.fixture
def carols_phone(carol, push_service) -> TestBrowser:
    phone = TestBrowser(endpoint=f"{push_service.base}/wpush/v2/carols-phone")
    subscribe_device(user=carol, actor=carol, subscription=phone.subscription(), user_agent=PHONE_UA)
    return phone


@pytest.fixture
def carols_truck_lead(riverside, carol):
    from conftest import make_lead

    return make_lead(
        riverside,
        assigned_to=carol,
        bulk=True,
        vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "vin": "3C6UR5ML5GG359865", "stock": "D9760"}],
    )


def test_a_new_lead_buzzes_the_phone_with_who_and_what_and_a_tap_opens_the_lead(
    carol, carols_phone, carols_truck_lead, push_service
):
    with at(TUESDAY_MORNING):
        tell_assignee(carols_truck_lead, carol, text="New lead for you: Jordan Sample · 2016 RAM 2500")
    run_worker_at(TUESDAY_MORNING + timedelta(seconds=1))

    assert len(push_service.received) == 1
    alert = push_service.received[0]
    assert alert.path == "/wpush/v2/carols-phone"
    shown = carols_phone.read(alert)
    assert shown == {
        "title": "New lead · Riverside Toyota",
        "body": "New lead for you: Jordan Sample · 2016 RAM 2500",
        "url": f"http://127.0.0.1:8000/leads/{carols_truck_lead.pk}/",
        "tag": f"lead-{carols_truck_lead.pk}-new_lead",
    }
    assert "jordan@example.com" not in alert.body.decode("latin-1")
    assert "555" not in str(shown)
    row = OutboundPush.objects.get()
    assert (row.status, alert.headers["topic"], alert.headers["urgency"]) == ("sent", row.key, "high")
    assert int(alert.headers["ttl"]) > 0
    assert PushSubscription.objects.get().last_success_at is not None


def test_the_vapid_signature_verifies_against_the_public_key_browsers_subscribed_with(
    carol, carols_phone, carols_truck_lead, push_service
):
    with at(TUESDAY_MORNING):
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue: Jordan Sample")
    run_worker_at(TUESDAY_MORNING + timedelta(seconds=1))

    authorization = push_service.received[0].headers["authorization"]
    scheme, _, params = authorization.partition(" ")
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert scheme == "vapid"
    assert fields["k"] == public_key(), "signed with the key the browser subscribed with"
    assert Vapid02.verify(authorization)
    claims = __import__("json").loads(unb64url(fields["t"].split(".")[1]))
    assert claims["aud"] == push_service.base
    assert claims["sub"] == subject() == "mailto:no-reply@relay.forecourt.localhost"


@pytest.mark.parametrize("status", [404, 410])
def test_a_push_service_that_no_longer_knows_the_phone_removes_it(
    status, carol, carols_phone, carols_truck_lead, push_service
):
    push_service.statuses = [status]
    with at(TUESDAY_MORNING):
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue: Jordan Sample")
    run_worker_at(TUESDAY_MORNING + timedelta(seconds=1))

    assert not PushSubscription.objects.exists()
    row = OutboundPush.objects.get()
    assert row.status == "failed"
    assert f"HTTP {status}" in row.last_error
    assert "removed" in row.last_error
    assert "carols-phone" not in row.last_error, "the endpoint is the device's secret"

    with at(TUESDAY_MORNING + timedelta(minutes=5)):
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue again: Jordan Sample")
    run_worker_at(TUESDAY_MORNING + timedelta(minutes=5, seconds=1))
    assert len(push_service.received) == 1, "nothing more is sent to a device that is gone"


@pytest.mark.parametrize("status", [429, 503])
def test_a_busy_push_service_is_tried_again_after_a_back_off(
    status, carol, carols_phone, carols_truck_lead, push_service
):
    push_service.statuses = [status]
    with at(TUESDAY_MORNING):
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue: Jordan Sample")
    run_worker_at(TUESDAY_MORNING + timedelta(seconds=1))
    row = OutboundPush.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    assert PushSubscription.objects.get().failures == 1

    run_worker_at(TUESDAY_MORNING + timedelta(seconds=10))
    assert len(push_service.received) == 1, "not again before the back-off"
    run_worker_at(row.due_at + timedelta(seconds=1))
    assert len(push_service.received) == 2
    assert OutboundPush.objects.get().status == "sent"
    assert carols_phone.read(push_service.received[1])["body"] == "Overdue: Jordan Sample"
    assert PushSubscription.objects.get().failures == 0


def test_an_alert_the_push_service_refuses_fails_with_its_reason_and_keeps_the_device(
    carol, carols_phone, carols_truck_lead, push_service
):
    push_service.statuses = [400]
    with at(TUESDAY_MORNING):
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue: Jordan Sample")
    run_worker_at(TUESDAY_MORNING + timedelta(seconds=1))
    run_worker_at(TUESDAY_MORNING + timedelta(hours=2))

    row = OutboundPush.objects.get()
    assert row.status == "failed"
    assert "HTTP 400" in row.last_error
    assert "push service says no" in row.last_error
    assert len(push_service.received) == 1
    assert PushSubscription.objects.get().failures == 1


def test_push_follows_each_kinds_choice(carol, carols_phone, carols_truck_lead, push_service):
    set_preferences(
        user=carol,
        actor=carol,
        choices={
            Kind.ESCALATION: {"in_app": True, "email": True, "sms": False, "push": False},
            Kind.REMINDER: {"in_app": True, "email": False, "sms": False, "push": True},
        },
    )
    with at(TUESDAY_MORNING):
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue: Jordan Sample")
        notify(user=carol, kind=Kind.REMINDER, lead=carols_truck_lead, text="Reminder: reply to Jordan Sample")
        notify(user=carol, kind=Kind.REASSIGNED, lead=carols_truck_lead, text="Lead reassigned to you")
    run_worker_at(TUESDAY_MORNING + timedelta(seconds=1))

    bodies = [carols_phone.read(alert)["body"] for alert in push_service.received]
    assert bodies == ["Reminder: reply to Jordan Sample"], "escalation switched off; reassigned is off by default"


def test_a_new_lead_after_closing_buzzes_when_the_dealership_opens(
    carol, carols_phone, carols_truck_lead, push_service
):
    with at(chicago(2026, 3, 10, 20, 15)):
        notify(user=carol, kind=Kind.NEW_LEAD, lead=carols_truck_lead, text="New lead for you: Jordan Sample")
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue: Jordan Sample")
    run_worker_at(chicago(2026, 3, 10, 20, 16))
    assert [carols_phone.read(a)["title"] for a in push_service.received] == ["Overdue · Riverside Toyota"]

    run_worker_at(chicago(2026, 3, 11, 8, 59))
    assert len(push_service.received) == 1, "still closed"
    run_worker_at(chicago(2026, 3, 11, 9, 0))
    assert [carols_phone.read(a)["title"] for a in push_service.received][1:] == ["New lead · Riverside Toyota"]


def test_a_deactivated_salesperson_gets_no_alert(carol, carols_phone, carols_truck_lead, push_service):
    with at(chicago(2026, 3, 10, 20, 15)):
        notify(user=carol, kind=Kind.NEW_LEAD, lead=carols_truck_lead, text="New lead for you: Jordan Sample")
    carol.is_active = False
    carol.save()
    with at(chicago(2026, 3, 10, 20, 20)):
        assert notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue") is None
    run_worker_at(chicago(2026, 3, 11, 9, 0))

    assert push_service.received == []
    assert OutboundPush.objects.get().status == "failed"
    assert "deactivated" in OutboundPush.objects.get().last_error


def test_every_device_of_the_user_gets_the_alert(carol, dave, carols_phone, carols_truck_lead, push_service):
    laptop = TestBrowser(endpoint=f"{push_service.base}/wpush/v2/carols-laptop")
    subscribe_device(user=carol, actor=carol, subscription=laptop.subscription(), user_agent="Firefox/133.0 Windows")
    daves = TestBrowser(endpoint=f"{push_service.base}/wpush/v2/daves-phone")
    subscribe_device(user=dave, actor=dave, subscription=daves.subscription(), user_agent=PHONE_UA)
    with at(TUESDAY_MORNING):
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue: Jordan Sample")
    run_worker_at(TUESDAY_MORNING + timedelta(seconds=1))

    by_path = {alert.path: alert for alert in push_service.received}
    assert sorted(by_path) == ["/wpush/v2/carols-laptop", "/wpush/v2/carols-phone"]
    assert carols_phone.read(by_path["/wpush/v2/carols-phone"])["body"] == "Overdue: Jordan Sample"
    assert laptop.read(by_path["/wpush/v2/carols-laptop"])["body"] == "Overdue: Jordan Sample"


def test_a_test_alert_goes_out_at_once_even_when_the_dealership_is_closed(carol, carols_phone, push_service):
    sunday_night = chicago(2026, 3, 15, 23, 0)
    with at(sunday_night):
        assert send_test_alert(user=carol, actor=carol) == 1
    run_worker_at(sunday_night + timedelta(seconds=1))

    shown = carols_phone.read(push_service.received[0])
    assert shown["title"] == "Test alert from Forecourt"
    assert shown["body"] == "Alerts reach this device (Chrome on Android)."
    assert shown["url"] == "http://127.0.0.1:8000/notifications/preferences/"


def test_a_push_service_inside_a_private_network_is_refused(settings, carol, carols_truck_lead, push_service):
    phone = TestBrowser(endpoint="https://127.0.0.1:9/wpush/v2/inside")
    subscribe_device(user=carol, actor=carol, subscription=phone.subscription(), user_agent=PHONE_UA)
    settings.PUSH_ALLOW_PRIVATE = False
    with at(TUESDAY_MORNING):
        notify(user=carol, kind=Kind.ESCALATION, lead=carols_truck_lead, text="Overdue: Jordan Sample")
    run_worker_at(TUESDAY_MORNING + timedelta(seconds=1))

    row = OutboundPush.objects.get()
    assert row.status == "failed"
    assert "private network" in row.last_error


def test_an_overdue_lead_buzzes_the_phone_in_the_same_pass_of_the_worker_that_fires_it(
    riverside, carol, carols_phone, push_service
):
    from conftest import make_lead

    with at(chicago(2026, 3, 10, 10, 0)):
        lead = make_lead(riverside, assigned_to=carol)
    push_service.received.clear()  # whatever taking the lead in told Carol
    run_worker_at(chicago(2026, 3, 10, 10, 30))

    titles = [carols_phone.read(alert)["title"] for alert in push_service.received]
    assert "Overdue · Riverside Toyota" in titles
    overdue = next(a for a in push_service.received if carols_phone.read(a)["title"].startswith("Overdue"))
    assert carols_phone.read(overdue)["url"].endswith(f"/leads/{lead.pk}/")
