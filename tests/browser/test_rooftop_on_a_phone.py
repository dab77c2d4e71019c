"""An admin runs a rooftop's people from a phone: unticks "Receives leads" and is told at once that
Sales now reaches nobody, and a wrong absence is refused in place; the screen fits 390 px and
1280 px without scrolling sideways."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import Membership
from conftest import PASSWORD
from distribution import handover
from leads.models import Activity
from tests.browser.conftest import PHONE, csp_violations, keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(driver, web: str, email: str) -> None:
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 15).until(ec.url_to_be(f"{web}/"))


def fits(driver) -> bool:
    width = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    return width[0] <= width[1]


def test_alice_changes_carol_in_place_on_a_phone_and_is_warned(web, open_browser, riverside, alice, bob, carol):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    carols = Membership.objects.get(user=carol)
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,))  # forms reload the page
    log_in(driver, web, "alice@example.com")
    driver.get(f"{web}/accounts/rooftops/riverside-toyota/")
    assert fits(driver), "the page scrolls sideways at 390 px"
    keep_screenshot(driver, "rooftop-390")

    card = f"#person-{carols.pk}"
    box = driver.find_element(By.CSS_SELECTOR, f'{card} form:has(input[value="receives_leads"]) input[type="checkbox"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, card), "Saved: receives leads."))
    assert (
        "Nobody in Sales receives leads: new Sales leads go to Alice Admin, the admin."
        in driver.find_element(By.CSS_SELECTOR, card).text
    )
    assert "Nobody in Sales receives leads" in driver.find_element(By.ID, "rooftop-gaps").text
    carols.refresh_from_db()
    assert not carols.receives_leads
    keep_screenshot(driver, "rooftop-390-warned")

    driver.execute_script(
        "const f = document.querySelector(arguments[0]);"
        "f.querySelector('[name=from]').value = '2026-12-20'; f.querySelector('[name=until]').value = '2026-12-10';",
        f"{card} form.rooftop-dates",
    )
    driver.find_element(By.CSS_SELECTOR, f"{card} form.rooftop-dates button").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, card), "is before the first day of absence"))
    carols.refresh_from_db()
    assert carols.absent_from is None
    assert fits(driver)
    keep_screenshot(driver, "rooftop-390-refused")
    assert csp_violations(driver) == []


def test_the_rooftop_screen_at_1280_and_bob_reads_it_only(web, open_browser, riverside, alice, bob, carol, dave):
    Membership.objects.filter(user=dave).update(absent_from="2026-01-01")
    driver = open_browser((1280, 900))
    log_in(driver, web, "alice@example.com")
    driver.get(f"{web}/accounts/rooftops/riverside-toyota/")
    assert fits(driver)
    keep_screenshot(driver, "rooftop-1280")

    manager = open_browser(PHONE)
    log_in(manager, web, "bob@example.com")
    manager.get(f"{web}/accounts/rooftops/riverside-toyota/")
    assert "Carol Seller" in manager.page_source
    assert not manager.find_elements(By.CSS_SELECTOR, "input[name=setting]")
    assert fits(manager)
    keep_screenshot(manager, "rooftop-390-manager")


def test_alice_erases_a_deactivated_salesperson_and_the_timeline_says_former_user(
    web, open_browser, riverside, alice, carol, carols_lead
):
    Activity.objects.create(lead=carols_lead, kind=Activity.Kind.NOTE, actor=carol, text="Left a voicemail")
    handover.deactivate(user=carol, actor=alice, hand_over=False)
    for size, name in ((PHONE, "390"), ((1280, 900), "1280")):
        driver = open_browser(size)
        log_in(driver, web, "alice@example.com")
        driver.get(f"{web}/accounts/users/{carol.pk}/erase/")
        assert "This cannot be undone." in driver.page_source
        assert fits(driver)
        keep_screenshot(driver, f"rooftop-erase-confirm-{name}")
    driver.find_element(By.CSS_SELECTOR, "button.button-danger").click()
    WebDriverWait(driver, 15).until(ec.url_to_be(f"{web}/accounts/users/{carol.pk}/"))
    assert "personal data was erased" in driver.page_source
    keep_screenshot(driver, "rooftop-erased-user-1280")
    phone = open_browser(PHONE)
    log_in(phone, web, "alice@example.com")
    phone.get(f"{web}/leads/{carols_lead.pk}/")
    assert "Former user" in phone.find_element(By.TAG_NAME, "main").text
    assert "Carol Seller" not in phone.page_source
    assert fits(phone)
    keep_screenshot(phone, "rooftop-erased-timeline-390")
