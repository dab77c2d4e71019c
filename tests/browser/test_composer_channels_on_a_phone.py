"""Jordan can be reached by text, email, Messenger and chat at once: on Carol's 390 px phone the
lead's composer offers the four as radio buttons that fit the width, chosen on the one Jordan last
wrote on; the subject shows only for Email and photos only for Text."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD
from conversations.tests.test_conversation_panel import reachable_everywhere
from tests.browser.conftest import PHONE, keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def fits(driver) -> bool:
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))


def shown(driver, element_id: str) -> bool:
    return driver.find_element(By.ID, element_id).is_displayed()


def test_four_channels_fit_the_phone_and_each_shows_only_its_own_parts(web, open_browser, riverside, carol):
    lead = reachable_everywhere(riverside, carol, last="messenger")
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 25, ignored_exceptions=(StaleElementReferenceException,))
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))
    driver.get(f"{web}/leads/{lead.pk}/")

    pick = driver.find_element(By.ID, "channel-pick")
    radios = pick.find_elements(By.CSS_SELECTOR, 'input[type="radio"]')
    assert [r.get_attribute("value") for r in radios] == ["messenger", "sms", "email", "chat"]
    assert driver.find_element(By.ID, "channel-messenger").is_selected()
    labels = pick.find_elements(By.TAG_NAME, "label")
    width = driver.execute_script("return window.innerWidth")
    assert all(label.rect["x"] >= 0 and label.rect["x"] + label.rect["width"] <= width for label in labels)
    assert fits(driver), "the lead page fits the phone without sideways scrolling"

    expected = {  # channel: (subject shown, photos shown)
        "messenger": (False, False),
        "sms": (False, True),
        "email": (True, False),
        "chat": (False, False),
    }
    for channel, (subject, photos) in expected.items():
        label = driver.find_element(By.CSS_SELECTOR, f'label[for="channel-{channel}"]')
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", label)
        label.click()
        assert driver.find_element(By.ID, f"channel-{channel}").is_selected()
        assert (shown(driver, "composer-subject"), shown(driver, "composer-upload")) == (subject, photos), channel
        assert fits(driver), channel
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); window.scrollBy(0, -80)", pick)
        keep_screenshot(driver, f"gaps-composer-{channel}")
