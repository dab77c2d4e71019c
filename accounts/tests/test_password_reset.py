from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts import actions
from accounts.models import LoginFailure, ResetRequest
from conftest import PASSWORD
from forecourt.worker import Worker
from notifications.models import OutboundEmail

NEW_PASSWORD = "blue tractor under the willow"


def link_in(message) -> str:
    match = re.search(r"https?://\S+/accounts/password/reset/\S+/", message.get_content())
    assert match, message.get_content()
    return match.group(0)


def path_of(link: str) -> str:
    return urlsplit(link).path


# The worker closes and reopens database connections, so these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_forgotten_password_is_reset_through_an_email_the_worker_sends(client, carol, smtp_sink, settings):
    settings.BASE_URL = "https://forecourt.riverside.example"
    response = client.post(reverse("password-reset"), {"email": "Carol@Example.com"})
    assert response.url == reverse("password-reset-done")

    queued = OutboundEmail.objects.get()
    assert (queued.to, queued.purpose, queued.status) == (["carol@example.com"], "password_reset", "pending")
    assert smtp_sink.messages == []  # the web request only queued it

    Worker().run_once()
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "carol@example.com"
    link = link_in(message)
    assert link.startswith("https://forecourt.riverside.example/accounts/password/reset/")

    form_page = client.get(path_of(link), follow=True)
    assert "Choose a password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Password saved" in done.content.decode()

    assert client.post(reverse("login"), {"email": "carol@example.com", "password": PASSWORD}).status_code == 200
    assert client.post(reverse("login"), {"email": "carol@example.com", "password": NEW_PASSWORD}).status_code == 302

    Worker().run_once()
    assert len(smtp_sink.messages) == 1
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT


def test_a_reset_link_works_only_once(client, carol):
    link = path_of(actions.password_link(carol))
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert "This link doesn't work any more" in again.content.decode()


def test_an_unknown_email_gets_the_same_answer_and_no_email(client, carol):
    response = client.post(reverse("password-reset"), {"email": "stranger@example.com"})
    assert response.url == reverse("password-reset-done")
    assert not OutboundEmail.objects.exists()


def test_a_deactivated_user_gets_no_reset_email_and_old_links_stop_working(client, carol):
    link = path_of(actions.password_link(carol))
    actions.deactivate_user(user=carol, actor=None)
    client.post(reverse("password-reset"), {"email": "carol@example.com"})
    assert not OutboundEmail.objects.exists()
    assert "This link doesn't work any more" in client.get(link).content.decode()


def test_a_bad_new_password_is_refused_with_the_reason(client, carol):
    form_url = client.get(path_of(actions.password_link(carol))).url
    response = client.post(form_url, {"new_password1": "12345", "new_password2": "12345"})
    body = response.content.decode()
    assert "This password is too short" in body
    assert carol.password == type(carol).objects.get(pk=carol.pk).password


def test_setting_a_new_password_lifts_a_login_block(client_from, carol):
    attacker = client_from("203.0.113.9")
    for _ in range(5):
        attacker.post(reverse("login"), {"email": "carol@example.com", "password": "guess"})
    assert LoginFailure.objects.count() == 5
    form_url = attacker.get(path_of(actions.password_link(carol))).url
    attacker.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not LoginFailure.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_user_created_without_a_password_is_emailed_a_link_to_choose_one(client, alice, riverside, smtp_sink):
    lee = actions.create_user(
        email="Lee@Example.com",
        name="Lee Newhire",
        actor=alice,
        memberships=[{"dealership": riverside.slug, "role": "salesperson", "departments": ["sales"]}],
    )
    assert not lee.has_usable_password()
    email = OutboundEmail.objects.get()
    assert (email.to, email.purpose) == (["lee@example.com"], "password_setup")

    Worker().run_once()
    (message,) = smtp_sink.messages
    assert "Choose your password" in message.get_content()
    form_url = client.get(path_of(link_in(message))).url
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert client.post(reverse("login"), {"email": "lee@example.com", "password": NEW_PASSWORD}).status_code == 302


def test_someone_who_lost_their_setup_email_can_use_forgot_password(client, alice, riverside):
    actions.create_user(
        email="lee@example.com",
        name="Lee",
        actor=alice,
        memberships=[{"dealership": riverside.slug, "role": "manager"}],
    )
    client.post(reverse("password-reset"), {"email": "lee@example.com"})
    assert list(OutboundEmail.objects.values_list("purpose", flat=True).order_by("pk")) == [
        "password_setup",
        "password_reset",
    ]


def test_changing_the_password_keeps_this_session_and_needs_the_old_one(client, carol):
    client.post(reverse("login"), {"email": "carol@example.com", "password": PASSWORD})
    wrong = client.post(
        reverse("password-change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    response = client.post(
        reverse("password-change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.url == reverse("password-change-done")
    assert client.get(reverse("password-change-done")).status_code == 200
    carol.refresh_from_db()
    assert carol.check_password(NEW_PASSWORD)
    # The password change renewed the session key; deactivation still finds and ends it.
    renewed = client.session.session_key
    actions.deactivate_user(user=carol, actor=None)
    assert not Session.objects.filter(session_key=renewed).exists()


def ask_reset(client, email: str):
    return client.post(reverse("password-reset"), {"email": email})


def test_the_reset_form_cannot_flood_someones_inbox(client_from, carol):
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):  # whoever asks
        assert ask_reset(client_from(address), "carol@example.com").status_code == 302
    refused = ask_reset(client_from("198.51.100.4"), "Carol@Example.com")

    assert refused.status_code == 429
    assert "Too many reset emails were asked for" in refused.content.decode()
    assert OutboundEmail.objects.filter(purpose="password_reset").count() == 3


def test_an_unknown_email_is_counted_and_refused_alike_so_refusals_reveal_no_account(client_from, carol):
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert ask_reset(client_from(address), "nobody@example.com").status_code == 302
    refused = ask_reset(client_from("198.51.100.4"), "nobody@example.com")

    assert refused.status_code == 429
    assert "Too many reset emails were asked for" in refused.content.decode()
    assert not OutboundEmail.objects.exists()


def test_one_address_asking_for_many_emails_is_stopped_and_others_are_not(client_from, carol, dave, settings):
    settings.RESET_REQUESTS_PER_ADDRESS = 3
    spammer = client_from("203.0.113.9")
    for n in range(3):
        assert ask_reset(spammer, f"someone{n}@example.com").status_code == 302
    assert ask_reset(spammer, "carol@example.com").status_code == 429

    assert ask_reset(client_from("198.51.100.7"), "carol@example.com").status_code == 302
    assert OutboundEmail.objects.filter(purpose="password_reset", to=["carol@example.com"]).count() == 1


def test_the_limit_lifts_once_the_window_has_passed(client_from, carol, settings):
    settings.RESET_REQUESTS_PER_EMAIL = 1
    noon = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)
    with time_machine.travel(noon, tick=False) as clock:
        assert ask_reset(client_from("198.51.100.1"), "carol@example.com").status_code == 302
        clock.shift(timedelta(minutes=59))
        refused = ask_reset(client_from("198.51.100.1"), "carol@example.com")
        assert refused.status_code == 429
        assert "try again in 1 minute." in refused.content.decode()
        clock.shift(timedelta(minutes=2))
        assert ask_reset(client_from("198.51.100.1"), "carol@example.com").status_code == 302
    assert ResetRequest.objects.count() == 1  # the first one aged out and was forgotten
