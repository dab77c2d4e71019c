from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from followups import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.followup_list, name="followup-list"),
    path("leads/<int:lead_id>/", views.panel, name="followup-panel"),
    path("leads/<int:lead_id>/add/", views.add, name="followup-add"),
    path("leads/<int:lead_id>/<int:followup_id>/complete/", views.complete, name="followup-complete"),
    path("settings/<slug:slug>/", views.default_tasks, name="followup-defaults"),
]
