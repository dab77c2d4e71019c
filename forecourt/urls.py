from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("leads.urls")),
    path("accounts/", include("accounts.urls")),
    path("dealerships/", include("dealerships.urls")),
    path("api/v1/", include("api.urls")),
]
