"""A Messenger conversation on a 390 px phone, through real parts: gunicorn serving Forecourt, the
real worker process, Meta's signed webhooks posted over HTTP and a stand-in for the Graph API.

A customer writes to Riverside's Facebook page; the worker makes the lead; Carol opens it on her
phone, sees the message marked Messenger, answers; the worker hands it to the Send API; the
customer's next message appears in the thread on its own. Alice connects the page on the
settings screen, where the token is never shown back."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD
from conversations.models import Message
from forecourt.testing import FakeGraph, run_manage
from leads.models import Lead
from tests.browser.conftest import PHONE, keep_screenshot
from tests.servers import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SECRET = "app-secret-for-browser"
PAGE_ID = "1234567890"
PSID = "24011112222333444"
# What the page last asked the server, how long each took and its status: why a live update did not come.
RECENT_REQUESTS = (
    "return performance.getEntriesByType('resource').slice(-8)"
    ".map(e => [e.name, Math.round(e.startTime), Math.round(e.duration), e.responseStatus])"
)


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    server = FakeGraph().start()
    server.profiles[PSID] = ("Jordan", "Sample")
    yield server
    server.stop()


@pytest.fixture
def web(transactional_db: None, real_hasher: None, graph: FakeGraph) -> Iterator[str]:
    with gunicorn(MESSENGER_APP_SECRET=SECRET, MESSENGER_API_BASE=graph.base) as base:
        yield base


def customer_writes(web: str, mid: str, text: str) -> None:
    item = {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 0, "message": {"mid": mid, "text": text}}
    body = json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": 0, "messaging": [item]}]}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = requests.post(
        f"{web}/hooks/messenger",
        data=body,
        headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def worker_pass(graph: FakeGraph) -> None:
    done = run_manage("runworker", "--once", MESSENGER_API_BASE=graph.base, MESSENGER_APP_SECRET=SECRET)
    assert done.returncode == 0, done.stderr


def log_in(driver, web: str, email: str) -> WebDriverWait:
    wait = WebDriverWait(driver, 25, ignored_exceptions=(StaleElementReferenceException,))
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))
    return wait


def test_carol_answers_a_messenger_customer_from_her_phone(web, graph, open_browser, riverside, carol):
    riverside.messenger_page_id, riverside.messenger_page_token = PAGE_ID, "EAAG-page-token"
    riverside.save()
    customer_writes(web, "m_in0001", "Hi! Is the white Tacoma still available?")
    worker_pass(graph)
    lead = Lead.objects.get()
    assert (lead.source_name, lead.customer.display_name) == ("Facebook Messenger", "Jordan Sample")
    Lead.objects.filter(pk=lead.pk).update(assigned_to=carol)

    driver = open_browser(PHONE)
    wait = log_in(driver, web, "carol@example.com")
    driver.get(f"{web}/leads/{lead.pk}/#conversation")
    marker = driver.find_element(By.CSS_SELECTOR, "#thread .msg-in .msg-channel")
    assert marker.text == "Messenger"
    body = driver.find_element(By.ID, "composer-body")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", body)
    body.send_keys("Hi Jordan, yes it is. Want to see it today at 5?")
    send = driver.find_element(By.ID, "composer-send")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", send)
    send.click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#thread .msg-out"))

    worker_pass(graph)  # the worker hands it to the Send API
    reply = Message.objects.get(direction="out")
    assert (reply.channel, reply.status, reply.provider_id) == ("messenger", "sent", "m_sent0001")
    assert graph.sent[0]["json"]["recipient"] == {"id": PSID}
    lead.refresh_from_db()
    assert lead.first_response_channel == "messenger"

    customer_writes(web, "m_in0002", "Perfect, see you at 5")
    worker_pass(graph)
    assert Message.objects.filter(direction="in", body="Perfect, see you at 5").exists()
    try:
        wait.until(ec.text_to_be_present_in_element((By.ID, "thread"), "Perfect, see you at 5"))
    except TimeoutException:
        asked = driver.execute_script(RECENT_REQUESTS)
        raise AssertionError(
            f"the open lead page never showed the stored message; its last requests: {asked}"
        ) from None
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#thread .msg-out .msg-status"), "Sent"))
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    thread = driver.find_element(By.ID, "conversation")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", thread)
    keep_screenshot(driver, "messenger-thread")

    # Once the customer can be texted too, she chooses; Messenger first, where they last wrote.
    riverside.leads_phone = "+15125550199"
    riverside.save()
    lead.customer.phones.create(number="+15125550100", type="cellphone")
    driver.get(f"{web}/leads/{lead.pk}/")
    choice = driver.find_element(By.ID, "channel-pick")
    assert [label.text for label in choice.find_elements(By.TAG_NAME, "label")] == ["Messenger", "Text"]
    assert driver.find_element(By.ID, "channel-messenger").is_selected()
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", choice)
    keep_screenshot(driver, "messenger-send-by")


def test_alice_connects_the_page_on_her_phone_and_the_token_is_never_shown_back(web, open_browser, riverside, alice):
    driver = open_browser(PHONE)
    wait = log_in(driver, web, "alice@example.com")
    driver.get(f"{web}/dealerships/{riverside.slug}/settings/")
    driver.find_element(By.ID, "id_messenger_page_id").send_keys(PAGE_ID)
    driver.find_element(By.ID, "id_messenger_page_token").send_keys("EAAG-secret-page-token")
    driver.find_element(By.CSS_SELECTOR, ".form-actions button").click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Saved:"))

    riverside.refresh_from_db()
    assert (riverside.messenger_page_id, riverside.messenger_page_token) == (PAGE_ID, "EAAG-secret-page-token")
    assert "EAAG-secret-page-token" not in driver.page_source
    hint = driver.find_element(By.ID, "id_messenger_page_token_helptext").text
    assert hint.startswith("Set.")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    section = driver.find_element(By.ID, "messenger-settings")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", section)
    keep_screenshot(driver, "messenger-settings")
