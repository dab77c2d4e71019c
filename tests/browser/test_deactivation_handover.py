"""An admin deactivates a salesperson on a phone and watches the worker hand their leads on:
the count moves on the page without a reload, then the summary replaces it."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import Membership
from conftest import PASSWORD, make_lead
from distribution import handover
from distribution.models import Handover
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_admin_watches_the_handover_on_a_phone_until_the_summary(
    web, open_browser, riverside, alice, bob, carol, dave
):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    for n in range(3):
        make_lead(
            riverside,
            assigned_to=carol,
            bulk=True,
            customer={"first_name": f"Buyer{n}", "emails": [f"b{n}@example.com"]},
        )
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 15)
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("alice@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))

    driver.get(f"{web}/accounts/users/{carol.pk}/deactivate/")
    driver.find_element(By.CSS_SELECTOR, "button.button-danger").click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "handover-progress"), "Handing over 0 of 3 leads…"))
    page = driver.current_url
    width = driver.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], "the page scrolls sideways"

    job = Handover.objects.get(user=carol)
    handover.run_handover(job.pk, batch=1)
    wait.until(ec.text_to_be_present_in_element((By.ID, "handover-progress"), "Handing over 1 of 3 leads…"))
    handover.sweep_handovers()
    handover.sweep_handovers()
    wait.until(
        ec.text_to_be_present_in_element(
            (By.ID, "handover-progress"), "3 open leads distributed again: 3 to Dave Seller."
        )
    )
    assert driver.current_url == page  # followed by polling, never reloaded by the admin
