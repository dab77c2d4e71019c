from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import Membership
from api.tests.conftest import api_for  # noqa: F401 - the API client fixture, for chat sent through the API

SITE = "https://www.riverside-toyota.example"


class Widget:
    """Calls the chat endpoint as the widget does from a dealer's website: with that site's
    Origin, JSON bodies, the visitor's token once it has one, and no cookies or CSRF token."""

    def __init__(self, slug: str, origin: str = SITE, address: str = "203.0.113.7") -> None:
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)
        self.url = f"/chat/{slug}/messages"
        self.origin = origin
        self.token = ""

    def headers(self) -> dict[str, str]:
        headers = {"Origin": self.origin}
        if self.token:
            headers["X-Chat-Visitor"] = self.token
        return headers

    def post(self, body: Any = None, *, raw: str | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body)
        answer = self.client.post(self.url, data, content_type="application/json", headers=self.headers())
        if answer.status_code == 201 and answer.json().get("visitor"):
            self.token = answer.json()["visitor"]
        return answer

    def start(self, body: str = "Is the RAM 2500 still there?", **contact: str) -> Any:
        fields = {"name": "Jordan Sample", "phone": "(512) 555-0100"} | contact
        return self.post({"body": body, **fields})

    def poll(self, after: int | str = 0) -> Any:
        return self.client.get(self.url, {"after": after}, headers=self.headers())


@pytest.fixture
def chatting(riverside, carol):
    """Riverside Toyota has the chat on its website, and texts from its leads number; its new
    leads go to Carol (Bob, her manager, takes none)."""
    Membership.objects.filter(dealership=riverside).exclude(user=carol).update(receives_leads=False)
    riverside.chat_origins = [SITE]
    riverside.leads_phone = "+15125550199"
    riverside.save()
    return riverside


@pytest.fixture
def widget(chatting) -> Widget:
    return Widget(chatting.slug)
