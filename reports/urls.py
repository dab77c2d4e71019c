from __future__ import annotations

from django.urls import URLPattern, path

from reports import views

urlpatterns: list[URLPattern] = [
    path("", views.reports_page, name="reports"),
    path("leads/", views.figure_list, name="report-figure"),
    path("weekly-summary/", views.weekly_summary, name="report-weekly-summary"),
    path("<slug:table>.csv", views.report_csv, name="report-csv"),
]
