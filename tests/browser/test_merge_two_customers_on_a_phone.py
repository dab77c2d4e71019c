"""An admin on a phone opens Possible duplicates, compares two records of one customer side by
side, merges them, sees both leads on the kept customer, and undoes the merge."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD, make_lead
from leads.models import Customer, CustomerPhone
from tests.browser.conftest import PHONE, keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDE = (1280, 900)


def fits(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def two_records(riverside):
    first = make_lead(
        riverside,
        bulk=True,
        source_name="CarGurus",
        customer={
            "first_name": "Jordan",
            "last_name": "Sample",
            "emails": ["jordan.sample@gmail.com"],
            "phones": [{"number": "(512) 555-0142", "type": "cellphone"}],
        },
    )
    second = make_lead(
        riverside,
        bulk=True,
        source_name="Dealer website",
        customer={
            "first_name": "Jordan",
            "last_name": "Sample",
            "emails": ["JordanSample+newcar@googlemail.com"],
            "address": {"street": ["1200 West Avenue, Apartment 4B"], "city": "Austin", "postal_code": "78701"},
        },
    )
    CustomerPhone.objects.create(customer=second.customer, number=None, raw="512.555.0142")
    return first, second


def log_in(driver, web, email):
    wait = WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,))  # forms reload the page
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))
    return wait


def test_admin_merges_two_customers_on_a_phone_and_undoes_it(web, open_browser, riverside, alice):
    first, second = two_records(riverside)
    driver = open_browser(PHONE)
    wait = log_in(driver, web, "alice@example.com")

    driver.find_element(By.CSS_SELECTOR, ".usermenu summary").click()
    keep_screenshot(driver, "merge-390-menu")
    driver.find_element(By.ID, "menu-duplicates").click()
    pair = driver.find_element(By.CSS_SELECTOR, f'[data-pair="{first.customer_id}-{second.customer_id}"]')
    assert "Same phone: (512) 555-0142 and 512.555.0142" in pair.text
    assert "Same email: jordan.sample@gmail.com and jordansample+newcar@googlemail.com" in pair.text
    assert fits(driver), "the list fits the phone"
    keep_screenshot(driver, "merge-390-duplicates")

    pair.find_element(By.LINK_TEXT, "Compare and merge").click()
    sides = driver.find_elements(By.CSS_SELECTOR, ".compare-side")
    assert len(sides) == 2
    assert sides[0].rect["y"] == sides[1].rect["y"], "the two records are side by side"
    assert fits(driver), "the comparison fits the phone"
    keep_screenshot(driver, "merge-390-compare")
    driver.find_element(By.ID, f"keep-{first.customer_id}").click()
    driver.find_element(By.ID, "merge-button").click()

    wait.until(ec.presence_of_element_located((By.ID, "undo-button")))
    leads = driver.find_element(By.ID, f"leads-of-{first.customer_id}").text
    assert f"#{first.pk} CarGurus" in leads
    assert f"#{second.pk} Dealer website" in leads
    assert not Customer.objects.filter(pk=second.customer_id).exists()
    assert fits(driver)
    keep_screenshot(driver, "merge-390-merged")

    driver.get(f"{web}/leads/{second.pk}/")
    timeline = driver.find_element(By.ID, "timeline").text
    assert (
        f"Alice Admin merged Jordan Sample (#{second.customer_id}) into Jordan Sample (#{first.customer_id})"
        in timeline
    )
    driver.back()

    driver.find_element(By.ID, "undo-button").click()
    wait.until(ec.presence_of_element_located((By.ID, "undone")))
    assert driver.find_element(By.ID, "undo-summary").text.startswith(
        f"Back to Jordan Sample (#{second.customer_id}): 1 lead"
    )
    assert f"#{second.pk} Dealer website" in driver.find_element(By.ID, f"leads-of-{second.customer_id}").text
    assert f"#{second.pk}" not in driver.find_element(By.ID, f"leads-of-{first.customer_id}").text
    assert fits(driver)
    keep_screenshot(driver, "merge-390-undone")


def test_the_screens_at_desktop_width(web, open_browser, riverside, alice):
    first, second = two_records(riverside)
    driver = open_browser(WIDE)
    log_in(driver, web, "alice@example.com")
    driver.get(f"{web}/customers/duplicates/")
    keep_screenshot(driver, "merge-1280-duplicates")
    driver.get(f"{web}/customers/duplicates/{riverside.pk}/{first.customer_id}-{second.customer_id}/")
    assert fits(driver)
    keep_screenshot(driver, "merge-1280-compare")
    driver.get(f"{web}/leads/{second.pk}/")
    notice = driver.find_element(By.ID, "twin-notice")
    assert f"#{first.customer_id}" in notice.text
    driver.execute_script("arguments[0].scrollIntoView()", notice)
    keep_screenshot(driver, "merge-1280-lead-notice")
    driver = open_browser(PHONE)
    log_in(driver, web, "alice@example.com")
    driver.get(f"{web}/leads/{second.pk}/")
    driver.execute_script("document.getElementById('twin-notice').scrollIntoView()")
    wide = driver.execute_script(
        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    keep_screenshot(driver, "merge-390-lead-notice")
    assert fits(driver), wide
    keep_screenshot(driver, "merge-390-lead-notice")
