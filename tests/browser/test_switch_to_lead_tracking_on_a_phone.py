"""An admin on a phone switches the rooftop to lead tracking: the settings screen asks first and
says what changes, the switch is saved and logged once confirmed, and a lead that then arrives
says on its page why nobody works it here (no composer, no call or allocate button). Nothing
on either screen overflows sideways at 390 px; screenshots at 390 and 1280 px."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import PASSWORD, make_lead
from dealerships.models import DealershipChange
from dealerships.modes import SWITCH_TO_TRACKING
from tests.browser.conftest import PHONE, keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDE = (1280, 900)


def overflow(driver) -> int:
    return int(driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth"))


def sign_in(driver, web: str, email: str) -> None:
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 15).until(ec.url_to_be(f"{web}/"))


def test_an_admin_switches_to_lead_tracking_on_a_phone_and_a_tracked_lead_says_why(
    web, open_browser, riverside, alice, bob, carol
):
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,))  # forms reload the page
    sign_in(driver, web, "alice@example.com")
    driver.get(f"{web}/dealerships/{riverside.slug}/settings/")

    Select(driver.find_element(By.ID, "id_mode")).select_by_value("tracking")
    driver.find_element(By.CSS_SELECTOR, ".form-actions button[type=submit]").click()
    box = wait.until(ec.visibility_of_element_located((By.ID, "mode-switch")))
    assert SWITCH_TO_TRACKING in box.text
    riverside.refresh_from_db()
    assert riverside.mode == "management", "nothing saved before the confirmation"
    assert overflow(driver) <= 0
    keep_screenshot(driver, "tracking-confirm-390")

    driver.find_element(By.ID, "confirm-mode").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "Saved: Mode."))
    riverside.refresh_from_db()
    assert riverside.mode == "tracking"
    assert DealershipChange.objects.get().changes == [{"path": "mode", "old": "management", "new": "tracking"}]
    keep_screenshot(driver, "tracking-saved-390")
    switch = driver.find_element(By.ID, "id_escalation_resubmission_opening_hours")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", switch)
    assert overflow(driver) <= 0
    keep_screenshot(driver, "tracking-escalation-settings-390")

    lead = make_lead(riverside)
    sign_in(phone := open_browser(PHONE), web, "bob@example.com")
    phone.get(f"{web}/leads/{lead.pk}/")
    banner = phone.find_element(By.ID, "tracking-banner")
    assert "Lead tracking mode." in banner.text
    assert phone.find_element(By.ID, "tracking-no-composer").is_displayed()
    assert phone.find_elements(By.CSS_SELECTOR, ".call-button, #composer-body, .lead-distribution a") == []
    assert overflow(phone) <= 0
    keep_screenshot(phone, "tracking-lead-390")

    wide = open_browser(WIDE)
    sign_in(wide, web, "alice@example.com")
    wide.get(f"{web}/leads/{lead.pk}/")
    assert wide.find_element(By.ID, "tracking-banner").is_displayed()
    keep_screenshot(wide, "tracking-lead-1280")
    wide.get(f"{web}/dealerships/{riverside.slug}/settings/")
    Select(wide.find_element(By.ID, "id_mode")).select_by_value("management")
    wide.find_element(By.CSS_SELECTOR, ".form-actions button[type=submit]").click()
    WebDriverWait(wide, 15).until(ec.visibility_of_element_located((By.ID, "mode-switch")))
    keep_screenshot(wide, "tracking-confirm-back-1280")
