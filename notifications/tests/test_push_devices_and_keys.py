"""Turning push alerts on for a device, removing it, the Push column of the preferences screen,
the VAPID keys kept in var/ (or given by the environment), and the service worker and manifest
that let a phone put Forecourt on its home screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from py_vapid import Vapid

from notifications.actions import preferences_for
from notifications.models import Kind, NotificationPreference, OutboundPush, PushSubscription
from notifications.push import device_label
from notifications.push_keys import VapidKeyError, b64url, key_from_text, public_key, vapid_key
from notifications.tests.push_service import TestBrowser

BASE_DIR = Path(__file__).resolve().parents[2]
ENDPOINT = "https://fcm.googleapis.com/fcm/send/carols-phone-token"
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1"


@pytest.fixture(autouse=True)
def own_key_file(settings, tmp_path):
    settings.VAPID_KEY_FILE = tmp_path / "vapid_private_key.pem"
    vapid_key.cache_clear()
    yield
    vapid_key.cache_clear()


def _subscribe(client: Client, subscription: object, user_agent: str = PHONE_UA) -> tuple[int, dict[str, str]]:
    answer = client.post(
        "/notifications/devices/",
        data=json.dumps(subscription),
        content_type="application/json",
        headers={"User-Agent": user_agent},
    )
    return answer.status_code, answer.json()


@pytest.mark.django_db
def test_a_browsers_subscription_is_kept_with_a_label_for_the_device(client_for, carol):
    status, answer = _subscribe(client_for(carol), TestBrowser(endpoint=ENDPOINT).subscription())
    assert (status, answer["label"]) == (200, "Safari on iPhone")
    device = PushSubscription.objects.get()
    assert (device.user, device.endpoint, device.label) == (carol, ENDPOINT, "Safari on iPhone")

    page = client_for(carol).get("/notifications/preferences/").content.decode()
    assert "Safari on iPhone" in page
    assert "Send a test alert" in page


@pytest.mark.django_db
def test_the_same_browser_subscribing_again_is_one_device_of_whoever_signed_in_last(client_for, carol, dave):
    subscription = TestBrowser(endpoint=ENDPOINT).subscription()
    _subscribe(client_for(carol), subscription)
    _subscribe(client_for(dave), subscription)
    assert list(PushSubscription.objects.values_list("user__email", flat=True)) == ["dave@example.com"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda s: {**s, "endpoint": "http://push.example.com/x"}, "must start with https://"),
        (lambda s: {**s, "endpoint": None}, "no push service address"),
        (lambda s: {**s, "endpoint": "https:///no-host"}, "no push service address"),
        (lambda s: {**s, "keys": {"auth": s["keys"]["auth"]}}, "no p256dh key"),
        (lambda s: {**s, "keys": {**s["keys"], "p256dh": b64url(b"\x04" + b"1" * 10)}}, "not a P-256 public key"),
        (lambda s: {**s, "keys": {**s["keys"], "auth": "!!!"}}, "not base64url"),
        (lambda s: {**s, "keys": {**s["keys"], "auth": b64url(b"short")}}, "not 16 bytes"),
        (lambda s: [s], "no subscription"),
    ],
)
def test_a_malformed_subscription_is_refused_with_the_reason_and_nothing_kept(client_for, carol, change, error):
    status, answer = _subscribe(client_for(carol), change(TestBrowser(endpoint=ENDPOINT).subscription()))
    assert status == 400
    assert error in answer["error"]
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_one_person_has_alerts_on_a_limited_number_of_devices(monkeypatch, client_for, carol):
    from notifications import actions

    monkeypatch.setattr(actions, "MAX_DEVICES", 1)
    assert _subscribe(client_for(carol), TestBrowser(endpoint=ENDPOINT).subscription())[0] == 200
    status, answer = _subscribe(client_for(carol), TestBrowser(endpoint=ENDPOINT + "-2").subscription())
    assert status == 400
    assert "remove one first" in answer["error"]
    assert PushSubscription.objects.count() == 1


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_refused(client_for, carol):
    answer = client_for(carol).post("/notifications/devices/", data="endpoint=x", content_type="text/plain")
    assert answer.status_code == 400
    assert "not JSON" in answer.json()["error"]


@pytest.mark.django_db
def test_turning_alerts_on_needs_the_csrf_token(carol):
    client = Client(enforce_csrf_checks=True)
    client.force_login(carol)
    answer = client.post("/notifications/devices/", data="{}", content_type="application/json")
    assert answer.status_code == 403
    assert not PushSubscription.objects.exists()


@pytest.mark.django_db
def test_a_device_is_removed_by_its_owner_only(client_for, carol, dave):
    _subscribe(client_for(carol), TestBrowser(endpoint=ENDPOINT).subscription())
    device = PushSubscription.objects.get()

    client_for(dave).post(f"/notifications/devices/{device.pk}/remove/")
    assert PushSubscription.objects.filter(pk=device.pk).exists(), "Dave cannot remove Carol's phone"

    answer = client_for(carol).post(f"/notifications/devices/{device.pk}/remove/", follow=True)
    assert not PushSubscription.objects.exists()
    assert "Device removed" in answer.content.decode()


@pytest.mark.django_db
def test_the_test_button_queues_an_alert_per_device_or_says_there_is_none(client_for, carol):
    page = client_for(carol).post("/notifications/devices/test/", follow=True).content.decode()
    assert "No device has alerts on yet" in page
    assert not OutboundPush.objects.exists()

    _subscribe(client_for(carol), TestBrowser(endpoint=ENDPOINT).subscription())
    page = client_for(carol).post("/notifications/devices/test/", follow=True).content.decode()
    assert "Test alert sent to 1 device." in page
    assert OutboundPush.objects.get().title == "Test alert from Forecourt"


@pytest.mark.django_db
def test_push_is_on_by_default_for_what_needs_acting_on_at_once_and_can_be_ticked_per_kind(client_for, carol):
    assert sorted(k for k, channels in preferences_for(carol).items() if channels["push"]) == [
        "customer_replied",
        "escalation",
        "missed_call",
        "new_lead",
    ]
    client = client_for(carol)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="reminder:push"' in page
    assert ">Push<" in page
    client.post("/notifications/preferences/", {"reminder:push": "on", "reminder:in_app": "on"})
    chosen = preferences_for(carol)
    assert chosen[Kind.REMINDER]["push"]
    assert not chosen[Kind.NEW_LEAD]["push"]
    assert NotificationPreference.objects.get(user=carol, kind=Kind.REMINDER).push


@pytest.mark.django_db
def test_the_preferences_page_gives_the_browser_the_public_key_kept_in_var(settings, client_for, carol):
    page = client_for(carol).get("/notifications/preferences/").content.decode()
    kept = key_from_text(Path(settings.VAPID_KEY_FILE).read_text())
    assert f'data-vapid-key="{public_key()}"' in page
    assert kept.public_key == vapid_key().public_key


def test_the_keys_are_made_once_into_var_and_read_back_by_every_later_process(tmp_path):
    """Two separate processes, as the web server and the worker are: the first makes the key file,
    the second finds the same public key in it."""
    program = "import django; django.setup(); from notifications.push_keys import public_key; print(public_key())"
    env = {"FORECOURT_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "forecourt.settings", "PATH": "/usr/bin:/bin"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    first = subprocess.run([sys.executable, "-c", program], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "vapid_private_key.pem"
    made = key_file.read_text()
    assert made.startswith("-----BEGIN PRIVATE KEY-----")
    assert oct(key_file.stat().st_mode)[-3:] == "600"
    second = subprocess.run([sys.executable, "-c", program], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert second.stdout == first.stdout
    assert len(first.stdout.strip()) == 87
    assert key_file.read_text() == made


def test_a_key_from_the_environment_is_used_instead_of_the_file(settings):
    given = Vapid()
    given.generate_keys()
    raw = given.private_key.private_numbers().private_value.to_bytes(32, "big")
    settings.VAPID_PRIVATE_KEY = b64url(raw)
    vapid_key.cache_clear()
    from_raw = public_key()
    settings.VAPID_PRIVATE_KEY = given.private_pem().decode()
    vapid_key.cache_clear()
    assert public_key() == from_raw
    assert not Path(settings.VAPID_KEY_FILE).exists(), "nothing written to var/"


def test_a_key_that_is_not_one_says_so():
    with pytest.raises(VapidKeyError, match="not a P-256 private key"):
        key_from_text("not-a-key")


@pytest.mark.django_db
def test_the_manifest_and_service_worker_load_without_signing_in(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200
    assert manifest["Content-Type"] == "application/manifest+json"
    body = manifest.json()
    assert (body["name"], body["short_name"], body["start_url"], body["display"]) == (
        "Forecourt",
        "Forecourt",
        "/",
        "standalone",
    )
    sizes = {(icon["sizes"], icon["purpose"]) for icon in body["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= sizes
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200

    worker = client.get("/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert "no-cache" in worker["Cache-Control"]
    assert "showNotification" in worker.content.decode()


@pytest.mark.django_db
def test_every_page_links_the_manifest(client_for, carol):
    page = client_for(carol).get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert "js/push.js" in page


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (PHONE_UA, "Safari on iPhone"),
        ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36", "Chrome on Android"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36 Edg/131.0", "Edge on Windows"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Mac"),
        (
            "Mozilla/5.0 (Linux; Android 14) SamsungBrowser/26.0 Chrome/122.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        ("", "A browser"),
    ],
)
def test_a_device_is_named_from_its_user_agent(agent, label):
    assert device_label(agent) == label
