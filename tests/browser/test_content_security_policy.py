"""Every screen works under the Content-Security-Policy: nothing refused in the browser's console,
and htmx still searches, refreshes and submits without any inline script or style."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD, make_lead
from tests.browser.conftest import DESKTOP, csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ADMIN_SCREENS = [
    "/",
    "/leads/",
    "/leads/new/",
    "/leads/{lead}/",
    "/distribution/leads/{lead}/allocate/",
    "/distribution/pool/",
    "/distribution/riverside-toyota/",
    "/followups/settings/riverside-toyota/",
    "/escalations/attention/",
    "/notifications/",
    "/notifications/preferences/",
    "/intake/",
    "/intake/rules/",
    "/intake/import/",
    "/intake/settings/riverside-toyota/",
    "/dealerships/",
    "/dealerships/riverside-toyota/settings/",
    "/accounts/users/",
    "/accounts/users/new/",
    "/accounts/password/change/",
    "/api/v1/docs",
]


def test_no_screen_breaks_the_content_security_policy_and_htmx_still_works(web, open_browser, riverside, alice, carol):
    lead = make_lead(riverside, assigned_to=carol)
    make_lead(
        riverside,
        assigned_to=carol,
        customer={"first_name": "Riley", "last_name": "Other", "phones": [{"number": "+15125550199"}]},
    )
    driver = open_browser(DESKTOP)
    wait = WebDriverWait(driver, 15, ignored_exceptions=(StaleElementReferenceException,))

    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("alice@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))

    refused = {}
    for screen in ADMIN_SCREENS:
        path = screen.format(lead=lead.pk)
        driver.get(f"{web}{path}")
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")
        if path != "/api/v1/docs":
            assert driver.execute_script("return window.htmx !== undefined"), f"htmx runs on {path}"
        refused[path] = csp_violations(driver)
    assert {path: messages for path, messages in refused.items() if messages} == {}

    # The API documentation (Swagger UI, served from our own static files) draws itself.
    driver.get(f"{web}/api/v1/docs")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#swagger-ui .opblock"))

    # htmx under the policy: the list filters as one types, with no page load.
    driver.get(f"{web}/leads/")
    driver.execute_script("document.body.dataset.sameDocument = 'yes'")
    driver.find_element(By.ID, "lead-search").send_keys("Riley")
    wait.until(
        lambda d: (
            [r.text for r in d.find_elements(By.CSS_SELECTOR, ".lead-row")]
            and all("Riley Other" in r.text for r in d.find_elements(By.CSS_SELECTOR, ".lead-row"))
        )
    )
    assert driver.execute_script("return document.body.dataset.sameDocument") == "yes", "htmx swapped the results in"
    assert csp_violations(driver) == []
