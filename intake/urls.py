from __future__ import annotations

from django.urls import path

from intake import forwarding_views, views

urlpatterns = [
    path("", views.inbound_list, name="intake-list"),
    path("<int:inbound_id>/", views.inbound_detail, name="intake-detail"),
    path("<int:inbound_id>/raw/", views.inbound_raw, name="intake-raw"),
    path("<int:inbound_id>/retry/", views.inbound_retry, name="intake-retry"),
    path("rules/", views.rule_list, name="intake-rules"),
    path("rules/<int:rule_id>/", views.rule_edit, name="intake-rule-edit"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="intake-rule-delete"),
    path("import/", views.csv_upload, name="intake-import"),
    path("settings/<slug:slug>/", views.intake_settings, name="intake-settings"),
    path("forwarding/<slug:slug>/", forwarding_views.forwarding_settings, name="intake-forwarding"),
]
