"""After logging in or out, `next` leads only to a page of this site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD


@pytest.mark.parametrize(
    "target", ["https://evil.example/phish", "//evil.example/", "https://testserver.evil.example/"]
)
def test_logging_in_never_sends_carol_to_another_site(client, carol, target):
    page = client.get(reverse("login"), {"next": target})
    assert target.encode() not in page.content
    answer = client.post(f"{reverse('login')}?next={target}", {"email": carol.email, "password": PASSWORD})
    assert answer.status_code == 302
    assert answer.url == reverse("dashboard")


def test_logging_in_goes_back_to_the_page_that_asked_for_it(client, carol):
    answer = client.post(reverse("login"), {"email": carol.email, "password": PASSWORD, "next": "/leads/?status=new"})
    assert answer.url == "/leads/?status=new"


def test_logging_out_never_sends_carol_to_another_site(client_for, carol):
    answer = client_for(carol).post(reverse("logout"), {"next": "https://evil.example/phish"})
    assert answer.status_code == 302
    assert answer.url == reverse("login")
