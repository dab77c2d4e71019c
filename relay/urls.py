"""Routes of the email relay: an email's attachments, and the "Copy me" choice."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from relay import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("attachments/<str:token>", views.attachment, name="relay-attachment"),
    path("copy-me/", views.copy_me, name="relay-copy-me"),
]
