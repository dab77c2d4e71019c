"""Carol, on a 390 px phone, opens her lead on the customer's texts, picks a template, attaches a
photo of the stock vehicle and one from her phone, sends, and watches the text turn from queued to
sent after the worker's pass, without reloading and without sideways scrolling. The browser's
segment counter counts as the server does."""

from __future__ import annotations

import struct
import zlib

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import PASSWORD
from conversations.actions import conversation_of
from conversations.models import Message, MessageTemplate, Photo
from conversations.segments import count
from forecourt.testing import run_manage
from inventory.models import Vehicle, VehiclePhoto
from leads import actions as lead_actions
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def png(width: int, height: int) -> bytes:
    """A real, plain blue PNG (so the thumbnail has something to draw)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x0b\x5c\xad" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def photographed_lead(web, riverside, carols_lead, carol):
    texting = riverside
    texting.leads_phone = "+15125550199"
    texting.save()
    picture = png(40, 30)
    photo = Photo.objects.create(dealership=texting, content=picture, content_type="image/png", size=len(picture))
    unit = Vehicle.objects.create(dealership=texting, stock="D9760", year=2016, make="RAM", model="2500")
    VehiclePhoto.objects.create(vehicle=unit, url=f"{web}/m/{photo.token}")
    lead_actions.add_vehicle(lead=carols_lead, actor=carol, inventory_vehicle=unit, data={"interest": "buy"})
    # The customer texted first: the lead page opens on the thread.
    for n, body in enumerate(["Hi!", "Is the RAM still there?", "I could come by after work."]):
        Message.objects.create(
            conversation=conversation_of(carols_lead),
            channel="sms",
            direction="in",
            status="received",
            body=body,
            provider_id=f"SM{n}",
        )
    MessageTemplate.objects.create(
        dealership=texting, name="Vehicle ready", body="Hi {first_name}, the {vehicle} is ready to see. {salesperson}"
    )
    return carols_lead


def test_carol_texts_a_template_with_a_stock_photo_from_her_phone(web, open_browser, photographed_lead, tmp_path):
    lead = photographed_lead
    driver = open_browser(PHONE)
    # Chromium will not make a window narrower than 500 px: a phone's width is emulated.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": False},
    )
    # htmx replaces the text and the thread as they change: an element found a moment ago may be gone.
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))

    driver.get(f"{web}/leads/{lead.pk}/")
    assert "Is the RAM still there?" in driver.find_element(By.ID, "thread").text
    # Text and Call sit at the bottom of the screen, under the thumb.
    text_button = driver.find_element(By.ID, "thumb-text")
    call = driver.find_element(By.ID, "thumb-call")
    # Click-to-call: her own phone rings first, and the customer sees the dealership's number.
    assert call.find_element(By.XPATH, "./ancestor::form").get_attribute("action").endswith(f"/leads/{lead.pk}/call/")
    screen_bottom = driver.execute_script("return window.innerHeight")
    assert abs(call.rect["y"] + call.rect["height"] - (screen_bottom - 8)) <= 2

    text_button.click()  # puts the cursor in the text
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "composer-body")

    Select(driver.find_element(By.ID, "composer-template")).select_by_visible_text("Vehicle ready")
    expected = "Hi Jordan, the 2016 RAM 2500 is ready to see. Carol Seller"
    wait.until(lambda d: d.find_element(By.ID, "composer-body").get_attribute("value") == expected)
    assert driver.find_element(By.ID, "composer-counter").text == str(count(expected))

    body = driver.find_element(By.ID, "composer-body")
    body.send_keys(" See you at 5 [front lot]")
    typed = expected + " See you at 5 [front lot]"
    wait.until(lambda d: d.find_element(By.ID, "composer-counter").text == str(count(typed)))

    driver.find_element(By.CSS_SELECTOR, "#stock-photos .photo-pick").click()
    snapshot = tmp_path / "walkaround.png"
    snapshot.write_bytes(png(32, 24))
    driver.find_element(By.ID, "composer-upload").send_keys(str(snapshot))
    driver.find_element(By.ID, "composer-send").click()

    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#thread .msg-out"))
    message = Message.objects.get(direction="out")
    assert message.body == typed
    uploaded = Photo.objects.get(name="walkaround.png")
    assert message.media == [VehiclePhoto.objects.get().url, f"{web}/m/{uploaded.token}"]
    sent = driver.find_element(By.CSS_SELECTOR, "#thread .msg-out")
    assert "Queued" in sent.text
    assert "Carol Seller" in sent.text

    worker = run_manage("runworker", "--once")
    assert worker.returncode == 0, worker.stderr
    # The thread polls: the new state shows without a reload.
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#thread .msg-out .msg-status"), "Sent"))
    widths = "return Array.from(document.querySelectorAll('#thread .msg-out .msg-media img'), i => i.naturalWidth)"
    wait.until(lambda d: d.execute_script(widths) == [40, 32])
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "the lead page fits the phone without sideways scrolling"
    )


BODIES = ["", "a" * 161, "€" * 81, "é" * 160, "ł" * 71, "a" * 134 + "😀", "Hi\n~ tilde {x}", "a" * 306 + "b"]


def test_the_browsers_counter_counts_as_the_server_does(web, open_browser):
    driver = open_browser(PHONE)
    driver.get(f"{web}/accounts/login/")
    load = (
        "var done = arguments[arguments.length - 1];"
        "var s = document.createElement('script'); s.src = '/static/js/composer.js';"
        "s.onload = function () { done(true); }; document.head.appendChild(s);"
    )
    assert driver.execute_async_script(load)
    for body in BODIES:
        assert driver.execute_script("return window.forecourtCount(arguments[0])", body) == str(count(body))
