"""Routes of Possible duplicates and merges; each answers 404 to a user who may not merge there."""

from __future__ import annotations

from django.urls import URLPattern, path

from customers import views

pair = "<int:dealership_id>/<int:first_id>-<int:second_id>/"

urlpatterns: list[URLPattern] = [
    path("duplicates/", views.duplicate_list, name="customer-duplicates"),
    path("duplicates/" + pair, views.compare, name="customer-compare"),
    path("duplicates/" + pair + "dismiss/", views.dismiss, name="customer-dismiss"),
    path("merges/<int:merge_id>/", views.merge_page, name="customer-merge"),
    path("merges/<int:merge_id>/undo/", views.undo, name="customer-merge-undo"),
]
