"""Carol has her lead open on a 390 px phone. Jordan's email reply reaches `smtpd` and appears in
the thread within seconds, without a reload; the composer then opens on Email with "Re:" and the
subject; she records a voice note in the browser, writes a line and sends; the worker hands the
mail, voice note attached, to the outbound SMTP server, from the lead's reply address."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD
from conversations.models import Message
from forecourt.testing import SmtpSink, run_manage
from relay.models import Attachment, BouncedAddress
from relay.tests.conftest import customer_mail, deliver, lead, relay, smtpd  # noqa: F401 (fixtures)
from tests.browser.conftest import PHONE, keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FAKE_MICROPHONE = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")
REPLY = "Saturday at 10 works. Can I bring my Civic?\n\nOn Fri, Carol Seller wrote:\n> Would Saturday suit you?\n"


def tap(driver, element_id: str) -> None:
    """Scroll the button to the middle of the screen, clear of the thumb bar, as a thumb would, and tap it."""
    button = driver.find_element(By.ID, element_id)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()


def test_carol_answers_jordans_email_with_a_voice_note_from_her_phone(web, open_browser, smtpd, lead, relay):  # noqa: F811
    lead.dealership.leads_phone = "+15125550199"
    lead.dealership.save()
    sink = SmtpSink().start()
    driver = open_browser(PHONE, *FAKE_MICROPHONE)
    wait = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,))
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys("carol@example.com")
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    wait.until(ec.url_to_be(f"{web}/"))
    driver.get(f"{web}/leads/{lead.pk}/")

    deliver(smtpd, customer_mail(relay, subject="Visit on Saturday", text=REPLY), relay)
    # The thread polls every 5 s: the email shows without a reload, history folded away.
    wait.until(ec.text_to_be_present_in_element((By.ID, "thread"), "Can I bring my Civic?"))
    email = driver.find_element(By.CSS_SELECTOR, '#thread .msg-in[data-channel="email"]')
    assert "Would Saturday suit you?" not in email.text  # folded in "Earlier mail"
    assert "Email" in email.find_element(By.CLASS_NAME, "msg-channel").text

    driver.refresh()
    assert driver.find_element(By.ID, "channel-email").is_selected()
    subject = driver.find_element(By.ID, "composer-subject")
    assert subject.get_attribute("value") == "Re: Visit on Saturday"
    assert not driver.find_element(By.ID, "composer-upload").is_displayed()  # photos are for texts

    tap(driver, "voice-record")
    wait.until(ec.visibility_of_element_located((By.ID, "voice-stop")))
    driver.execute_script("return new Promise(function (done) { setTimeout(done, 1500); })")
    tap(driver, "voice-stop")
    wait.until(ec.text_to_be_present_in_element((By.ID, "voice-status"), "Voice note ready"))
    driver.find_element(By.ID, "composer-body").send_keys("Of course, bring it and we'll appraise it.")
    keep_screenshot(driver, "relay-answer-email-phone")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "the lead page fits the phone without sideways scrolling"
    )
    tap(driver, "composer-send")

    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, '#thread .msg-out[data-channel="email"]'))
    sent = Message.objects.get(direction="out")
    assert (sent.channel, sent.subject) == ("email", "Re: Visit on Saturday")
    note = Attachment.objects.get(message=sent)
    assert note.content_type.startswith("audio/")
    assert note.size > 1000
    try:
        worker = run_manage("runworker", "--once", SMTP_URL=sink.url)
        assert worker.returncode == 0, worker.stderr
        [mail] = sink.wait_for(1) and [m for m in sink.messages if m["To"] == "jordan@example.com"]
    finally:
        sink.stop()
    assert mail["From"].addresses[0].addr_spec == relay
    assert mail["Subject"] == "Re: Visit on Saturday"
    [voice] = list(mail.iter_attachments())
    assert voice.get_content_type() == note.content_type
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#thread .msg-out .msg-status"), "Sent"))
    keep_screenshot(driver, "relay-email-sent-phone")

    # A hard bounce later: the failing address is said above the thread, and email is no longer offered.
    BouncedAddress.objects.create(customer=lead.customer, email="jordan@example.com", reason="5.1.1 User unknown")
    driver.refresh()
    notice = driver.find_element(By.CSS_SELECTOR, ".bounced")
    assert "jordan@example.com is failing" in notice.text
    assert not driver.find_elements(By.ID, "channel-email")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", notice)
    keep_screenshot(driver, "relay-bounced-phone")

    # "Copy me" is Carol's own choice, beside her notification preferences.
    driver.get(f"{web}/notifications/preferences/")
    box = driver.find_element(By.ID, "copy-me-box")
    assert box.is_selected()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    keep_screenshot(driver, "relay-copy-me-phone")
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
