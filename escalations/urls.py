from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from escalations import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("leads/<int:lead_id>/sla/", views.lead_sla, name="lead-sla"),
    path("attention/", views.attention, name="needs-attention"),
]
