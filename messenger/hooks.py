"""Meta's webhook for Messenger (CONTRACT §5): `GET /hooks/messenger` answers Meta's subscription
check, `POST /hooks/messenger` takes page events.

A POST is checked first: a body too long to be Meta's is refused (413) before it is read, and a
bad or missing `X-Hub-Signature-256` gets 403 with nothing stored. A signed request is then kept as
it came (`conversations.models.WebhookCall`, kind "messenger", the raw body), answered at once,
and worked on by the worker (`messenger.events`), where each message is taken once by its `mid`.

Answers to a signed request: 200 when it was taken; 400 for a body that is not JSON or not a page
event (kept, failed, with the reason); 200 for events of a page no dealership has connected,
kept with that reason (Meta retries any other answer for hours, then turns the webhook off).
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from conversations.channels import transport
from conversations.models import WebhookCall
from conversations.webhook_calls import store_call
from dealerships.models import Dealership
from messenger import payload

# Meta batches up to 1,000 events in one request; each is well under a kilobyte.
MAX_BODY_BYTES = 1024 * 1024


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def messenger_hook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verification(request)
    return _events(request)


def _verification(request: HttpRequest) -> HttpResponse:
    """Meta's check when the webhook is subscribed: the challenge echoed for our verify token."""
    token, expected = request.GET.get("hub.verify_token", ""), settings.MESSENGER_VERIFY_TOKEN
    if request.GET.get("hub.mode") != "subscribe":
        return _plain(400, "Only hub.mode=subscribe is answered here.")
    if not (expected and token and hmac.compare_digest(token.encode(), expected.encode())):
        return _plain(403, "hub.verify_token is not MESSENGER_VERIFY_TOKEN.")
    return _plain(200, request.GET.get("hub.challenge", ""))


def _events(request: HttpRequest) -> HttpResponse:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        return _plain(413, f"A webhook body is at most {MAX_BODY_BYTES // 1024} KB.")
    if not transport("messenger").verify(request):
        return _plain(403, "The request is not signed with the app secret (X-Hub-Signature-256).")
    raw = request.body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    kind, path = WebhookCall.Kind.MESSENGER, request.path

    def keep(status: str = WebhookCall.Status.RECEIVED, reason: str = "", mid: str = "") -> WebhookCall:
        return store_call(
            kind=kind, path=path, form={}, body=raw, provider="messenger", provider_id=mid, status=status, reason=reason
        )

    try:
        data = payload.load(request.body)
        found = payload.events(data)
    except ValueError as exc:
        keep(WebhookCall.Status.FAILED, str(exc))
        return _plain(400, str(exc))
    first_mid = next((e.mid for e in found if e.mid), "")
    pages = payload.page_ids(data)
    known = set(Dealership.objects.filter(messenger_page_id__in=pages).values_list("messenger_page_id", flat=True))
    if not known:
        reason = (
            f"No dealership has connected the Facebook page {', '.join(pages) or '(none named)'}. "
            "Answered 200 so that Meta does not send it again."
        )
        keep(WebhookCall.Status.IGNORED, reason, first_mid)
        return _plain(200, "EVENT_RECEIVED")
    keep(mid=first_mid)
    return _plain(200, "EVENT_RECEIVED")
