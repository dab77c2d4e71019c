from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from notifications import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.notification_list, name="notification-list"),
    path("bell/", views.bell, name="notification-bell"),
    path("<int:notification_id>/open/", views.open_notification, name="notification-open"),
    path("read-all/", views.read_all, name="notification-read-all"),
    path("preferences/", views.preferences, name="notification-preferences"),
]
