from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("leads.urls")),
    path("accounts/", include("accounts.urls")),
    path("dealerships/", include("dealerships.urls")),
    path("api/v1/", include("api.urls")),
    path("intake/", include("intake.urls")),
    path("escalations/", include("escalations.urls")),
    path("followups/", include("followups.urls")),
    path("notifications/", include("notifications.urls")),
    path("distribution/", include("distribution.urls")),
]
