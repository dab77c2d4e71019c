"""Alice, on a 390 px phone, sends Cars.com's leads to Carol and trade-in requests to the
appraisal desk on the forwarding rules screen; the next Cars.com lead is Carol's, and its
timeline says why. The screen fits a phone and a 1280 px laptop. Screenshots (redirects-*.png)
are kept when FORECOURT_SHOTS names a folder."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import make_lead
from intake.models import IntakeSettings, MarketplaceRedirect
from tests.browser.conftest import PHONE, keep_screenshot
from tests.browser.test_inventory_on_a_phone import fits, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LAPTOP = (1280, 900)


def shoot(driver, name: str, width: int) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": width, "height": min(max(height, 800), 2600), "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    keep_screenshot(driver, f"redirects-{name}")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": 844})


def test_alice_sends_cars_com_leads_to_carol_from_her_phone(web, open_browser, riverside, alice, bob, carol, dave):
    driver = open_browser(PHONE)
    log_in(driver, web, "alice@example.com")
    driver.get(f"{web}/dealerships/{riverside.slug}/settings/")
    driver.find_element(By.ID, "forwarding-link").click()
    WebDriverWait(driver, 20).until(lambda d: "/intake/forwarding/" in d.current_url)
    assert fits(driver)

    driver.find_element(By.ID, "id_redirects-0-source").send_keys("cars.com")
    Select(driver.find_element(By.ID, "id_redirects-0-to")).select_by_visible_text("Carol Seller")
    driver.find_element(By.ID, "id_redirects-1-source").send_keys("CarGurus")
    Select(driver.find_element(By.ID, "id_redirects-1-to")).select_by_visible_text("An email address (as ADF)")
    driver.find_element(By.ID, "id_redirects-1-email").send_keys("not-an-address")
    driver.find_element(By.ID, "id_trade_in_cc").send_keys("appraisals@riverside.example")
    driver.find_element(By.CSS_SELECTOR, ".forwarding-form button[type=submit]").click()

    # A bad address is refused on its row, and nothing is saved.
    WebDriverWait(driver, 20).until(lambda d: "Nothing was saved" in d.page_source)
    assert '"not-an-address" is not an email address' in driver.page_source
    assert not MarketplaceRedirect.objects.exists()
    assert fits(driver)
    shoot(driver, "refused-390", PHONE[0])

    address = driver.find_element(By.ID, "id_redirects-1-email")
    address.clear()
    address.send_keys("bdc@agency.example")
    driver.find_element(By.CSS_SELECTOR, ".forwarding-form button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: "Forwarding rules saved." in d.page_source)
    assert [(r.source, r.target) for r in MarketplaceRedirect.objects.select_related("user")] == [
        ("Cars.com", "carol@example.com"),
        ("CarGurus", "bdc@agency.example"),
    ]
    assert IntakeSettings.objects.get(dealership=riverside).trade_in_cc_email == "appraisals@riverside.example"
    assert fits(driver)
    shoot(driver, "saved-390", PHONE[0])

    lead = make_lead(riverside, source_name="Cars.com")
    driver.get(f"{web}/leads/{lead.pk}/")
    WebDriverWait(driver, 20).until(lambda d: "marketplace redirect for Cars.com to Carol Seller" in d.page_source)
    assert fits(driver)
    shoot(driver, "lead-390", PHONE[0])

    laptop = open_browser(LAPTOP)
    log_in(laptop, web, "alice@example.com")
    laptop.get(f"{web}/intake/forwarding/{riverside.slug}/")
    assert laptop.find_element(By.ID, "id_redirects-0-source").get_attribute("value") == "Cars.com"
    assert fits(laptop)
    shoot(laptop, "saved-1280", LAPTOP[0])
