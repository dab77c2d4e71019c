"""Worksheet routes: the staff screens under a lead, and the customer's quote at /q/<token>."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from worksheets import views

lead = "leads/<int:lead_id>/worksheets/"

urlpatterns: list[URLPattern | URLResolver] = [
    path(lead + "new/", views.worksheet_new, name="worksheet-new"),
    path(lead + "<int:worksheet_id>/", views.worksheet_page, name="worksheet"),
    path(lead + "<int:worksheet_id>/trades/<int:trade_id>/", views.trade_figures, name="worksheet-trade"),
    path(lead + "<int:worksheet_id>/send/", views.send_quote, name="worksheet-send"),
    path(lead + "<int:worksheet_id>/sold/", views.mark_sold, name="worksheet-sold"),
    path(lead + "<int:worksheet_id>/quote.pdf", views.worksheet_pdf, name="worksheet-pdf"),
    path("q/<str:token>.pdf", views.customer_quote_pdf, name="worksheet-quote-pdf"),
    path("q/<str:token>", views.customer_quote, name="worksheet-quote"),
]
