"""Twilio's voice webhooks (CONTRACT §5): a customer's call to the dealership, the click-to-call
bridge, and call status callbacks.

Each request is checked first: a bad or missing signature (`X-Twilio-Signature`, checked with the
`twilio` library's RequestValidator against FORECOURT_BASE_URL + the path) gets 403 and nothing is
stored or changed. A signed request is kept as it came (CallEvent) before anything reads it, then
answered with TwiML. A token that names no call (unknown, or a bridge step already taken) gets 404
and changes nothing but the kept request.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls import voice
from calls.bridge import UnknownCall, bridge_step, outbound_status
from calls.inbound import answer_call, dial_ended
from calls.models import Call, CallEvent
from conversations.inbound import UnknownNumber
from conversations.webhooks import _refusal


def _twiml(twiml: str) -> HttpResponse:
    return HttpResponse(twiml, content_type="text/xml; charset=utf-8")


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _keep(request: HttpRequest) -> CallEvent:
    """The request as it came, before anything reads it."""
    return CallEvent.objects.create(path=request.get_full_path()[:200], form=dict(request.POST.lists()))


def _done(event: CallEvent, call: Call | None, result: str) -> None:
    CallEvent.objects.filter(pk=event.pk).update(call=call, result=result[:2000])


def _signed(request: HttpRequest) -> HttpResponse | None:
    """403 for a bad or missing signature, 413 for a body no webhook has (as for texts); None to go on."""
    return _refusal(request)


@csrf_exempt
@login_not_required
@require_POST
def voice_inbound(request: HttpRequest) -> HttpResponse:
    """A call to the dealership's leads number: TwiML that rings whoever should take it."""
    if (refused := _signed(request)) is not None:
        return refused
    event = _keep(request)
    form = request.POST.dict()
    if not form.get("CallSid") or not form.get("To"):
        _done(event, None, "A call needs CallSid and To.")
        return _plain(400, "A call needs CallSid and To.")
    try:
        call, twiml = answer_call(form)
    except UnknownNumber as exc:
        _done(event, None, f"{exc} Hung up.")
        return _twiml(voice.hang_up())
    _done(event, call, f"ringing {call.route[call.tried - 1]}" if call.tried else "missed: nobody to ring")
    return _twiml(twiml)


@csrf_exempt
@login_not_required
@require_POST
def voice_bridge(request: HttpRequest, token: str) -> HttpResponse:
    """Click-to-call: the prompt when the salesperson answers, the customer's dial on a key press."""
    if (refused := _signed(request)) is not None:
        return refused
    event = _keep(request)
    try:
        with transaction.atomic():
            call, twiml, result = bridge_step(token, request.POST.dict())
    except UnknownCall as exc:
        _done(event, None, str(exc))
        return _plain(404, str(exc))
    _done(event, call, result)
    return _twiml(twiml)


@csrf_exempt
@login_not_required
@require_POST
def voice_status(request: HttpRequest, token: str) -> HttpResponse:
    """A call's status: a leg rang, was answered or ended (its length goes to the lead's timeline);
    for a call to the dealership, the end of one ring, answered with the next step."""
    if (refused := _signed(request)) is not None:
        return refused
    event = _keep(request)
    call = Call.objects.select_related("dealership", "lead__customer", "user").filter(status_token=token).first()
    if call is None:
        _done(event, None, "No call has this status URL.")
        return _plain(404, "No call has this status URL.")
    if request.GET.get("announce"):
        _done(event, call, "recording announced to the customer")
        return _twiml(voice.announcement())
    form = request.POST.dict()
    if call.direction == Call.Direction.IN and "DialCallStatus" in form:
        twiml, result = dial_ended(call, form)
        _done(event, call, result)
        return _twiml(twiml)
    if call.direction == Call.Direction.IN:
        if form.get("RecordingUrl"):
            Call.objects.filter(pk=call.pk).update(recording_url=form["RecordingUrl"][:500])
        _done(event, call, "recording kept" if form.get("RecordingUrl") else "nothing to do")
        return _twiml(voice.nothing())
    with transaction.atomic():
        result = outbound_status(call, form)
    _done(event, call, result)
    return _twiml(voice.nothing())
