"""The Call button's route."""

from __future__ import annotations

from django.urls import path

from calls import views

urlpatterns = [
    path("leads/<int:lead_id>/call/", views.call_lead, name="lead-call"),
]
