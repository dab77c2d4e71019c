"""Live chat end to end, through real parts: a dealer's web page served on another loopback origin
embeds Forecourt's script; a visitor on a 390 px phone opens the chat and writes; the lead appears
(source Chat) and its salesperson is told; Carol, on her phone, answers from the lead page; the
visitor's widget shows her answer without a reload. A page on a website the dealership does not
list gets no chat at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import Membership
from conversations.models import Message
from forecourt.testing import free_port, serve_in_background
from leads.models import Lead
from notifications.models import Notification
from tests.browser.conftest import PHONE, keep_screenshot
from tests.browser.test_customer_simulator import fits, log_in, phone

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@contextmanager
def dealer_website(script_url: str) -> Iterator[str]:
    """The dealer's own website: a plain page on a loopback port of its own, with the pasted line."""
    page = (
        "<!doctype html><html><head><meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>Riverside Toyota</title></head><body><h1>Riverside Toyota</h1>"
        "<p>New and used Toyotas in Austin.</p>"
        f'<script src="{script_url}" async></script></body></html>'
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    serve_in_background(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def in_widget(driver, element_id: str):
    """An element of the widget, inside its shadow root."""
    host = driver.find_element(By.ID, "forecourt-chat")
    return host.shadow_root.find_element(By.CSS_SELECTOR, f"#{element_id}")


def test_a_visitor_chats_on_the_dealers_website_and_sees_the_salespersons_answer(web, open_browser, riverside, carol):
    Membership.objects.filter(dealership=riverside).exclude(user=carol).update(receives_leads=False)
    with dealer_website(f"{web}/chat/{riverside.slug}.js") as site:
        riverside.chat_origins = [site]
        riverside.leads_phone = "+15125550199"
        riverside.save()

        visitor = phone(open_browser(PHONE))
        wait = WebDriverWait(visitor, 25, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))
        visitor.get(site)
        wait.until(lambda d: in_widget(d, "chat-open").is_displayed(), "the chat button never showed")
        keep_screenshot(visitor, "chat-website-button")
        in_widget(visitor, "chat-open").click()
        in_widget(visitor, "chat-name").send_keys("Jordan Sample")
        in_widget(visitor, "chat-phone").send_keys("(512) 555-0100")
        in_widget(visitor, "chat-body").send_keys("Is the 2016 RAM 2500 still for sale?")
        keep_screenshot(visitor, "chat-widget-first-message")
        in_widget(visitor, "chat-send").click()
        wait.until(
            lambda d: "will answer you right here" in in_widget(d, "chat-log").text, "no answer to the first message"
        )
        assert not in_widget(visitor, "chat-contact").is_displayed()  # asked once only
        assert fits(visitor)

        lead = Lead.objects.get()
        assert lead.source_name == "Chat"
        assert lead.assigned_to == carol
        assert Notification.objects.filter(user=carol, lead=lead).exists()

        seller = phone(open_browser(PHONE))
        seller_wait = WebDriverWait(seller, 25, ignored_exceptions=(StaleElementReferenceException,))
        log_in(seller, seller_wait, web, "carol@example.com")
        seller.get(f"{web}/leads/{lead.pk}/")
        seller_wait.until(
            ec.text_to_be_present_in_element((By.ID, "thread"), "Is the 2016 RAM 2500 still for sale?"),
            "the lead page lacks the visitor's message",
        )
        assert "Chat" in seller.find_element(By.CSS_SELECTOR, "#thread .msg-in .msg-channel").text
        assert seller.find_element(By.ID, "channel-chat").is_selected()
        seller.find_element(By.ID, "composer-body").send_keys("Yes it is! Want to drive it today at 5?")
        send = seller.find_element(By.ID, "composer-send")
        seller.execute_script("arguments[0].scrollIntoView({block: 'center'})", send)
        send.click()
        seller_wait.until(
            ec.text_to_be_present_in_element((By.ID, "thread"), "Want to drive it today at 5?"),
            "Carol's answer is not on her thread",
        )
        keep_screenshot(seller, "chat-lead-page-answer")
        assert fits(seller)

        # The visitor's widget shows Carol's answer on its next poll, without a reload.
        wait.until(
            lambda d: "Want to drive it today at 5?" in in_widget(d, "chat-log").text,
            "the widget never showed Carol's answer",
        )
        assert "Carol Seller · Riverside Toyota" in in_widget(visitor, "chat-log").text
        keep_screenshot(visitor, "chat-widget-answer")
        answer = Message.objects.get(body="Yes it is! Want to drive it today at 5?")
        assert answer.channel == "chat"
        seller_wait.until(
            ec.text_to_be_present_in_element((By.CSS_SELECTOR, f"#msg-{answer.pk} .msg-status"), "Delivered"),
            "the lead page never showed the answer delivered",
        )
        lead.refresh_from_db()
        assert lead.first_response_at == answer.created_at
        assert lead.first_response_channel == "chat"

        # The visitor answers back; it reaches Carol's open lead page.
        in_widget(visitor, "chat-body").send_keys("Perfect, see you at 5")
        in_widget(visitor, "chat-send").click()
        seller_wait.until(
            ec.text_to_be_present_in_element((By.ID, "thread"), "Perfect, see you at 5"),
            "the visitor's second message never reached the lead page",
        )

        # The visitor closes the chat and browses on; Carol's next answer shows on the button.
        in_widget(visitor, "chat-close").click()
        seller.find_element(By.ID, "composer-body").send_keys("Great, the keys will be ready.")
        send = seller.find_element(By.ID, "composer-send")
        seller.execute_script("arguments[0].scrollIntoView({block: 'center'})", send)
        send.click()
        wait.until(
            lambda d: in_widget(d, "chat-open").text == "1 new message",
            "the closed chat's button counts no new message",
        )
        keep_screenshot(visitor, "chat-website-unread")
        in_widget(visitor, "chat-open").click()
        assert "Great, the keys will be ready." in in_widget(visitor, "chat-log").text
        visitor.refresh()  # another page of the website: the chat goes on, nothing counted twice
        wait.until(
            lambda d: "Great, the keys will be ready." in in_widget(d, "chat-log").text,
            "the chat is gone after a reload",
        )
        assert in_widget(visitor, "chat-body").is_displayed()  # it was open, it opens again

    # The same script on a website the dealership does not list shows nothing.
    with dealer_website(f"{web}/chat/{riverside.slug}.js") as elsewhere:
        stranger = phone(open_browser(PHONE))
        stranger.get(elsewhere)
        WebDriverWait(stranger, 10).until(
            lambda d: any(
                "is not one of Riverside Toyota's chat websites" in e["message"] for e in d.get_log("browser")
            )
        )
        assert not stranger.find_elements(By.ID, "forecourt-chat")


def test_an_admin_on_a_phone_lists_the_website_and_copies_the_line_to_paste(web, open_browser, riverside, alice):
    driver = phone(open_browser(PHONE))
    wait = WebDriverWait(driver, 25, ignored_exceptions=(StaleElementReferenceException,))
    log_in(driver, wait, web, "alice@example.com")
    driver.get(f"{web}/dealerships/{riverside.slug}/settings/")
    origins = driver.find_element(By.ID, "id_chat_origins")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", driver.find_element(By.ID, "chat-settings"))
    origins.send_keys("https://www.Riverside-Toyota.example/")
    snippet = driver.find_element(By.ID, "chat-snippet").text
    assert snippet == f'<script src="{web}/chat/riverside-toyota.js" async></script>'
    assert fits(driver)
    keep_screenshot(driver, "chat-settings-snippet")
    driver.find_element(By.CSS_SELECTOR, ".settings-form button[type=submit]").click()
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "body"), "Saved: Websites the live chat works on."))
    riverside.refresh_from_db()
    assert riverside.chat_origins == ["https://www.riverside-toyota.example"]
