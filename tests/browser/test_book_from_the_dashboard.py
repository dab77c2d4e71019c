"""Carol, on a 390 px phone, books her customer from the dashboard's quick actions without leaving
it: a time outside opening hours is refused in the sheet, a good one is booked; the appointment is
on today's dashboard, the customer's confirmation text goes out with the worker's next pass, and
her phone's calendar feed has it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from icalendar import Calendar
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from appointments.models import Appointment
from conftest import PASSWORD, make_lead
from conversations.models import Message
from forecourt.testing import SmtpSink, run_manage
from leads.models import Lead
from tests.browser.conftest import PHONE, keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EVERY_DAY = {day: ["08:00-20:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def zone_where_it_is_about_ten_now() -> str:
    """A fixed-offset zone where the clock now reads 10:xx, so that 2 PM today is ahead, inside
    opening hours and outside the customer's quiet hours, whenever the test runs (the server's
    clock cannot be frozen)."""
    offset = 10 - datetime.now(UTC).hour
    if offset < -12:
        offset += 24
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@pytest.fixture
def bookable_lead(web, riverside, carol):
    riverside.timezone = zone_where_it_is_about_ten_now()
    riverside.hours = EVERY_DAY
    riverside.public_holidays = False
    riverside.leads_phone = "+15125550199"
    riverside.save()
    return make_lead(
        riverside,
        assigned_to=carol,
        # A toll-free number says nowhere about where its owner is: quiet hours follow the dealership's zone.
        customer={
            "first_name": "Jordan",
            "last_name": "Sample",
            "phones": [{"number": "+18005550100", "type": "cellphone"}],
            "emails": ["jordan@example.com"],
        },
        vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "stock": "D9760"}],
    )


def test_carol_books_her_customer_from_the_dashboard_on_her_phone(web, open_browser, bookable_lead, riverside):
    lead = bookable_lead
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))
    assert "Nothing booked today." in driver.find_element(By.ID, "todays-appointments").text
    keep_screenshot(driver, "appointments-dashboard")

    row = driver.find_element(By.CSS_SELECTOR, f'#my-leads li[data-lead-id="{lead.pk}"]')
    # Call rings the salesperson's phone first (click-to-call), never a tel: link to the customer.
    call = row.find_element(By.CSS_SELECTOR, "form.call-form")
    assert call.get_attribute("action").endswith(f"/leads/{lead.pk}/call/")
    driver.execute_script("arguments[0].scrollIntoView()", row)
    keep_screenshot(driver, "appointments-dashboard-row")
    row.find_element(By.CSS_SELECTOR, ".quick-book").click()
    sheet = wait.until(ec.visibility_of_element_located((By.ID, "quick-sheet")))
    assert "Book Jordan Sample" in sheet.text
    # The sheet fits the phone: nothing wider than the screen.
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]

    today = datetime.now(UTC).astimezone(ZoneInfo(riverside.timezone)).date()

    def choose(day: str, time: str) -> None:
        # The phone's own date and time pickers write these values.
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, "book-day"), day)
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, "book-time"), time)

    choose(today.isoformat(), "21:30")
    driver.find_element(By.ID, "book-submit").click()
    wait.until(lambda d: "is closed at" in d.find_element(By.CSS_SELECTOR, "#quick-sheet .errors").text)
    keep_screenshot(driver, "appointments-book-sheet-refused")
    assert not Appointment.objects.exists()
    assert driver.current_url == f"{web}/"

    choose(today.isoformat(), "14:00")
    driver.find_element(By.ID, "book-note").send_keys("Wants to drive the RAM")
    driver.find_element(By.ID, "book-submit").click()
    wait.until(lambda d: "Jordan Sample" in d.find_element(By.ID, "todays-appointments").text)
    assert driver.current_url == f"{web}/"
    assert "Appointment booked for" in driver.find_element(By.ID, "messages").text
    today_box = driver.find_element(By.ID, "todays-appointments")
    assert "2:00 PM" in today_box.text
    assert "2016 RAM 2500" in today_box.text
    keep_screenshot(driver, "appointments-dashboard-booked")

    appointment = Appointment.objects.get()
    assert (appointment.lead_id, appointment.user.email, appointment.note) == (
        lead.pk,
        "carol@example.com",
        "Wants to drive the RAM",
    )
    assert appointment.vehicle is not None
    assert appointment.vehicle.lead_id == lead.pk
    lead.refresh_from_db()
    assert lead.status == Lead.Status.APPOINTMENT

    # Then a text from the same row, still without leaving the dashboard.
    row = driver.find_element(By.CSS_SELECTOR, f'#my-leads li[data-lead-id="{lead.pk}"]')
    row.find_element(By.CSS_SELECTOR, ".quick-text").click()
    wait.until(ec.visibility_of_element_located((By.ID, "quick-body"))).send_keys("See you at 2! Carol")
    keep_screenshot(driver, "appointments-text-sheet")
    driver.find_element(By.ID, "quick-send").click()
    wait.until(lambda d: "Text to Jordan Sample queued." in d.find_element(By.ID, "messages").text)
    assert not driver.find_element(By.ID, "quick-sheet").is_displayed()
    assert driver.current_url == f"{web}/"
    typed = Message.objects.get(conversation__lead=lead, body="See you at 2! Carol")
    assert typed.sent_by is not None
    assert typed.sent_by.email == "carol@example.com"

    # And an email, with its subject, from the lead's reply address.
    row = driver.find_element(By.CSS_SELECTOR, f'#my-leads li[data-lead-id="{lead.pk}"]')
    row.find_element(By.CSS_SELECTOR, ".quick-email").click()
    wait.until(ec.visibility_of_element_located((By.ID, "quick-subject"))).send_keys("Your visit at 2")
    driver.find_element(By.ID, "quick-body").send_keys("Bring your license for the test drive.")
    assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    keep_screenshot(driver, "appointments-email-sheet")
    driver.find_element(By.ID, "quick-send").click()
    wait.until(lambda d: "Email to Jordan Sample queued." in d.find_element(By.ID, "messages").text)
    assert not driver.find_element(By.ID, "quick-sheet").is_displayed()
    emailed = Message.objects.get(conversation__lead=lead, channel="email")
    assert (emailed.subject, emailed.body) == ("Your visit at 2", "Bring your license for the test drive.")

    sink = SmtpSink().start()
    try:
        worker = run_manage("runworker", "--once", SMTP_URL=sink.url)
        assert worker.returncode == 0, worker.stderr
        [mail] = sink.wait_for(1) and [m for m in sink.messages if m["To"] == "jordan@example.com"]
    finally:
        sink.stop()
    assert mail["Subject"] == "Your visit at 2"
    assert mail["From"].addresses[0].addr_spec == emailed.from_address
    assert emailed.from_address.startswith("lead-")
    confirmation = Message.objects.get(conversation__lead=lead, direction="out", automated=True)
    assert confirmation.automated
    assert confirmation.body.startswith(
        "Hi Jordan, your appointment (2016 RAM 2500) at Riverside Toyota with Carol Seller is booked for"
    )
    assert confirmation.status == Message.Status.SENT

    driver.get(f"{web}/calendar/feed/")
    feed_url = driver.find_element(By.ID, "feed-url").get_attribute("value")
    keep_screenshot(driver, "appointments-feed")
    answer = requests.get(feed_url, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(answer.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Appointment: Jordan Sample"
    assert event.decoded("DTSTART") == appointment.starts_at

    driver.get(f"{web}/calendar/")
    assert "Jordan Sample" in driver.find_element(By.CSS_SELECTOR, ".calendar-day.is-today").text
    keep_screenshot(driver, "appointments-calendar-week")
