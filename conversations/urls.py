"""Routes of the conversation panel, the texted photos and the templates screen."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from conversations import template_views, views

lead = "leads/<int:lead_id>/conversation/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(lead, views.thread, name="conversation-thread"),
    path(lead + "draft/", views.composer_draft, name="conversation-draft"),
    path(lead + "send/", views.send, name="conversation-send"),
    path("m/<str:token>", views.photo, name="photo"),
    path("dealerships/<slug:slug>/text-templates/", template_views.template_list, name="message-templates"),
    path("dealerships/<slug:slug>/text-templates/new/", template_views.template_edit, name="message-template-new"),
    path(
        "dealerships/<slug:slug>/text-templates/<int:template_id>/",
        template_views.template_edit,
        name="message-template-edit",
    ),
    path(
        "dealerships/<slug:slug>/text-templates/<int:template_id>/delete/",
        template_views.template_delete,
        name="message-template-delete",
    ),
]
