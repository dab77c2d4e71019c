"""Routes of the lead screens. Every route under leads/<lead_id>/ answers 404 for a lead the user may not see."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from leads.views import dashboard, detail, listing

lead = "leads/<int:lead_id>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", dashboard.dashboard, name="dashboard"),
    path("leads/", listing.lead_list, name="lead-list"),
    path(lead, detail.lead_detail, name="lead-detail"),
    path(lead + "details/", detail.edit_details, name="lead-details"),
    path(lead + "status/", detail.change_status, name="lead-status"),
    path(lead + "customer/", detail.edit_customer, {"which": "customer"}, name="lead-customer"),
    path(lead + "co-customer/", detail.edit_customer, {"which": "co_customer"}, name="lead-co-customer"),
    path(lead + "co-customer/add/", detail.add_co_customer, name="lead-co-customer-add"),
    path(lead + "co-customer/search/", detail.co_customer_search, name="lead-co-customer-search"),
    path(lead + "co-customer/swap/", detail.swap_customers, name="lead-co-customer-swap"),
    path(lead + "co-customer/remove/", detail.remove_co_customer, name="lead-co-customer-remove"),
    path(lead + "vehicles/stock/", detail.stock_search, name="lead-stock-search"),
    path(lead + "vehicles/add-stock/", detail.add_stock_vehicle, name="lead-vehicle-add-stock"),
    path(lead + "vehicles/add-search/", detail.add_search_vehicle, name="lead-vehicle-add-search"),
    path(lead + "vehicles/<int:vehicle_id>/preferred/", detail.prefer_vehicle, name="lead-vehicle-preferred"),
    path(lead + "vehicles/<int:vehicle_id>/remove/", detail.remove_vehicle, name="lead-vehicle-remove"),
    path(lead + "trades/add/", detail.add_trade, name="lead-trade-add"),
    path(lead + "trades/<int:trade_id>/remove/", detail.remove_trade, name="lead-trade-remove"),
    path(lead + "collaborators/add/", detail.add_collaborator, name="lead-collaborator-add"),
    path(lead + "collaborators/<int:user_id>/remove/", detail.remove_collaborator, name="lead-collaborator-remove"),
    path(lead + "contacts/", detail.log_contact, name="lead-contact"),
    path(lead + "notes/", detail.add_note, name="lead-note"),
]
