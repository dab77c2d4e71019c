"""Alice sets Riverside's autoresponder and chooses "Carol S." for names on her phone (390 px)
and on a desktop (1280 px): the settings screen saves them and previews what the customer will
read, nothing scrolls sideways; the customer's quote names Carol as chosen."""

from __future__ import annotations

import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import PASSWORD
from dealerships.models import Dealership
from tests.browser.conftest import keep_screenshot
from worksheets import actions

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LAPTOP = (1280, 900)
PHONE = (390, 844)


def shot(driver: WebDriver, name: str, size: tuple[int, int], element_id: str = "") -> None:
    if not os.environ.get("FORECOURT_SHOTS"):  # no screenshots kept: nothing to resize for
        return
    # The part of the page that matters, whole: the fieldset (or the page) from its top.
    top, height = driver.execute_script(
        "const e = arguments[0] ? document.getElementById(arguments[0]) : document.documentElement;"
        "const r = e.getBoundingClientRect(); return [r.top + window.scrollY, Math.ceil(r.height)];",
        element_id,
    )
    metrics = {"width": size[0], "height": max(height + 16, 200), "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    driver.execute_script("window.scrollTo(0, arguments[0])", top - 8)
    keep_screenshot(driver, f"options-{size[0]}-{name}")
    metrics["height"] = size[1]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def fits(driver: WebDriver) -> bool:
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))


def log_in(driver: WebDriver, web: str, email: str) -> None:
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 20).until(ec.url_to_be(f"{web}/"))


def save(driver: WebDriver) -> None:
    """Submit the settings form and wait for the page it answers with (the preview is on both)."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, ".settings-form button[type=submit]").click()
    WebDriverWait(driver, 20).until(ec.staleness_of(page))


def type_into(driver: WebDriver, name: str, text: str) -> None:
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(text)


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1280"])
def test_alice_sets_the_autoresponder_and_sees_its_preview(web, open_browser, alice, carol, riverside, size):
    riverside.main_phone = "+15125550111"
    riverside.save()
    driver = open_browser(size)
    log_in(driver, web, "alice@example.com")
    driver.get(f"{web}/dealerships/riverside-toyota/settings/")

    Select(driver.find_element(By.NAME, "staff_names")).select_by_value("first_initial")
    type_into(driver, "autoresponder_email_subject", "Your enquiry at {dealership}")
    type_into(
        driver,
        "autoresponder_email_body",
        "Hi {first_name},\nthanks for asking about the {vehicle}. {salesperson} will call you within the hour.",
    )
    type_into(driver, "autoresponder_sms", "Hi {first_name}, {dealership} here: call us on {dealership_phone}.")
    save(driver)

    preview = driver.find_element(By.ID, "autoresponder-preview").text
    assert "from Carol S. at Riverside Toyota" in preview
    assert "thanks for asking about the 2016 RAM 2500. Carol S. will call you within the hour." in preview
    assert "Hi Jordan, Riverside Toyota here: call us on (512) 555-0111." in preview
    riverside = Dealership.objects.get(pk=riverside.pk)
    assert riverside.staff_names == "first_initial"
    assert fits(driver)
    shot(driver, "settings-autoresponder", size, "autoresponder-settings")

    # A mistake is shown beside its box, and the page still fits.
    type_into(driver, "autoresponder_sms", "Hi {nickname}")
    save(driver)
    error = WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.ID, "id_autoresponder_sms_error")))
    assert "{nickname} is not a merge field" in error.text
    assert fits(driver)
    shot(driver, "settings-autoresponder-error", size, "autoresponder-settings")


def test_the_customers_quote_names_the_salesperson_as_chosen(web, open_browser, carol, carols_lead, riverside):
    riverside.staff_names = "first_initial"
    riverside.save()
    worksheet = actions.create_worksheet(lead=carols_lead, actor=carol, raw={"price": "34995"}, scenarios=[], paths=[])
    for size in (PHONE, LAPTOP):
        driver = open_browser(size)
        driver.get(f"{web}/q/{worksheet.token}")
        assert driver.find_element(By.ID, "quote-salesperson").text == "Your salesperson: Carol S."
        assert fits(driver)
        shot(driver, "quote", size)
