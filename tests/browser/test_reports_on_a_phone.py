"""A manager on a phone opens Reports, reads last week's median first reply per salesperson in
working minutes, sees the weekly trend, and downloads the table as CSV with the same numbers."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD, make_lead
from leads.actions import record_human_reply
from tests.browser.conftest import PHONE, keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def last_week_at(dealership, weekday: int, hour: int, minute: int) -> datetime:
    zone = ZoneInfo(dealership.timezone)
    today = timezone.now().astimezone(zone).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return datetime.combine(monday + timedelta(days=weekday), time(hour, minute), zone)


def replied_lead(dealership, who, arrived: datetime, replied: datetime | None):
    lead = make_lead(dealership, assigned_to=who, bulk=True, received_at=arrived)
    if replied is not None:
        record_human_reply(lead=lead, at=replied, actor=who, channel="sms")
    return lead


def test_manager_reads_last_weeks_median_per_salesperson_and_downloads_the_csv(
    web, open_browser, riverside, bob, carol, dave
):
    riverside.public_holidays = False  # "last week" is whichever week the test runs in
    riverside.save()
    # Carol: Tuesday 21:00 after closing, answered Wednesday 09:05 -> 5 working minutes; and 15.
    replied_lead(riverside, carol, last_week_at(riverside, 1, 21, 0), last_week_at(riverside, 2, 9, 5))
    replied_lead(riverside, carol, last_week_at(riverside, 3, 10, 0), last_week_at(riverside, 3, 10, 15))
    # Dave: 42 working minutes, and one lead he never answered.
    replied_lead(riverside, dave, last_week_at(riverside, 0, 11, 0), last_week_at(riverside, 0, 11, 42))
    replied_lead(riverside, dave, last_week_at(riverside, 4, 11, 0), None)

    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 15)
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("bob@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))
    driver.get(f"{web}/reports/")

    rows = {
        row.find_element(By.CSS_SELECTOR, ".report-row-label").text: row
        for row in driver.find_elements(By.CSS_SELECTOR, "#table-speed tbody tr")
    }
    median = {
        name: row.find_element(By.CSS_SELECTOR, "[data-column=median_working_minutes]").text
        for name, row in rows.items()
    }
    assert median == {"Carol Seller": "10.0", "Dave Seller": "42.0"}
    assert driver.find_element(By.CSS_SELECTOR, "#tile-median .tile-value").text == "15.0"
    trend = driver.find_element(By.ID, "chart-trend-title")
    assert "by week" in trend.get_attribute("textContent")
    assert driver.find_elements(By.CSS_SELECTOR, "#trend circle.chart-dot")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "the page fits the phone without sideways scrolling"
    )
    keep_screenshot(driver, "reports-phone-top")
    driver.execute_script("document.getElementById('salespeople-chart').scrollIntoView()")
    keep_screenshot(driver, "reports-phone-charts")
    driver.execute_script("document.getElementById('table-speed').scrollIntoView()")
    keep_screenshot(driver, "reports-phone-speed-table")

    link = driver.find_element(By.CSS_SELECTOR, "#table-speed a.report-csv").get_attribute("href")
    session = requests.Session()
    for cookie in driver.get_cookies():
        session.cookies.set(cookie["name"], cookie["value"])
    download = session.get(link, timeout=10)
    assert download.headers["Content-Type"].startswith("text/csv")
    lines = {line["Email"]: line for line in csv.DictReader(io.StringIO(download.text))}
    assert lines["carol@example.com"]["Median reply (working min)"] == "10.0"
    assert lines["dave@example.com"]["Never answered"] == "1"

    # The other reports are a tab away, each fitting the phone.
    for tab, shown in (("sla", "table-sla-salesperson"), ("funnel", "funnel-chart"), ("activity", "table-activity")):
        driver.find_element(By.ID, f"tab-{tab}").click()
        wait.until(ec.presence_of_element_located((By.ID, shown)))
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        keep_screenshot(driver, f"reports-phone-{tab}")
    driver.find_element(By.ID, "tab-speed").click()
    rows = {
        row.find_element(By.CSS_SELECTOR, ".report-row-label").text: row
        for row in wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#table-speed tbody tr"))
    }

    # The number of leads Dave never answered opens the list of them.
    rows["Dave Seller"].find_element(By.CSS_SELECTOR, "[data-column=never] a").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "figure-title"), "Never answered · Dave Seller"))
    assert len(driver.find_elements(By.CSS_SELECTOR, "#figure-leads .lead-card")) == 1
    keep_screenshot(driver, "reports-phone-never-answered")
