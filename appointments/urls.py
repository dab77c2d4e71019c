"""Routes of appointments and the calendar."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from appointments import calendar_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("leads/<int:lead_id>/appointments/new/", views.book, name="appointment-book"),
    path("leads/<int:lead_id>/quick/<str:channel>/", views.quick_message, name="lead-quick-message"),
    path("appointments/<int:appointment_id>/outcome/", views.mark, name="appointment-mark"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/<slug:slug>/new/", views.new_event, name="appointment-new-event"),
    path("calendar/feed/", calendar_views.feed_page, name="calendar-feed-page"),
    path("calendar/feed/renew/", calendar_views.renew_feed, name="calendar-feed-renew"),
    path("calendar/feed/<str:token>.ics", calendar_views.feed, name="calendar-feed"),
]
