"""A salesperson logs in, finds a lead by the phone number as the customer said it, edits it,
and sees the change on the lead's timeline — on a desktop and on a phone-sized window."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD, make_lead
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def visible(driver, selector):
    return [e for e in driver.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_salesperson_finds_a_lead_by_phone_edits_it_and_sees_the_timeline(web, open_browser, riverside, carol, size):
    make_lead(
        riverside,
        assigned_to=carol,
        customer={"first_name": "Jordan", "last_name": "Sample", "phones": [{"number": "+15125550100"}]},
    )
    make_lead(
        riverside,
        assigned_to=carol,
        customer={"first_name": "Riley", "last_name": "Other", "phones": [{"number": "+15125550199"}]},
    )
    driver = open_browser(size)
    # htmx replaces the results while the search settles, so an element found a moment ago may be gone.
    wait = WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,))

    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))

    driver.get(f"{web}/leads/")
    search = driver.find_element(By.ID, "lead-search")
    search.send_keys("512.555.0100", Keys.ENTER)
    wait.until(lambda d: len(visible(d, ".lead-row")) == 1 and "Jordan Sample" in visible(d, ".lead-row")[0].text)

    def open_the_lead(d):
        if d.find_elements(By.ID, "lead-customer-name"):
            return "Jordan Sample" in d.find_element(By.ID, "lead-customer-name").text
        visible(d, ".lead-row a")[0].click()
        return False

    wait.until(open_the_lead)

    driver.find_element(By.CSS_SELECTOR, "#details summary").click()
    comments = driver.find_element(By.ID, "details_comments")
    comments.clear()
    comments.send_keys("Wants a test drive on Saturday morning")
    driver.find_element(By.CSS_SELECTOR, "#details-form button[type=submit]").click()

    wait.until(ec.text_to_be_present_in_element((By.ID, "lead-comments"), "Wants a test drive on Saturday morning"))
    wait.until(ec.text_to_be_present_in_element((By.ID, "timeline"), "Saturday morning"))
    entry = next(e for e in driver.find_elements(By.CSS_SELECTOR, "#timeline .activity") if "Saturday" in e.text)
    assert "Carol Seller" in entry.text
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "the page fits the window without sideways scrolling"
    )
