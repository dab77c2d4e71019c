from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from dealerships import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.settings_index, name="dealership-settings-index"),
    path("<slug:slug>/settings/", views.dealership_settings, name="dealership-settings"),
]
