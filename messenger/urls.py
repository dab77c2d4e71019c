"""Meta's webhook for Messenger, under /hooks/ (CONTRACT §5)."""

from __future__ import annotations

from django.urls import path

from messenger import hooks

urlpatterns = [
    path("messenger", hooks.messenger_hook, name="hook-messenger"),
]
