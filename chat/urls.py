"""The live chat's public routes: the script dealers paste, and its widget's endpoint."""

from __future__ import annotations

from django.urls import URLPattern, path

from chat import views

urlpatterns: list[URLPattern] = [
    path("<slug:slug>.js", views.script, name="chat-script"),
    path("<slug:slug>/messages", views.messages, name="chat-messages"),
    path("<slug:slug>/try/", views.try_chat, name="chat-try"),
]
