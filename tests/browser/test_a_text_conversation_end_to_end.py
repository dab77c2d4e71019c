"""The whole texting flow on a 390 px phone, through real parts: gunicorn serving Forecourt, the real
worker process, and Twilio's signed webhooks posted over HTTP.

Carol opens her new lead, texts the customer from a template with a stock photo; the worker sends
it; Twilio reports it delivered; the customer answers; the lead's first response is her text. Then
the customer texts STOP: the thread says so, nothing more can be sent, at this rooftop or at the
group's other one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait
from twilio.request_validator import RequestValidator

from conftest import PASSWORD, make_lead
from conversations.actions import send_message
from conversations.consent import OptedOut
from conversations.models import Message, MessageTemplate, Photo
from forecourt.testing import run_manage
from inventory.models import Vehicle, VehiclePhoto
from leads import actions as lead_actions
from tests.browser.conftest import PHONE
from tests.browser.test_text_a_customer_from_a_phone import png
from tests.servers import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOKEN = "secret-token"
DEALERSHIP_NUMBER = "+15125550199"
CUSTOMER = "+15125550100"


@pytest.fixture
def web(transactional_db: None, real_hasher: None) -> Iterator[str]:
    """Forecourt as a dealership runs it with Twilio: texts are recorded (console provider), and
    webhooks are checked against the account's auth token."""
    with gunicorn(SMS_PROVIDER="console", TWILIO_ACCOUNT_SID="AC0123456789", TWILIO_AUTH_TOKEN=TOKEN) as base:
        yield base


def twilio_posts(web: str, path: str, fields: dict[str, str]) -> None:
    """A webhook as Twilio sends it: form fields, signed with the account's auth token."""
    url = f"{web}{path}"
    signature = RequestValidator(TOKEN).compute_signature(url, fields)
    answer = requests.post(url, data=fields, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert answer.status_code == 200, answer.text


def customer_texts(web: str, sid: str, body: str) -> None:
    fields = {"MessageSid": sid, "AccountSid": "AC0123456789", "From": CUSTOMER, "To": DEALERSHIP_NUMBER}
    twilio_posts(web, "/hooks/twilio/sms", fields | {"Body": body, "NumMedia": "0"})


def worker_pass() -> None:
    done = run_manage("runworker", "--once")
    assert done.returncode == 0, done.stderr


@pytest.fixture
def new_lead(web, riverside, lakeside, carol):
    riverside.leads_phone = DEALERSHIP_NUMBER
    riverside.save()
    lakeside.leads_phone = "+13035550199"
    lakeside.save()
    lead = make_lead(riverside, assigned_to=carol)
    picture = png(40, 30)
    photo = Photo.objects.create(dealership=riverside, content=picture, content_type="image/png", size=len(picture))
    unit = Vehicle.objects.create(dealership=riverside, stock="D9760", year=2016, make="RAM", model="2500")
    VehiclePhoto.objects.create(vehicle=unit, url=f"{web}/m/{photo.token}")
    lead_actions.add_vehicle(lead=lead, actor=carol, inventory_vehicle=unit, data={"interest": "buy"})
    MessageTemplate.objects.create(
        dealership=riverside, name="First reply", body="Hi {first_name}, the {vehicle} is here. {salesperson}"
    )
    return lead


def test_carol_texts_her_new_lead_sees_it_delivered_gets_the_reply_and_a_stop_ends_it_everywhere(
    web, open_browser, new_lead, lakeside, carol
):
    lead = new_lead
    assert lead.first_response_at is None
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 25, ignored_exceptions=(StaleElementReferenceException,))
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))

    # A lead with a mobile number and no texts yet: she starts the conversation from a template.
    driver.get(f"{web}/leads/{lead.pk}/")
    driver.find_element(By.ID, "start-conversation-button").click()
    Select(driver.find_element(By.ID, "composer-template")).select_by_visible_text("First reply")
    wait.until(
        lambda d: (
            d.find_element(By.ID, "composer-body").get_attribute("value")
            == "Hi Jordan, the 2016 RAM 2500 is here. Carol Seller"
        )
    )
    pick = driver.find_element(By.CSS_SELECTOR, "#stock-photos .photo-pick")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", pick)
    pick.click()
    send = driver.find_element(By.ID, "composer-send")
    # As a thumb scrolls: the button to the middle of the screen, clear of the Text/Call bar.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", send)
    send.click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#thread .msg-out"))
    text = Message.objects.get(direction="out")
    assert text.media == [VehiclePhoto.objects.get().url]

    worker_pass()  # the worker hands it to the provider
    text.refresh_from_db()
    assert text.status == "sent"
    twilio_posts(
        web,
        "/hooks/twilio/sms/status",
        {"MessageSid": text.provider_id, "AccountSid": "AC0123456789", "MessageStatus": "delivered"},
    )
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#thread .msg-out .msg-status"), "Delivered"))

    customer_texts(web, "SMreply0001", "Great, I can come at 5")
    worker_pass()  # the webhook's text is put on its lead
    wait.until(ec.text_to_be_present_in_element((By.ID, "thread"), "Great, I can come at 5"))
    lead.refresh_from_db()
    assert lead.first_response_at == text.created_at  # her text, not the customer's, not an automatic one
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")

    customer_texts(web, "SMstop0001", "Stop.")
    worker_pass()  # the opt-out is recorded and its one confirmation sent
    driver.get(f"{web}/leads/{lead.pk}/")
    refusal = driver.find_element(By.ID, "cannot-text").text
    assert "opted out of texts" in refusal
    assert "(replied STOP)" in refusal
    # Texts are over; the customer can still be emailed from the lead's reply address.
    assert not driver.find_elements(By.ID, "channel-sms")
    assert driver.find_element(By.CSS_SELECTOR, '#composer input[name="channel"]').get_attribute("value") == "email"
    confirmations = Message.objects.filter(direction="out", automated=True)
    assert [m.body for m in confirmations] == [
        "You're unsubscribed from Riverside Toyota texts. Reply START to resubscribe."
    ]

    # The customer is the group's: the sister rooftop cannot text them either.
    sister = make_lead(lakeside, customer={"first_name": "Jordan", "phones": [{"number": CUSTOMER}]})
    with pytest.raises(OptedOut):
        send_message(lead=sister, channel="sms", body="Hi from Lakeside", actor=carol)
