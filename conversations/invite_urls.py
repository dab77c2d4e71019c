"""Routes of Invite customer, the customer simulator and the alert email's reply."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from conversations import invite_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("invite/", views.invite, name="conversation-invite"),
    path("simulator/", views.customer_simulator, name="customer-simulator"),
    path("simulator/thread/", views.simulator_thread, name="customer-simulator-thread"),
    path("reply/<str:token>/", views.alert_reply, name="alert-reply"),
]
