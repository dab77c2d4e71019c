"""Carol, on a 390 px phone, opens a worksheet from her lead, works a finance and a lease quote with
the customer's trade, sees both payments stacked, fixes a figure the screen refused, opens the
customer's print view and marks the deal sold; no sideways scrolling anywhere."""

from __future__ import annotations

import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import PASSWORD
from leads import actions as lead_actions
from leads.models import Lead, VehicleInterest
from tests.browser.conftest import DESKTOP, PHONE, keep_screenshot
from worksheets import actions

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def shot(driver: WebDriver, name: str) -> None:
    if os.environ.get("FORECOURT_SHOTS"):  # only then is the page stretched to its full height
        height = driver.execute_script("return document.documentElement.scrollHeight")
        width = driver.execute_script("return window.innerWidth")
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        keep_screenshot(driver, f"worksheets-{name}")
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": PHONE[1] if width == PHONE[0] else DESKTOP[1],
                "deviceScaleFactor": 1,
                "mobile": False,
            },
        )


def fits(driver: WebDriver) -> bool:
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))


def fill(driver: WebDriver, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = driver.find_element(By.CSS_SELECTOR, f"#worksheet-form [name='{name}']")
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)


def test_carol_works_a_deal_with_a_trade_on_her_phone(web, open_browser, carol, carols_lead):
    VehicleInterest.objects.filter(lead=carols_lead).update(price="34995.00")
    trade = lead_actions.add_trade(
        lead=carols_lead, actor=carol, data={"year": 2012, "make": "Honda", "model": "Civic"}
    )
    actions.set_trade_figures(trade=trade, actor=carol, allowance="8000", payoff="5500")
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 20)
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))

    driver.get(f"{web}/leads/{carols_lead.pk}/")
    driver.find_element(By.ID, "worksheet-new").click()
    wait.until(ec.presence_of_element_located((By.ID, "worksheet-form")))
    # The vehicle's price and the trade's figures are already there.
    assert driver.find_element(By.NAME, "price").get_attribute("value") == "34995.00"
    assert driver.find_element(By.NAME, "trade_allowance").get_attribute("value") == "8000.00"
    fill(
        driver,
        {
            "price": "32000",
            "rebates": "1000",
            "down_payment": "3000",
            "s0_apr": "6",
            "s0_term_months": "0",
            "s1_kind": "lease",
            "s1_msrp": "34000",
            "s1_residual_percent": "55",
            "s1_apr": "6",
            "s1_term_months": "36",
            "s1_miles_per_year": "12000",
        },
    )
    assert fits(driver), "the worksheet form scrolls sideways on a phone"
    shot(driver, "form-phone")
    driver.find_element(By.CSS_SELECTOR, "#worksheet-form button[type=submit]").click()

    # A term of 0 months is refused beside its field; nothing was stored.
    error = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".field.has-error")))
    assert "at least 1 month" in error.text
    fill(driver, {"s0_term_months": "60"})
    driver.find_element(By.CSS_SELECTOR, "#worksheet-form button[type=submit]").click()

    wait.until(ec.presence_of_element_located((By.ID, "scenarios")))
    columns = driver.find_elements(By.CSS_SELECTOR, "#scenarios .ws-scenario")
    assert [c.find_element(By.CLASS_NAME, "ws-payment-amount").text for c in columns] == ["$492.99", "$299.39"]
    # Stacked on a phone: the lease sits under the finance quote, not beside it.
    assert columns[1].rect["y"] > columns[0].rect["y"] + columns[0].rect["height"] - 1
    assert "12,000 miles a year" in columns[1].text
    assert fits(driver), "the worksheet scrolls sideways on a phone"
    shot(driver, "worksheet-phone")

    driver.get(driver.find_element(By.ID, "ws-print").get_attribute("href"))
    assert "your quote" in driver.find_element(By.TAG_NAME, "h1").text
    assert fits(driver)
    shot(driver, "quote-phone")
    driver.back()

    driver.find_element(By.ID, "ws-mark-sold").click()
    wait.until(ec.presence_of_element_located((By.ID, "ws-sold")))
    carols_lead.refresh_from_db()
    assert carols_lead.status == Lead.Status.SOLD


def test_the_quotes_stand_side_by_side_on_a_desktop(web, open_browser, carol, carols_lead):
    worksheet = actions.create_worksheet(
        lead=carols_lead,
        actor=carol,
        raw={"price": "32000"},
        scenarios=[
            {"kind": "finance", "apr": "5.9", "term_months": "60"},
            {"kind": "finance", "apr": "0", "term_months": "36"},
            {"kind": "lease", "msrp": "34000", "residual_percent": "58", "money_factor": "0.0021", "term_months": "36"},
        ],
        paths=["s0", "s1", "s2"],
        vehicle=carols_lead.vehicles.get(),
    )
    driver = open_browser(DESKTOP)
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 20).until(ec.url_to_be(f"{web}/"))

    driver.get(f"{web}/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/")
    columns = driver.find_elements(By.CSS_SELECTOR, "#scenarios .ws-scenario")
    assert len(columns) == 3
    assert len({round(c.rect["y"]) for c in columns}) == 1, "the three quotes are not side by side"
    shot(driver, "worksheet-desktop")


def test_a_licence_photo_fills_the_new_lead_on_a_phone(web, open_browser, carol, tmp_path):
    from intake.tests.test_licence_scan import TEXAS, photo_of

    picture = tmp_path / "licence.jpg"
    picture.write_bytes(photo_of(TEXAS))
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 20)
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))

    driver.get(f"{web}/leads/new/")
    camera = driver.find_element(By.ID, "licence-photo")
    assert camera.get_attribute("capture") == "environment"
    # Choosing the photo sends it at once (no extra tap).
    camera.send_keys(str(picture))
    wait.until(ec.presence_of_element_located((By.ID, "licence-read")))
    assert driver.find_element(By.NAME, "last_name").get_attribute("value") == "O'Brien-Smith"
    assert driver.find_element(By.NAME, "city").get_attribute("value") == "Austin"
    assert driver.find_element(By.NAME, "birth_date").get_attribute("value") == "1988-03-14"
    assert fits(driver), "the new-lead screen scrolls sideways on a phone"
    shot(driver, "licence-filled-phone")
