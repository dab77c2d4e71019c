from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import LoginFailure, User
from conftest import PASSWORD

LOGIN = "/accounts/login/"
THROTTLED = "Too many failed attempts from your address"
WRONG = "That email and password don&#x27;t match"
NOON = datetime(2026, 3, 16, 12, 0, tzinfo=UTC)


def log_in(client, email, password=PASSWORD):
    return client.post(LOGIN, {"email": email, "password": password})


def test_login_page_has_labelled_fields_and_a_reset_link(client):
    page = client.get(reverse("login")).content.decode()
    assert '<label for="id_email">' in page
    assert '<label for="id_password">' in page
    assert reverse("password-reset") in page


def test_passwords_are_stored_with_argon2_and_checked_against_it(real_hasher, client, carol):
    assert carol.password.startswith("argon2")
    assert log_in(client, "carol@example.com").status_code == 302


def test_carol_logs_in_with_her_email_in_any_case(client, carol):
    response = log_in(client, "  Carol@Example.COM ")
    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).wsgi_request.user == carol


def test_login_goes_to_the_page_asked_for(client, carol):
    response = client.post(
        LOGIN + "?next=/leads/", {"email": "carol@example.com", "password": PASSWORD, "next": "/leads/"}
    )
    assert response.url == "/leads/"


def test_a_page_needing_login_sends_an_anonymous_visitor_to_the_login_page(client, db):
    response = client.get(reverse("user-list"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_wrong_password_says_so_without_logging_in(client, carol):
    response = log_in(client, "carol@example.com", "not her password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_email_gets_exactly_the_same_answer_as_a_wrong_password(client, carol):
    unknown = log_in(client, "nobody@example.com", "whatever it is")
    wrong = log_in(client, "carol@example.com", "whatever it is")
    assert WRONG in unknown.content.decode()
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].errors == wrong.context["form"].errors


def test_a_deactivated_user_cannot_log_in_and_is_told_nothing_more(client, carol):
    User.objects.filter(pk=carol.pk).update(is_active=False)
    response = log_in(client, "carol@example.com")
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_that_ends_the_session(client_for, carol):
    client = client_for(carol)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.url == reverse("login")
    assert client.get(reverse("dashboard")).status_code == 302


def test_five_wrong_passwords_from_one_address_block_that_email_there_even_with_the_right_one(client_from, carol):
    attacker = client_from("203.0.113.9")
    for _ in range(5):
        assert WRONG in log_in(attacker, "carol@example.com", "guess").content.decode()
    response = log_in(attacker, "carol@example.com")
    assert response.status_code == 429
    body = response.content.decode()
    assert THROTTLED in body
    assert "try again in 15 minutes or reset your password" in body
    assert "_auth_user_id" not in attacker.session


def test_refused_attempts_are_not_counted_so_the_block_lifts_on_time(client_from, carol):
    attacker = client_from("203.0.113.9")
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(5):
            log_in(attacker, "carol@example.com", "guess")
        clock.shift(timedelta(minutes=10))
        for _ in range(20):
            log_in(attacker, "carol@example.com", "guess")
        assert LoginFailure.objects.count() == 5
        assert "try again in 5 minutes" in log_in(attacker, "carol@example.com").content.decode()
        clock.shift(timedelta(minutes=5, seconds=1))
        assert log_in(attacker, "carol@example.com").status_code == 302


def test_carol_still_logs_in_from_her_own_address_while_someone_guesses_elsewhere(client_from, carol):
    attacker = client_from("203.0.113.9")
    for _ in range(12):
        log_in(attacker, "carol@example.com", "guess")
    assert THROTTLED in log_in(attacker, "carol@example.com").content.decode()

    carol_at_the_dealership = client_from("198.51.100.20")
    response = log_in(carol_at_the_dealership, "carol@example.com")
    assert response.status_code == 302


def test_one_address_trying_many_emails_is_blocked_for_every_email(client_from, carol, dave, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    attacker = client_from("203.0.113.9")
    for number in range(8):
        log_in(attacker, f"guess{number}@example.com", "guess")
    response = log_in(attacker, "dave@example.com")
    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    # Someone else in the same showroom network is not affected by a different address.
    assert log_in(client_from("198.51.100.20"), "dave@example.com").status_code == 302


def test_a_successful_login_forgives_that_addresss_earlier_mistakes_with_that_email(client_from, carol):
    carols_phone = client_from("198.51.100.20")
    for _ in range(4):
        log_in(carols_phone, "carol@example.com", "typo")
    assert log_in(carols_phone, "carol@example.com").status_code == 302
    carols_phone.post(reverse("logout"))
    for _ in range(4):
        log_in(carols_phone, "carol@example.com", "typo")
    assert log_in(carols_phone, "carol@example.com").status_code == 302


def test_failures_older_than_the_window_are_pruned(client_from, carol):
    attacker = client_from("203.0.113.9")
    with time_machine.travel(NOON, tick=False) as clock:
        for _ in range(3):
            log_in(attacker, "carol@example.com", "guess")
        clock.shift(timedelta(minutes=16))
        log_in(attacker, "dave@example.com", "guess")
    assert list(LoginFailure.objects.values_list("email", flat=True)) == ["dave@example.com"]


@pytest.mark.parametrize(
    ("header", "sent", "counted_as"),
    [
        ("", "203.0.113.9", "127.0.0.1"),
        ("X-Forwarded-For", "6.6.6.6, 203.0.113.9", "203.0.113.9"),
    ],
)
def test_the_client_address_is_remote_addr_unless_a_trusted_proxy_header_is_configured(
    client, carol, settings, header, sent, counted_as
):
    settings.TRUSTED_PROXY_HEADER = header
    client.post(LOGIN, {"email": "carol@example.com", "password": "guess"}, headers={"X-Forwarded-For": sent})
    assert LoginFailure.objects.get().address == counted_as


def test_ipv6_neighbours_in_one_64_block_share_one_count(client_from, carol):
    for host in range(5):
        log_in(client_from(f"2001:db8:1:2::{host + 1}"), "carol@example.com", "guess")
    assert THROTTLED in log_in(client_from("2001:db8:1:2::99"), "carol@example.com").content.decode()
    assert log_in(client_from("2001:db8:1:3::1"), "carol@example.com").status_code == 302
