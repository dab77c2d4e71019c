"""Click-to-call end to end on a 390 px phone, through real parts: gunicorn serving Forecourt, the
real worker process, Twilio's REST API as a local server, and Twilio's signed webhooks over HTTP.

Carol presses Call on her new lead. The worker asks the provider to ring her phone; when she
answers she hears who the customer is and presses a key; only then is the customer dialled, from
the dealership's number. The status callback puts the call and its length on the lead, in the
thread and the timeline, and stops the SLA clock. Later the customer calls the dealership back:
the call rings Carol's mobile."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from twilio.request_validator import RequestValidator

from calls.models import Call
from conftest import PASSWORD, make_lead
from forecourt.testing import FakeTwilio, run_manage
from leads.models import Lead
from tests.browser.conftest import PHONE, keep_screenshot
from tests.servers import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SID, TOKEN = "AC0123456789", "secret-token"
LEADS_NUMBER = "+15125550199"
CAROL_MOBILE = "+15125550001"
CUSTOMER = "+15125550100"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def web(transactional_db: None, real_hasher: None, twilio: FakeTwilio) -> Iterator[str]:
    with gunicorn(TWILIO_ACCOUNT_SID=SID, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_API_BASE=twilio.base) as base:
        yield base


def worker_pass(web: str, twilio: FakeTwilio) -> None:
    """One pass of the real worker, which knows Forecourt's address (for the webhook URLs it gives)."""
    done = run_manage(
        "runworker",
        "--once",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_API_BASE=twilio.base,
        FORECOURT_BASE_URL=web,
    )
    assert done.returncode == 0, done.stderr


def twilio_posts(url: str, fields: dict[str, str]) -> ElementTree.Element:
    """A webhook as Twilio sends it: form fields signed with the account's auth token; its TwiML."""
    signature = RequestValidator(TOKEN).compute_signature(url, fields)
    answer = requests.post(url, data=fields, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert answer.status_code == 200, answer.text
    return ElementTree.fromstring(answer.content)  # noqa: S314 - our own server's TwiML


def found(document: ElementTree.Element, verb: str) -> ElementTree.Element:
    element = document.find(f".//{verb}")
    assert element is not None, ElementTree.tostring(document)
    return element


@pytest.fixture
def new_lead(web, riverside, carol) -> Lead:
    riverside.leads_phone = LEADS_NUMBER
    riverside.main_phone = "+15125550111"
    riverside.save()
    carol.mobile = CAROL_MOBILE
    carol.save()
    return make_lead(riverside, assigned_to=carol, vehicles=[{"year": 2016, "make": "RAM", "model": "2500"}])


def test_carol_calls_her_new_lead_from_her_phone_and_the_customer_calls_back_to_her_mobile(
    web, open_browser, twilio, new_lead
):
    lead = new_lead
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 25, ignored_exceptions=(StaleElementReferenceException,))
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))
    # Each of her leads on the dashboard has its Call button.
    card_button = driver.find_element(By.ID, f"call-lead-{lead.pk}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", card_button)
    assert card_button.is_displayed()
    keep_screenshot(driver, "calls-dashboard")

    driver.get(f"{web}/leads/{lead.pk}/")
    call_button = driver.find_element(By.ID, "thumb-call")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", call_button)
    call_button.click()
    wait.until(ec.text_to_be_present_in_element((By.ID, "messages"), "Your phone ((512) 555-0001) rings now"))
    keep_screenshot(driver, "calls-pressed-call")
    assert twilio.calls == []  # nothing is dialled inside the web request

    worker_pass(web, twilio)
    [request] = twilio.calls
    form = request["form"]
    assert (form["To"], form["From"]) == ([CAROL_MOBILE], [LEADS_NUMBER])
    call = Call.objects.get()
    assert call.status == Call.Status.PLACED

    # Carol answers: Twilio fetches the prompt; she presses 1; the customer is dialled.
    prompt = twilio_posts(form["Url"][0], {"CallSid": call.provider_id, "AccountSid": SID})
    gather = found(prompt, "Gather")
    assert found(gather, "Say").text == "Call to Jordan Sample about the 2016 RAM 2500. Press any key to connect."
    bridged = twilio_posts(str(gather.get("action")), {"CallSid": call.provider_id, "Digits": "1"})
    assert found(bridged, "Dial").get("callerId") == LEADS_NUMBER
    number = found(bridged, "Number")
    assert number.text == CUSTOMER

    # The customer's leg rings, is answered, and ends after 95 seconds.
    status_url = str(number.get("statusCallback"))
    child = {"CallSid": "CA" + "7" * 32, "ParentCallSid": call.provider_id, "AccountSid": SID}
    twilio_posts(status_url, child | {"CallStatus": "ringing"})
    twilio_posts(status_url, child | {"CallStatus": "in-progress"})
    twilio_posts(status_url, child | {"CallStatus": "completed", "CallDuration": "95"})
    twilio_posts(str(form["StatusCallback"][0]), {"CallSid": call.provider_id, "CallStatus": "completed"})

    # The thread polls and shows the call; the timeline and the first response follow on a reload.
    wait.until(
        ec.text_to_be_present_in_element((By.ID, "thread"), "Carol Seller called Jordan Sample: answered, 1 min 35 s")
    )
    driver.execute_script("document.getElementById('thread').scrollIntoView({block: 'center'})")
    keep_screenshot(driver, "calls-call-in-thread")
    lead.refresh_from_db()
    assert lead.first_response_channel == "call"
    assert lead.first_response_at is not None
    driver.get(f"{web}/leads/{lead.pk}/")
    assert "Not yet" not in driver.find_element(By.ID, "lead-first-response").text
    timeline = driver.find_element(By.ID, "timeline").text
    assert "Carol Seller called Jordan Sample: answered, 1 min 35 s" in timeline
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")

    # The customer calls the dealership's number back: it rings Carol's mobile.
    inbound = twilio_posts(
        f"{web}/hooks/twilio/voice", {"CallSid": "CAback1", "AccountSid": SID, "From": CUSTOMER, "To": LEADS_NUMBER}
    )
    assert found(inbound, "Number").text == CAROL_MOBILE

    driver.get(f"{web}/calls/settings/")
    keep_screenshot(driver, "calls-settings")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_an_admin_turns_call_recordings_on_from_a_phone(web, open_browser, riverside, alice):
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 25, ignored_exceptions=(StaleElementReferenceException,))
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("alice@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))

    driver.get(f"{web}/dealerships/riverside-toyota/settings/")
    box = driver.find_element(By.ID, "id_calls_recordings")
    assert not box.is_selected()  # off unless turned on
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    keep_screenshot(driver, "calls-dealership-settings")
    box.click()
    box.submit()
    wait.until(ec.text_to_be_present_in_element((By.ID, "messages"), "Record calls"))
    riverside.refresh_from_db()
    assert riverside.call_recordings is True
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
