"""Routes of distribution: claiming, the pool, the allocate window, allocation links, settings."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from distribution.views import leads, links, settings

urlpatterns: list[URLPattern | URLResolver] = [
    path("pool/", leads.pool, name="distribution-pool"),
    path("leads/<int:lead_id>/claim/", leads.claim, name="lead-claim"),
    path("leads/<int:lead_id>/allocate/", leads.allocate, name="lead-allocate"),
    path("leads/<int:lead_id>/allocate/users/", leads.allocate_users, name="lead-allocate-users"),
    path("links/<str:token>/", links.allocation_link, name="distribution-link"),
    path("<slug:slug>/", settings.distribution_settings, name="distribution-settings"),
    path("<slug:slug>/yaml/", settings.distribution_yaml, name="distribution-yaml"),
]
