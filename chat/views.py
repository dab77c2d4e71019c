"""The live chat's public side: the script a dealer pastes into their website, and the two JSON
endpoints its widget calls (CONTRACT §5; docs/conversations.md, "Live chat").

`GET /chat/<slug>.js` is the script. `POST /chat/<slug>/messages` posts a visitor's message and
`GET /chat/<slug>/messages?after=<id>` fetches what is new. The endpoints answer only the
websites the dealership lists (`chat.origins`): a request whose `Origin` is not one of them is
refused (403) without CORS headers, so the browser hands nothing to the page. They need no login
and no CSRF token (no cookie is ever used); a visitor is their token (`X-Chat-Visitor`), issued
with their first message, so one visitor cannot read or write another's chat.

Every post within the rate limits is kept as it came (`ChatPost`) before it is read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt

from accounts.models import User
from accounts.queries import dealerships_administered_by
from accounts.throttle import client_address
from chat import actions, limits
from chat.models import ChatPost
from dealerships.models import Dealership

# A message is at most 2,000 characters; a post is never near this. Longer ones are not read.
MAX_POST_BYTES = 16 * 1024
TOKEN_HEADER = "X-Chat-Visitor"
WIDGET = Path(__file__).resolve().parent / "widget.js"


def _error(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, **extra}}, status=status)


def own_origin(request: HttpRequest) -> str:
    """Forecourt's own website as browsers name it in `Origin`: its "try the chat" page works there."""
    return f"{request.scheme}://{request.get_host()}"


def _allowed(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Expose-Headers"] = "Retry-After"
    response["Vary"] = "Origin"
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
def script(request: HttpRequest, slug: str) -> HttpResponse:
    """The widget's script for one dealership, with its name and websites written in."""
    dealership = Dealership.objects.filter(slug=slug).only("slug", "name", "chat_origins").first()
    if dealership is None:
        return HttpResponse(
            f"/* Forecourt: no dealership {slug!r}; check the address you pasted. */\n",
            status=404,
            content_type="text/javascript; charset=utf-8",
        )
    config = {
        "base": settings.BASE_URL,
        "slug": dealership.slug,
        "name": dealership.name,
        "origins": [*(dealership.chat_origins or []), own_origin(request)],
    }
    # "</" never appears in JSON written this way, so the config cannot end a <script> early.
    text = f"/* Forecourt live chat for {dealership.name} */\nwindow.forecourtChat = {json.dumps(config).replace('</', '<\\/')};\n"
    response = HttpResponse(text + WIDGET.read_text(), content_type="text/javascript; charset=utf-8")
    # Websites fetch it on every page view: cached briefly, so a change of settings shows within minutes.
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csrf_exempt
@login_not_required
def messages(request: HttpRequest, slug: str) -> HttpResponse:
    dealership = Dealership.objects.select_related("organization").filter(slug=slug).first()
    origin = request.headers.get("Origin", "")
    if dealership is None:
        return _error(404, "not_found", f"No dealership {slug!r}.")
    if not origin or origin not in [*(dealership.chat_origins or []), own_origin(request)]:
        return _error(403, "origin_refused", f"{dealership.name}'s chat does not work on {origin or 'this page'}.")
    if request.method == "OPTIONS":
        answer = _allowed(HttpResponse(status=204), origin)
        answer["Access-Control-Allow-Methods"] = "GET, POST"
        answer["Access-Control-Allow-Headers"] = f"Content-Type, {TOKEN_HEADER}"
        answer["Access-Control-Max-Age"] = "600"
        return answer
    if request.method == "GET":
        return _allowed(_poll(request, dealership), origin)
    if request.method == "POST":
        return _allowed(_post(request, dealership, origin), origin)
    return _allowed(_error(405, "method_not_allowed", "Use GET or POST."), origin)


def _poll(request: HttpRequest, dealership: Dealership) -> JsonResponse:
    visitor = actions.visitor_for(dealership, request.headers.get(TOKEN_HEADER, ""))
    if visitor is None:
        return _error(403, "unknown_visitor", "This chat is not known here; please start a new one.")
    after = request.GET.get("after", "0") or "0"
    if not after.isdigit() or len(after) > 18:
        return _error(400, "bad_after", "`after` is the id of the last message you have (a whole number).")
    thread = actions.visitor_thread(visitor, after=int(after))
    return JsonResponse({"messages": [actions.for_widget(m, dealership) for m in thread]})


def _post(request: HttpRequest, dealership: Dealership, origin: str) -> JsonResponse:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_POST_BYTES:
        return _error(413, "too_large", f"A chat message is at most {actions.MAX_MESSAGE:,} characters.")
    token = request.headers.get(TOKEN_HEADER, "")
    visitor = actions.visitor_for(dealership, token) if token else None
    address = client_address(request)
    refused = limits.take_turn(dealership=dealership, visitor_id=visitor.pk if visitor else None, address=address)
    if refused is not None:
        answer = _error(429, "rate_limited", refused.message, retry_after=refused.retry_after)
        answer["Retry-After"] = str(refused.retry_after)
        return answer
    post = ChatPost.objects.create(
        dealership=dealership,
        visitor=visitor,
        origin=origin[:200],
        address=address,
        # Kept as sent; a NUL byte, which no text column holds, is kept as U+FFFD.
        raw=request.body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
    )
    if token and visitor is None:
        return _refuse(post, 403, "unknown_visitor", "This chat is not known here; please start a new one.")
    try:
        data = json.loads(post.raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return _refuse(post, 400, "bad_request", "Send a JSON object with the message as `body`.")
    try:
        if visitor is None:
            visitor, token, message = actions.start_chat(post=post, data=data)
            thread = actions.visitor_thread(visitor)
            body = {"visitor": token, "messages": [actions.for_widget(m, dealership) for m in thread]}
            return JsonResponse(body, status=201)
        message = actions.visitor_writes(post=post, visitor=visitor, data=data)
    except actions.Refusal as refusal:
        return _refuse(post, 400, refusal.code, str(refusal), fields=refusal.fields)
    return JsonResponse({"message": actions.for_widget(message, dealership)}, status=201)


def _refuse(post: ChatPost, status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    ChatPost.objects.filter(pk=post.pk).update(status=ChatPost.Status.REFUSED, reason=message)
    return _error(status, code, message, **extra)


def try_chat(request: HttpRequest, slug: str) -> HttpResponse:
    """A page of Forecourt's own that carries the dealership's chat, as a website would: an admin
    sees the widget and its chats come in as leads, before the line is pasted anywhere."""
    assert isinstance(request.user, User)
    dealership = get_object_or_404(dealerships_administered_by(request.user), slug=slug)
    return render(request, "chat/try.html", {"dealership": dealership})
