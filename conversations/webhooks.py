"""Twilio's webhooks (CONTRACT §5): inbound texts and delivery statuses.

Each request is checked first: a body too long to be Twilio's is refused (413) before it is read,
and a bad or missing signature (`X-Twilio-Signature`, checked by the channel's `verify` against
FORECOURT_BASE_URL + the path) gets 403 with nothing stored. A signed request is then stored as it
came, answered at once, and worked on after (conversations.webhook_calls).

Answers: empty TwiML (`<Response/>`, built by the twilio library) when the request was taken;
400 when a field Twilio always sends is missing (the request is kept, failed, with the reason);
and 200 for a text to a number no dealership texts from, kept with that reason, so that Twilio
does not retry it for ever.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from conversations.channels import transport
from conversations.inbound import UnknownNumber, dealership_texted_at
from conversations.models import WebhookCall
from conversations.webhook_calls import process_call, store_call

# A Twilio webhook is a few kilobytes (a text is at most 1,600 characters); nothing near this.
MAX_BODY_BYTES = 256 * 1024


def _twiml() -> HttpResponse:
    return HttpResponse(str(MessagingResponse()), content_type="text/xml; charset=utf-8")


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """413 for a body longer than any webhook (known from its length, before reading it), 403 for
    a bad or missing signature; None for a request to take."""
    limit = min(MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_BODY_BYTES)
    length = request.META.get("CONTENT_LENGTH") or "0"
    # A form over DATA_UPLOAD_MAX_MEMORY_SIZE was refused (413) before it reached here, unread
    # (forecourt.nul_bytes reads every form first); this is for a body that is not a form.
    if length.isdigit() and int(length) > limit:
        return _plain(413, f"A webhook body is at most {limit // 1024} KB.")
    if not transport("sms").verify(request):
        return _plain(403, "The request is not signed by the provider (X-Twilio-Signature).")
    return None


def _missing(request: HttpRequest, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if not request.POST.get(name, "").strip()]


@csrf_exempt
@login_not_required
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """A text or MMS from a customer: kept, answered with empty TwiML, worked on by the worker."""
    if (refused := _refusal(request)) is not None:
        return refused
    form, sid = request.POST.lists(), request.POST.get("MessageSid", "")
    kind, path = WebhookCall.Kind.TEXT, request.path
    if missing := _missing(request, ("MessageSid", "From", "To")):
        reason = f"A text needs MessageSid, From and To; this one has no {' or '.join(missing)}."
        store_call(
            kind=kind, path=path, form=dict(form), provider_id=sid, status=WebhookCall.Status.FAILED, reason=reason
        )
        return _plain(400, reason)
    try:
        dealership_texted_at(request.POST["To"])
    except UnknownNumber as exc:
        reason = f"{exc} Answered 200 so that Twilio does not send it again."
        store_call(
            kind=kind, path=path, form=dict(form), provider_id=sid, status=WebhookCall.Status.IGNORED, reason=reason
        )
        return _twiml()
    store_call(kind=kind, path=path, form=dict(form), provider_id=sid)
    return _twiml()


@csrf_exempt
@login_not_required
@require_POST
def twilio_sms_status(request: HttpRequest) -> HttpResponse:
    """A delivery status of a text Forecourt sent: kept, then applied at once (one small update)."""
    if (refused := _refusal(request)) is not None:
        return refused
    form, sid = request.POST.lists(), request.POST.get("MessageSid", "")
    kind, path = WebhookCall.Kind.STATUS, request.path
    if missing := _missing(request, ("MessageSid", "MessageStatus")):
        reason = f"A delivery status needs MessageSid and MessageStatus; this one has no {' or '.join(missing)}."
        store_call(
            kind=kind, path=path, form=dict(form), provider_id=sid, status=WebhookCall.Status.FAILED, reason=reason
        )
        return _plain(400, reason)
    call = store_call(kind=kind, path=path, form=dict(form), provider_id=sid)
    process_call(call.pk)  # the worker's sweep takes it over should this fail
    return _twiml()
