"""After allocating, the allocate window goes back only to a page of this site."""

from __future__ import annotations

import pytest
import time_machine

from conftest import make_lead
from distribution.tests.conftest import OPEN

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]

ELSEWHERE = [
    "https://evil.example/phish",
    "//evil.example/phish",
    "/\\evil.example/phish",
    "http:evil.example",
    "javascript:alert(1)",
]


@time_machine.travel(OPEN, tick=False)
@pytest.mark.parametrize("target", ELSEWHERE)
def test_allocating_never_sends_the_manager_to_another_site(riverside, bob, dave, client_for, target):
    lead = make_lead(riverside, bulk=True)
    client = client_for(bob)
    window = client.get(f"/distribution/leads/{lead.pk}/allocate/", {"next": target})
    assert target.encode() not in window.content
    answer = client.post(f"/distribution/leads/{lead.pk}/allocate/?next={target}", {"user": dave.pk, "next": target})
    assert answer.status_code == 302
    assert answer.url == f"/leads/{lead.pk}/"


@time_machine.travel(OPEN, tick=False)
def test_allocating_from_the_pool_goes_back_to_the_pool(riverside, bob, dave, client_for):
    lead = make_lead(riverside, bulk=True)
    answer = client_for(bob).post(
        f"/distribution/leads/{lead.pk}/allocate/", {"user": dave.pk, "next": "/distribution/pool/?page=2"}
    )
    assert answer.url == "/distribution/pool/?page=2"
    with_htmx = client_for(bob).post(
        f"/distribution/leads/{lead.pk}/allocate/",
        {"user": dave.pk, "next": "https://evil.example/"},
        HTTP_HX_REQUEST="true",
    )
    assert with_htmx.status_code in (204, 422)
    assert "evil" not in with_htmx.get("HX-Redirect", "")
