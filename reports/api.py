"""`GET /api/v1/reports/speed-to-lead` (CONTRACT §4): the figures of the Reports screen, as JSON."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field

from api.access import caller
from api.errors import invalid, not_found
from api.schemas import ErrorOut
from reports.period import parse_period
from reports.queries import GROUPINGS, UnknownDealership, report_dealerships, report_leads, report_reads
from reports.summed import speed_figures

router = Router(tags=["reports"])

ERRORS: dict[int, type[ErrorOut]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SpeedQuery(Schema):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    dealership: str | None = Field(None, max_length=50, description="A dealership's slug; all of yours when absent.")
    from_: str | None = Field(None, alias="from", description="First day, YYYY-MM-DD, in the dealership's time zone.")
    to: str | None = Field(None, description="Last day (included), YYYY-MM-DD.")
    by: str = Field("salesperson", description="salesperson | source | dealership | department")


class SpeedRowOut(Schema):
    key: str | None = Field(description="The salesperson's email (null: unassigned), source name, slug or department.")
    label: str
    leads: int
    answered: int
    median_working_minutes: float | None
    p90_working_minutes: float | None
    median_clock_minutes: float | None
    within_5: int = Field(description="Leads answered within 5 working minutes.")
    within_30: int = Field(description="Leads answered within 30 working minutes.")
    never: int = Field(description="Leads with no human reply (yet).")
    waiting: int = Field(description="Of those, leads still open.")
    channels: dict[str, int] = Field(
        description="How the first replies went: sms, call, email, messenger, chat, contact."
    )


class SpeedOut(Schema):
    rows: list[SpeedRowOut]


@router.get(
    "/reports/speed-to-lead",
    response={200: SpeedOut, **ERRORS},
    summary="First human reply in working minutes, per salesperson, source, dealership or department",
)
def speed_to_lead_report(request: HttpRequest, query: Query[SpeedQuery]) -> JsonResponse:
    user = caller(request)
    if query.by not in GROUPINGS:
        raise invalid("by", f'"{query.by}" is not one of {", ".join(GROUPINGS)}')
    try:
        period = parse_period(query.from_, query.to)
    except ValueError as error:
        field, _, message = str(error).partition(": ")
        raise invalid(field if field in ("from", "to") else "to", message or str(error)) from None
    try:
        dealerships = report_dealerships(user, query.dealership)
    except UnknownDealership as error:
        raise not_found(str(error)) from None
    with report_reads():
        rows, _ = speed_figures(report_leads(user, dealerships, period), dealerships, query.by)
    return JsonResponse({"rows": [row.as_json() for row in rows]})
