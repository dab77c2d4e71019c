"""The Call button's route and my call settings."""

from __future__ import annotations

from django.urls import path

from calls import settings_views, views

urlpatterns = [
    path("leads/<int:lead_id>/call/", views.call_lead, name="lead-call"),
    path("calls/settings/", settings_views.call_settings, name="call-settings"),
]
