"""`/api/v1/leads`: list, read, create, timeline and logged contacts. Thin: access through
`leads.queries`, writes through actions, JSON through `api.serializers`."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, JsonResponse
from ninja import Path, Query, Router

from accounts.queries import dealerships_of
from api.access import caller, visible_lead
from api.actions import create_manual_lead
from api.errors import invalid, not_found
from api.schemas import ActivityOut, ContactIn, ErrorOut, LeadIn, LeadListQuery, LeadOut, LeadPage
from api.serializers import activity_to_dict, lead_to_dict, with_lead_details
from leads import actions
from leads.models import Lead
from leads.queries import lead_open_to, leads_visible_to
from leads.search import LeadFilters, apply_filters, older_than, page_of, place_of, read_place

router = Router(tags=["leads"])

ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LeadId = Path[int]


@router.get("/leads", response={200: LeadPage, **ERRORS}, summary="Leads the caller may see, newest first")
def list_leads(request: HttpRequest, filters: Query[LeadListQuery]) -> JsonResponse:
    user = caller(request)
    country = "US"
    if filters.dealership:
        dealership = dealerships_of(user).filter(slug=filters.dealership).first()
        if dealership is None:
            raise not_found(f"You work at no dealership '{filters.dealership}'.")
        country = dealership.country
    else:
        first = dealerships_of(user).order_by("pk").first()
        country = first.country if first else country
    leads = apply_filters(
        leads_visible_to(user),
        LeadFilters(
            q=filters.q or "",
            status=filters.status or "",
            source=filters.source or "",
            assigned_to=filters.assigned_to or "",
            department=filters.department or "",
            dealership=filters.dealership or "",
            has_search_vehicle=filters.has_search_vehicle,
        ),
        country=country,
    )
    if filters.cursor:
        leads = _after(leads, filters.cursor)
    # One more than asked tells whether there is a next page without counting the whole set.
    page = page_of(leads, 0, filters.limit + 1, details=with_lead_details)
    next_url = None
    if len(page) > filters.limit:
        page = page[: filters.limit]
        query = request.GET.copy()
        query["cursor"] = _cursor(page[-1])
        next_url = f"{settings.BASE_URL}{request.path}?{query.urlencode()}"
    return JsonResponse({"items": [lead_to_dict(lead) for lead in page], "next": next_url})


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="One lead")
def get_lead(request: HttpRequest, lead_id: LeadId) -> JsonResponse:
    # A lead offered to the caller and owned by nobody yet reads too (it is theirs to claim).
    if not 0 < lead_id < 2**63:
        raise not_found(f"No lead {lead_id}.")
    try:
        lead, _works_on_it = lead_open_to(caller(request), lead_id)
    except Lead.DoesNotExist:
        raise not_found(f"No lead {lead_id}.") from None
    return JsonResponse(lead_to_dict(with_lead_details(Lead.objects.filter(pk=lead.pk)).get()))


@router.get(
    "/leads/{lead_id}/activity",
    response={200: list[ActivityOut], **ERRORS},
    summary="The lead's timeline, oldest first",
)
def lead_activity(request: HttpRequest, lead_id: LeadId) -> JsonResponse:
    lead = visible_lead(request, lead_id)
    entries = lead.activities.select_related("actor").order_by("at", "id")
    return JsonResponse([activity_to_dict(a) for a in entries], safe=False)


@router.post("/leads", response={201: LeadOut, **ERRORS}, summary="Enter a lead by hand")
def create_lead(request: HttpRequest, payload: LeadIn) -> JsonResponse:
    user = caller(request)
    dealership = dealerships_of(user).filter(slug=payload.dealership).select_related("organization").first()
    if dealership is None:
        raise not_found(f"You work at no dealership '{payload.dealership}'.")
    lead = create_manual_lead(dealership=dealership, data=payload, actor=user)
    return JsonResponse(lead_to_dict(with_lead_details(Lead.objects.filter(pk=lead.pk)).get()), status=201)


@router.post(
    "/leads/{lead_id}/contacts",
    response={201: ActivityOut, **ERRORS},
    summary="Log a call, email, text or visit made outside Forecourt",
)
def log_contact(request: HttpRequest, lead_id: LeadId, payload: ContactIn) -> JsonResponse:
    lead = visible_lead(request, lead_id)
    entry = actions.log_contact(lead=lead, kind=payload.kind, note=payload.note, actor=caller(request))
    return JsonResponse(activity_to_dict(entry), status=201)


# Pagination ----------------------------------------------------------------------------------
# A cursor is the last lead's place in the list (`leads.search.place_of`).


def _cursor(lead: Lead) -> str:
    return place_of(lead)


def _after(leads: QuerySet[Lead], cursor: str) -> QuerySet[Lead]:
    try:
        return older_than(leads, read_place(cursor))
    except ValueError:
        raise invalid("cursor", "This is not a cursor from a `next` link; start again without it.") from None
