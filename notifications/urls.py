from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from notifications import push_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.notification_list, name="notification-list"),
    path("bell/", views.bell, name="notification-bell"),
    path("<int:notification_id>/open/", views.open_notification, name="notification-open"),
    path("read-all/", views.read_all, name="notification-read-all"),
    path("preferences/", views.preferences, name="notification-preferences"),
    path("devices/", push_views.subscribe, name="push-subscribe"),
    path("devices/<int:device_id>/remove/", push_views.remove, name="push-device-remove"),
    path("devices/test/", push_views.test_alert, name="push-test"),
]
