"""`GET`/`POST /api/v1/leads/{id}/messages` and `POST /api/v1/conversations` (CONTRACT §4).

Thin, as the lead routes are: who may see a lead through `leads.queries` (404, never 403, for a
lead the caller may not see), every write through `conversations.actions`, JSON from
`message_to_dict` here. A message that must not go (`CannotSend`: opted out, no number to text)
is 409 with the reason's code; a channel Forecourt cannot use yet is 422 on `channel`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Path, Router, Schema
from pydantic import AfterValidator, Field

from accounts.models import User
from accounts.queries import dealerships_of
from api.access import caller, visible_lead
from api.errors import ApiError, invalid, not_found
from api.schemas import ErrorOut, Input, LeadOut
from api.serializers import iso, lead_to_dict, with_lead_details
from calls.api import CallEntryOut, call_to_dict
from calls.queries import calls_of
from conversations import actions
from conversations.channels import CannotSend
from conversations.models import Message, MessageTemplate
from conversations.templates import TemplateError, render_template
from forecourt.lib.phone import to_e164
from leads.models import Lead

router = Router(tags=["conversations"])

ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
MAX_MEDIA = 10


def _web_address(value: str) -> str:
    # The provider fetches each photo itself: only an address it can fetch makes sense.
    if not value.lower().startswith(("https://", "http://")) or " " in value:
        raise ValueError(f"{value!r} is not a web address (http:// or https://).")
    return value


MediaUrl = Annotated[str, Field(max_length=2000), AfterValidator(_web_address)]


# Requests and answers -----------------------------------------------------------------------


class MessageIn(Input):
    channel: Literal["sms", "email", "messenger", "chat"] = Field(
        description='How it goes: "sms" (a text from the dealership\'s number), "email" (from the lead\'s reply '
        'address), "messenger" (from its Facebook page, within 24 hours of the customer\'s last message there) '
        'or "chat" (to a customer who chatted on the dealership\'s website).'
    )
    body: str = Field("", max_length=1600, description="The text; may be empty with `media` or a `template`.")
    subject: str = Field("", max_length=300, description="Email only.")
    template: int | None = Field(
        None, ge=1, description="A message template of the dealership, filled in for the lead."
    )
    media: list[MediaUrl] = Field(default_factory=list, max_length=MAX_MEDIA, description="Photo URLs (MMS).")


class InviteIn(Input):
    dealership: str = Field(min_length=1, max_length=60, description="The dealership's slug.")
    phone: str = Field(
        min_length=1, max_length=64, description="Any format; the dealership's country reads local numbers."
    )
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    body: str = Field(min_length=1, max_length=1600, description="The first text the customer gets.")


class MessageOut(Schema):
    id: int
    at: str = Field(description="When it was written or received: ISO 8601 with offset.")
    channel: str
    direction: Literal["in", "out"]
    body: str
    media: list[str]
    status: Literal["received", "queued", "sent", "delivered", "failed", "undelivered", "held"]
    error: str | None = Field(description="Why it failed, in the provider's words; null otherwise.")
    from_: str = Field(alias="from")
    to: str
    automated: bool
    sent_by: str | None = Field(description="The email of the person who sent it; null for the customer or Forecourt.")


class InviteOut(Schema):
    lead: LeadOut
    message: MessageOut


def message_to_dict(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "at": iso(message.created_at),
        "channel": message.channel,
        "direction": message.direction,
        "body": message.body,
        "media": list(message.media or []),
        "status": message.status,
        "error": message.last_error or None,
        "from": message.from_address,
        "to": message.to_address,
        "automated": message.automated,
        "sent_by": message.sent_by.email if message.sent_by else None,
    }


# Routes -------------------------------------------------------------------------------------


def _refused(exc: CannotSend) -> ApiError:
    return ApiError(409, exc.code, str(exc))


@router.get(
    "/leads/{lead_id}/messages",
    response={200: list[MessageOut | CallEntryOut], **ERRORS},
    by_alias=True,
    summary="The lead's conversation, oldest first",
)
def list_messages(request: HttpRequest, lead_id: Path[int]) -> JsonResponse:
    lead = visible_lead(request, lead_id)
    messages = Message.objects.filter(conversation__lead=lead).select_related("sent_by").order_by("created_at", "id")
    # Calls are part of the thread (channel "call"), in time order with the messages.
    entries = [(m.created_at, 0, m.pk, message_to_dict(m)) for m in messages]
    entries += [(c.created_at, 1, c.pk, call_to_dict(c)) for c in calls_of(lead)]
    return JsonResponse([entry for *_, entry in sorted(entries, key=lambda e: e[:3])], safe=False)


@router.post(
    "/leads/{lead_id}/messages",
    response={202: MessageOut, **ERRORS},
    by_alias=True,
    summary="Send the customer a message; 409 with the reason's code when it must not go (opted_out, no_address)",
)
def send_message(request: HttpRequest, lead_id: Path[int], payload: MessageIn) -> JsonResponse:
    lead = visible_lead(request, lead_id)
    body = payload.body
    if payload.template is not None:
        if body:
            raise invalid("template", "Give either a `body` or a `template`, not both.")
        body = _rendered_template(lead, payload.template, caller(request))
    if not body.strip() and not payload.media:
        raise invalid("body", "Write a message, attach a photo or choose a template.")
    try:
        message = actions.send_message(
            lead=lead,
            channel=payload.channel,
            body=body,
            subject=payload.subject,
            media=payload.media,
            actor=caller(request),
        )
    except CannotSend as exc:
        raise _refused(exc) from None
    except ValueError as exc:
        raise ApiError(422, "invalid", str(exc)) from None
    return JsonResponse(message_to_dict(message), status=202)


def _rendered_template(lead: Lead, template_id: int, actor: User) -> str:
    """The dealership's template `template_id` filled in for `lead`, sent by `actor`; 422 on
    `template` when there is no such template there or a field has no value for this lead."""
    template = MessageTemplate.objects.filter(pk=template_id, dealership_id=lead.dealership_id).first()
    if template is None:
        raise invalid("template", f"{lead.dealership.name} has no message template {template_id}.")
    try:
        return render_template(template.body, lead, actor)
    except TemplateError as exc:
        raise invalid("template", f"{template.name}: {exc}") from None


@router.post(
    "/conversations",
    response={201: InviteOut, **ERRORS},
    by_alias=True,
    summary="Invite customer: text any number, on the customer's open lead or a new one (source Text)",
)
def invite_customer(request: HttpRequest, payload: InviteIn) -> JsonResponse:
    user = caller(request)
    dealership = dealerships_of(user).filter(slug=payload.dealership).select_related("organization").first()
    if dealership is None:
        raise not_found(f"You work at no dealership '{payload.dealership}'.")
    if to_e164(payload.phone, dealership.country) is None:
        raise invalid("phone", f"{payload.phone!r} is not a phone number {dealership.name} can text.")
    try:
        lead, message = actions.invite_customer(
            dealership=dealership,
            phone=payload.phone,
            body=payload.body,
            first_name=payload.first_name,
            last_name=payload.last_name,
            actor=user,
        )
    except CannotSend as exc:
        raise _refused(exc) from None
    except ValueError as exc:
        raise ApiError(422, "invalid", str(exc)) from None
    lead_json = lead_to_dict(with_lead_details(Lead.objects.filter(pk=lead.pk)).get())
    return JsonResponse({"lead": lead_json, "message": message_to_dict(message)}, status=201)
