"""Wrong passwords sent all at once are held to the same limit as wrong passwords sent one by
one: the count is taken before the password is checked, by the database, not by a read that
every simultaneous request makes before any of them has written."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import LoginFailure
from accounts.tests.test_login import LOGIN, THROTTLED, WRONG
from conftest import PASSWORD

ATTEMPTS = 24


def attempt_together(password: str, count: int = ATTEMPTS) -> list[str]:
    """`count` logins as Carol from one address, started at the same moment; the pages answered."""
    start = threading.Barrier(count)
    pages: list[str] = []

    def attempt() -> None:
        try:
            client = Client(REMOTE_ADDR="203.0.113.9")
            start.wait()
            response = client.post(LOGIN, {"email": "carol@example.com", "password": password})
            pages.append("logged in" if response.status_code == 302 else response.content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return pages


@pytest.mark.django_db(transaction=True)
def test_at_most_the_limit_of_simultaneous_wrong_passwords_are_checked(real_hasher, carol):
    pages = attempt_together("not her password")

    assert len(pages) == ATTEMPTS
    checked = [page for page in pages if WRONG in page]
    refused = [page for page in pages if THROTTLED in page]
    limit = settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
    assert 1 <= len(checked) <= limit
    assert len(checked) + len(refused) == ATTEMPTS
    # Refused attempts are not kept: only the checked ones count against Carol's address.
    assert LoginFailure.objects.count() == len(checked)


@pytest.mark.django_db(transaction=True)
def test_carol_still_logs_in_after_a_burst_of_wrong_passwords_from_elsewhere(real_hasher, carol):
    attempt_together("not her password", count=12)

    carols_own = Client(REMOTE_ADDR="198.51.100.7")
    response = carols_own.post(LOGIN, {"email": "carol@example.com", "password": PASSWORD})

    assert response.status_code == 302
