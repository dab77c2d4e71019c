from __future__ import annotations

from django.urls import include, path

from conversations.media import message_media
from intake import manual
from notifications import push_views

urlpatterns = [
    # At the root so that the service worker's scope is the whole site (web push, home screen).
    path("sw.js", push_views.service_worker, name="service-worker"),
    path("manifest.webmanifest", push_views.manifest, name="web-manifest"),
    # The new-lead screen is a door for new leads (intake.door), so it lives in intake, under leads/.
    path("leads/new/", manual.lead_new, name="lead-new"),
    path("leads/new/customers/", manual.new_lead_customer_search, name="lead-new-customer-search"),
    path("leads/new/licence/", manual.scan_licence, name="lead-new-licence"),
    path("", include("leads.urls")),
    path("", include("worksheets.urls")),
    path("accounts/", include("accounts.urls")),
    path("dealerships/", include("dealerships.urls")),
    path("api/v1/", include("api.urls")),
    path("intake/", include("intake.urls")),
    path("inventory/", include("inventory.urls")),
    path("escalations/", include("escalations.urls")),
    path("followups/", include("followups.urls")),
    path("notifications/", include("notifications.urls")),
    path("distribution/", include("distribution.urls")),
    path("reports/", include("reports.urls")),
    path("customers/", include("customers.urls")),  # possible duplicates, merges and their undo
    # The conversation panel of the lead page, texted photos (/m/<token>) and the text templates screen.
    path("", include("conversations.urls")),
    path("conversations/", include("conversations.invite_urls")),
    path("hooks/", include("conversations.webhook_urls")),
    path("hooks/", include("messenger.urls")),
    path("hooks/", include("calls.webhook_urls")),
    path("", include("calls.urls")),
    path("relay/", include("relay.urls")),
    path("messages/media/<str:token>", message_media, name="message-media"),
    path("chat/", include("chat.urls")),  # the live-chat script for dealers' websites and its widget's endpoint
    # Booking appointments, the calendar screens and each person's .ics feed.
    path("", include("appointments.urls")),
]
