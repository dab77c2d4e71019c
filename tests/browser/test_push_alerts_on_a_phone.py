"""On a 390 px phone: the manifest and the service worker load, alerts are turned on from the
preferences screen, and an alert the server sends through the push service is shown by the
service worker as a notification.

A headless browser cannot reach a real push service, so the subscription is one the test makes
(its keys decrypt what the fake push service receives) and is POSTed by the page as the button's
script POSTs a real one; the alert is then handed to the service worker through the DevTools
protocol (`ServiceWorker.deliverPushMessage`), as the push service would hand it to the browser.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from py_vapid import Vapid
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD
from forecourt.testing import wait_until
from forecourt.worker import Worker
from notifications.models import OutboundPush, PushSubscription
from notifications.push_keys import vapid_key
from notifications.tests.push_service import FakePushService, TestBrowser
from tests.browser.conftest import PHONE, keep_screenshot
from tests.servers import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DESKTOP_1280 = (1280, 900)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    server = FakePushService().start()
    yield server
    server.stop()


@pytest.fixture
def push_web(transactional_db: None, real_hasher: None, settings: Any) -> Iterator[str]:
    """gunicorn and this process sign with one VAPID key, given as production gives it."""
    key = Vapid()
    key.generate_keys()
    pem = key.private_pem().decode()
    settings.VAPID_PRIVATE_KEY = pem
    settings.PUSH_ALLOW_PRIVATE = True  # the push service is on loopback
    vapid_key.cache_clear()
    with gunicorn(VAPID_PRIVATE_KEY=pem, FORECOURT_PUSH_ALLOW_PRIVATE="1") as base_url:
        settings.BASE_URL = base_url
        yield base_url
    vapid_key.cache_clear()


def _sideways(driver: Any) -> int:
    return int(driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth"))


def _sign_in(driver: Any, web: str, email: str) -> None:
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 15).until(ec.url_to_be(f"{web}/"))


def test_alerts_are_turned_on_and_a_pushed_alert_is_shown_on_a_phone(
    push_web, open_browser, push_service, riverside, carol
):
    web = push_web
    driver = open_browser(PHONE)
    # Buttons that post a form reload the page: an element read just then may be gone, so look again.
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))
    _sign_in(driver, web, "carol@example.com")
    driver.get(f"{web}/notifications/preferences/")
    keep_screenshot(driver, "push-preferences-grid-390")

    # A browser where notifications are blocked says so, and keeps nothing.
    driver.execute_cdp_cmd(
        "Browser.setPermission", {"origin": web, "permission": {"name": "notifications"}, "setting": "denied"}
    )
    driver.find_element(By.ID, "push-enable").click()
    wait.until(lambda d: "Alerts are blocked for this site" in d.find_element(By.ID, "push-status").text)
    assert not PushSubscription.objects.exists()
    driver.execute_script("document.getElementById('push-status').scrollIntoView({block: 'center'})")
    keep_screenshot(driver, "push-blocked-390")
    # Allowed, the button subscribes; a headless browser has no push service to answer (here it
    # never does; elsewhere it may refuse at once), and the page says so instead of waiting for ever.
    driver.execute_cdp_cmd("Browser.grantPermissions", {"origin": web, "permissions": ["notifications"]})
    driver.find_element(By.ID, "push-enable").click()
    WebDriverWait(driver, 40).until(lambda d: "push service" in d.find_element(By.ID, "push-status").text)
    assert driver.find_element(By.ID, "push-enable").is_enabled(), "one may try again"

    # The service worker controls the whole site, and the manifest makes it installable.
    scope = driver.execute_async_script(
        "const done = arguments[0]; navigator.serviceWorker.ready.then(r => done(r.scope));"
    )
    assert scope == f"{web}/"
    manifest = driver.execute_cdp_cmd("Page.getAppManifest", {})
    assert manifest["errors"] == []
    assert json.loads(manifest["data"])["display"] == "standalone"
    assert driver.find_element(By.ID, "push-enable").text == "Turn on alerts on this phone"
    assert driver.find_element(By.ID, "pref-new_lead-push").is_selected()
    assert not driver.find_element(By.ID, "pref-reassigned-push").is_selected()

    # The subscription a phone's browser would make, POSTed by the page with its CSRF token.
    phone = TestBrowser(endpoint=f"{push_service.base}/wpush/v2/carols-phone")
    status = driver.execute_async_script(
        """
        const [url, subscription, done] = arguments;
        fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(subscription),
          headers: {"Content-Type": "application/json",
                    "X-CSRFToken": document.querySelector("input[name=csrfmiddlewaretoken]").value}})
          .then(r => done(r.status));
        """,
        f"{web}/notifications/devices/",
        phone.subscription(),
    )
    assert status == 200
    assert PushSubscription.objects.get().user == carol

    driver.refresh()
    devices = driver.find_element(By.ID, "device-list")
    assert "Chrome on Linux" in devices.text
    assert _sideways(driver) <= 0, "the preferences screen fits a 390 px phone"
    driver.execute_script("document.getElementById('devices').scrollIntoView()")
    keep_screenshot(driver, "push-preferences-390")

    # "Send a test alert": the worker sends it to the push service, encrypted for the phone.
    driver.find_element(By.ID, "push-test").click()
    wait.until(lambda d: "Test alert sent to 1 device." in d.find_element(By.ID, "messages").text)
    Worker().run_once()
    assert OutboundPush.objects.get().status == "sent"
    (received,) = push_service.received
    payload = phone.read(received)
    assert payload["title"] == "Test alert from Forecourt"

    # The push service hands it to the browser; the service worker shows it.
    driver.execute_cdp_cmd("ServiceWorker.enable", {})
    registration = driver.execute_async_script(
        "const done = arguments[0]; navigator.serviceWorker.ready.then(r => done(r.active.scriptURL));"
    )
    assert registration == f"{web}/sw.js"
    shown = _deliver(driver, web, json.dumps(payload))
    assert shown == [
        {
            "title": "Test alert from Forecourt",
            "body": "Alerts reach this device (Chrome on Linux).",
            "tag": "forecourt-test",
            "url": f"{web}/notifications/preferences/",
        }
    ]

    # Safari on an iPhone offers push only to a home-screen app: outside one, the page says what to do.
    iphone = open_browser(PHONE)
    iphone.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": IPHONE_SAFARI})
    iphone.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.PushManager;"})
    _sign_in(iphone, web, "carol@example.com")
    iphone.get(f"{web}/notifications/preferences/")
    status = WebDriverWait(iphone, 10).until(lambda d: d.find_element(By.ID, "push-status").text)
    assert "Add to Home Screen" in status
    assert not iphone.find_element(By.ID, "push-enable").is_enabled()
    iphone.execute_script("document.getElementById('push-status').scrollIntoView({block: 'center'})")
    keep_screenshot(iphone, "push-iphone-390")

    # On a desktop the same screen has room for the whole grid.
    desktop = open_browser(DESKTOP_1280)
    _sign_in(desktop, web, "carol@example.com")
    desktop.get(f"{web}/notifications/preferences/")
    assert _sideways(desktop) <= 0
    keep_screenshot(desktop, "push-preferences-1280")
    desktop.execute_script("document.getElementById('devices').scrollIntoView()")
    keep_screenshot(desktop, "push-devices-1280")


def _deliver(driver: Any, web: str, data: str) -> list[dict[str, str]]:
    """Hand `data` to the page's service worker as a push, and read the notifications it shows.

    The DevTools protocol names the registration by an id it only reports in events, which
    Selenium does not read; a fresh profile numbers its registrations from 0, so the first few
    ids are tried in turn until the service worker has shown something."""
    read = """
        const done = arguments[0];
        navigator.serviceWorker.ready
          .then(r => r.getNotifications())
          .then(list => done(list.map(n => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}))));
    """
    for _ in range(3):
        for registration_id in range(4):
            try:
                driver.execute_cdp_cmd(
                    "ServiceWorker.deliverPushMessage",
                    {"origin": web, "registrationId": str(registration_id), "data": data},
                )
            except WebDriverException:
                continue  # no registration of that id
            shown: list[dict[str, str]] = wait_until(lambda: driver.execute_async_script(read), timeout=3)
            if shown:
                return shown
    return []
