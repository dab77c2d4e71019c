"""On a phone, an admin texts the dealership from the customer simulator as a new customer: the
text shows on the customer's side, the salesperson's answer arrives there without a reload, and
the new lead is on the leads screen with the text on its thread. A salesperson then invites a
customer from the leads screen, and a manager replies from an alert email's link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD, make_lead
from conversations.actions import send_message
from conversations.models import MessageTemplate
from distribution.alerts import make_reply_token
from leads.models import Lead
from tests.browser.conftest import PHONE, keep_screenshot
from tests.servers import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def console_web(transactional_db, real_hasher) -> Iterator[str]:
    """The web server with texts only recorded (the simulator is on only then)."""
    with gunicorn(SMS_PROVIDER="console") as base_url:
        yield base_url


@pytest.fixture
def texting(riverside):
    """Riverside Toyota texts from its leads number."""
    riverside.leads_phone = "+15125550199"
    riverside.save()
    return riverside


def phone(driver):
    """Headless Chromium keeps windows at least 500 px wide: emulate the 390 px phone itself."""
    width, height = PHONE
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True}
    )
    return driver


def fits(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def log_in(driver, wait, base, email):
    driver.get(f"{base}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{base}/"))


def test_an_admin_texts_as_a_new_customer_on_a_phone_and_the_lead_arrives(
    console_web, open_browser, texting, alice, carol
):
    driver = phone(open_browser(PHONE))
    wait = WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,))
    log_in(driver, wait, console_web, "alice@example.com")
    assert driver.execute_script("return window.innerWidth") == 390

    driver.get(f"{console_web}/leads/")
    driver.find_element(By.ID, "open-simulator").click()
    wait.until(ec.presence_of_element_located((By.ID, "simulator-form")))
    number = driver.find_element(By.ID, "id_from_number").get_attribute("value")
    assert number.startswith("+1512555")
    driver.find_element(By.ID, "id_body").send_keys("Hi, is the white Tacoma still there?")
    driver.find_element(By.ID, "simulator-send").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "simulator-thread"), "Hi, is the white Tacoma still there?"))
    page = driver.current_url

    lead = Lead.objects.get(source_name="Text")
    send_message(lead=lead, channel="sms", body="Yes! Want to drive it today?", actor=alice)
    wait.until(ec.text_to_be_present_in_element((By.ID, "simulator-thread"), "Yes! Want to drive it today?"))
    assert driver.current_url == page, "the answer arrived by polling, without a reload"
    assert fits(driver)
    keep_screenshot(driver, "simulator-390")

    driver.get(f"{console_web}/leads/")
    row = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, f'.lead-row[data-lead-id="{lead.pk}"] a')))
    assert "Unknown" in row.text
    assert fits(driver)
    keep_screenshot(driver, "leads-list-390")
    row.click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "main"), "Hi, is the white Tacoma still there?"))
    assert fits(driver)
    keep_screenshot(driver, "simulated-lead-390")


def test_a_salesperson_invites_a_customer_and_a_manager_replies_from_the_alert_on_a_phone(
    console_web, open_browser, texting, bob, carol
):
    driver = phone(open_browser(PHONE))
    wait = WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,))
    log_in(driver, wait, console_web, "carol@example.com")

    driver.get(f"{console_web}/leads/")
    driver.find_element(By.ID, "invite-customer").click()
    wait.until(ec.presence_of_element_located((By.ID, "invite-form")))
    driver.find_element(By.ID, "id_phone").send_keys("555-1234")
    driver.find_element(By.ID, "id_first_name").send_keys("Morgan")
    driver.find_element(By.ID, "id_body").send_keys("Hi Morgan, it's Carol from Riverside Toyota.")
    driver.find_element(By.ID, "invite-send").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "invite-errors"), "The text was not sent."))
    assert fits(driver)
    keep_screenshot(driver, "invite-error-390")
    field = driver.find_element(By.ID, "id_phone")
    field.clear()
    field.send_keys("(512) 555-0161")
    driver.find_element(By.ID, "invite-send").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "messages"), "Text to Morgan queued."))
    lead = Lead.objects.get(customer__first_name="Morgan")
    assert lead.assigned_to == carol
    assert "Hi Morgan, it's Carol" in driver.find_element(By.TAG_NAME, "main").text

    MessageTemplate.objects.create(
        dealership=texting,
        name="First reply",
        body="Hi {first_name}, {salesperson} at {dealership} here.",
        is_default=True,
    )
    other = make_lead(
        texting, customer={"first_name": "Jordan", "last_name": "Sample", "phones": [{"number": "+15125550100"}]}
    )
    link = f"{console_web}/conversations/reply/{make_reply_token(lead_id=other.pk, recipient_id=bob.pk)}/"
    driver.delete_all_cookies()
    driver.get(link)
    driver.find_element(By.ID, "id_email").send_keys("bob@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(
        ec.text_to_be_present_in_element(
            (By.ID, "alert-reply-text"), "Hi Jordan, Bob Manager at Riverside Toyota here."
        )
    )
    assert fits(driver)
    keep_screenshot(driver, "alert-reply-390")
    driver.find_element(By.ID, "alert-reply-send").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "messages"), "Text to Jordan Sample queued."))
    assert other.conversation.messages.get().sent_by == bob
