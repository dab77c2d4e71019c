"""The conversation panel of the lead page: the thread, kept fresh by polling, and the composer.

The lead page draws the panel with `{% conversation_panel lead %}` (conversations_ui); these
routes answer its htmx requests, and answer plain POSTs with a redirect to the lead, so the
composer works without JavaScript. Every route answers 404 for a lead the user may not see
(`leads.queries.lead_for`), and `/m/<token>` serves a texted photo to the provider without login.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from calls.models import Call
from calls.queries import calls_of
from conversations import photos
from conversations.actions import send_message
from conversations.channels import transport
from conversations.channels.messenger import contact_of
from conversations.channels.sms import mobile_of
from conversations.consent import check_may_send
from conversations.models import Message, MessageTemplate, Photo
from conversations.segments import count
from conversations.templates import Draft, draft, unfilled_fields
from inventory.models import VehiclePhoto
from leads.models import Lead
from leads.queries import lead_for
from relay.composer import MAX_EMAIL, VoiceRefused, default_channel, email_composer, read_voice, send_email
from relay.models import Attachment

THREAD_LIMIT = 100
# Twilio refuses a longer body (error 21617); better said before it is queued than after it failed.
MAX_TEXT = 1600
STOCK_PHOTOS = 24


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them to log in
        raise Http404
    return user


def _lead(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return lead_for(_user(request), lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None


# Reading ---------------------------------------------------------------------------------------


def _thread(lead: Lead) -> list[Message | Call]:
    """The latest messages and calls of the lead, oldest first (calls are part of the thread)."""
    recent = (
        Message.objects.filter(conversation__lead=lead)
        .select_related("sent_by", "email")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.defer("content")))
        .order_by("-created_at", "-id")
    )
    calls = calls_of(lead).order_by("-created_at", "-id")
    entries: list[Message | Call] = [*recent[:THREAD_LIMIT], *calls[:THREAD_LIMIT]]
    entries.sort(key=lambda e: (e.created_at, isinstance(e, Call), e.pk))
    return entries[-THREAD_LIMIT:]


def fingerprint(lead: Lead) -> str:
    """What the thread looks like now, in a few characters: a poll that sends back the same one
    gets 204 and nothing is drawn (two small queries every few seconds per open lead page)."""
    rows = Message.objects.filter(conversation__lead=lead).values_list("id", "status").order_by("id")
    calls = calls_of(lead).values_list("id", "status", "outcome", "duration_seconds").order_by("id")
    return hashlib.blake2b(repr((list(rows), list(calls))).encode(), digest_size=8).hexdigest()


def stock_photos(lead: Lead) -> list[VehiclePhoto]:
    """Photos of the stock vehicles on the lead, preferred vehicle first."""
    units = [v.inventory_vehicle_id for v in lead.vehicles.all() if v.inventory_vehicle_id]
    chosen = VehiclePhoto.objects.filter(vehicle_id__in=units).select_related("vehicle")
    order = {unit: i for i, unit in enumerate(units)}
    return sorted(chosen, key=lambda p: (order[p.vehicle_id], p.position, p.pk))[:STOCK_PHOTOS]


def why_not_text(lead: Lead) -> str:
    """Why this lead's customer cannot be texted (opted out, no number), in words; "" when they can."""
    try:
        check_may_send(lead=lead, channel="sms")
        transport("sms").addresses(lead)
    except ValueError as refusal:
        return str(refusal)
    return ""


def why_not_messenger(lead: Lead) -> str | None:
    """None when the customer never wrote on Messenger (the channel is not offered); else why a
    Messenger message cannot go now (the 24-hour window closed, …), or "" when it can."""
    if not lead.dealership.messenger_page_id or contact_of(lead) is None:
        return None
    try:
        check_may_send(lead=lead, channel="messenger")
        transport("messenger").addresses(lead)
    except ValueError as refusal:
        return str(refusal)
    return ""


SENT_WORDS = {"sms": "Text queued.", "messenger": "Messenger message queued.", "chat": "Sent in the chat."}


def channels_for(
    lead: Lead,
    cannot_text: str,
    cannot_messenger: str | None,
    *,
    cannot_email: str,
    chat: bool,
    chat_present: bool,
) -> list[tuple[str, str]]:
    """The channels the composer offers for this lead, (value, label), the one the customer last
    wrote on first. Chat is offered once the customer chatted; after they left the chat, an answer
    there goes by text or email when it can (the chat channel's fallback)."""
    offered = [("sms", "Text")] if not cannot_text else []
    if not cannot_email:
        offered.append(("email", "Email"))
    if cannot_messenger == "":
        offered.append(("messenger", "Messenger"))
    if chat:
        offered.append(("chat", "Chat" if chat_present else "Chat (left)"))
    first = default_channel(lead, [value for value, _ in offered])
    return sorted(offered, key=lambda choice: choice[0] != first)


def thread_context(lead: Lead) -> dict[str, Any]:
    messages_ = _thread(lead)
    return {
        "lead": lead,
        "thread": messages_,
        "thread_full": len(messages_) == THREAD_LIMIT,
        "fingerprint": fingerprint(lead),
    }


def panel_context(
    lead: Lead,
    *,
    user: User,
    body: str = "",
    problems: list[str] | None = None,
    chosen: list[int] | None = None,
    template_id: int | None = None,
    channel: str = "",
    subject: str | None = None,
) -> dict[str, Any]:
    """Everything the panel draws: the thread, and the composer as it was left (on the channel
    the customer last used, unless the salesperson chose another)."""
    from chat.actions import is_present, latest_visitor

    visitor = latest_visitor(lead)
    present = visitor is not None and is_present(visitor)
    cannot_text, cannot_messenger = why_not_text(lead), why_not_messenger(lead)
    mail = email_composer(lead, cannot_text=cannot_text, channel=channel, subject=subject)
    channels = channels_for(
        lead,
        cannot_text,
        cannot_messenger,
        cannot_email=mail["cannot_email"],
        chat=visitor is not None,
        chat_present=present,
    )
    return {
        **thread_context(lead),
        **mail,
        "chat_visitor": visitor,
        "chat_visitor_present": present,
        "user": user,
        "cannot_text": cannot_text,
        "cannot_messenger": cannot_messenger,
        "channels": channels,
        "offers_email": "email" in dict(channels),
        "channel": channel if channel in dict(channels) else (channels[0][0] if channels else ""),
        "mobile": mobile_of(lead),
        "templates": list(MessageTemplate.objects.filter(dealership=lead.dealership)),
        "template_id": template_id,
        "stock_photos": stock_photos(lead),
        "chosen": chosen or [],
        "body": body,
        "count": count(body),
        "problems": problems or [],
        "max_photo_mb": photos.MAX_PHOTO_BYTES // (1024 * 1024),
        "max_text": MAX_TEXT,
    }


def _panel(request: HttpRequest, lead: Lead, status: int = 200, **composer: Any) -> HttpResponse:
    context = panel_context(lead, user=_user(request), **composer)
    return render(request, "conversations/_panel.html", context, status=status)


@require_GET
def thread(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The thread for polling: 204 when nothing changed since the fingerprint the page holds."""
    lead = _lead(request, lead_id)
    if request.GET.get("v") == fingerprint(lead):
        return HttpResponse(status=204)
    return render(request, "conversations/_thread.html", thread_context(lead))


def template_draft(lead: Lead, user: User, template_id: str | None) -> tuple[Draft | None, int | None]:
    """The dealership's template `template_id` filled in for `lead` (None when there is no such template)."""
    if not template_id or not template_id.isdigit():
        return None, None
    template = MessageTemplate.objects.filter(dealership=lead.dealership, pk=int(template_id)).first()
    if template is None:
        return None, None
    return draft(template.body, lead, user), template.pk


@require_GET
def composer_draft(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Picking a template: the composer's text filled in for this lead, and what is left to replace."""
    lead = _lead(request, lead_id)
    filled, template_id = template_draft(lead, _user(request), request.GET.get("template"))
    context = {
        "lead": lead,
        "body": filled.text if filled else "",
        "count": count(filled.text if filled else ""),
        "problems": filled.problems if filled else [],
        "template_id": template_id,
        "max_text": MAX_TEXT,
        "max_email": MAX_EMAIL,
    }
    return render(request, "conversations/_composer_text.html", context)


# Writing ---------------------------------------------------------------------------------------


def _chosen_stock(lead: Lead, request: HttpRequest) -> tuple[list[int], list[str]]:
    """The stock photos ticked, as ids and URLs: only photos of this lead's stock vehicles count."""
    wanted = {int(v) for v in request.POST.getlist("photo") if v.isdigit()}
    offered = [p for p in stock_photos(lead) if p.pk in wanted]
    return [p.pk for p in offered], [p.url for p in offered]


@require_POST
def send(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Send what the composer holds: its text, the stock photos ticked and the photos uploaded.

    A refusal (opted out, no mobile number, a merge field still to replace, an upload that is not
    a photo) is shown in words beside the composer, and nothing is stored: not even the uploads.
    """
    lead = _lead(request, lead_id)
    user = _user(request)
    body = request.POST.get("body", "")
    channel = request.POST.get("channel") or "sms"
    chosen, media = _chosen_stock(lead, request)
    uploads = request.FILES.getlist("upload")
    subject = request.POST.get("subject", "")

    def refuse(*problems: str) -> HttpResponse:
        if not request.headers.get("HX-Request"):
            for problem in problems:
                messages.error(request, problem)
            return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]) + "#conversation")
        return _panel(
            request,
            lead,
            status=422,
            body=body,
            problems=list(problems),
            chosen=chosen,
            channel=channel,
            subject=subject,
        )

    if channel == "email":
        return _send_email(request, lead, user, body=body, subject=subject, refuse=refuse)

    if channel not in SENT_WORDS:
        return refuse("Choose how to send it: by text, email, Messenger or in the chat.")
    if channel == "chat" and (media or uploads):
        return refuse("Photos go by text only; send the words in the chat, or choose Text.")
    if len(body.strip()) > MAX_TEXT:
        return refuse(f"A text holds at most {MAX_TEXT:,} characters (this one has {len(body.strip()):,}).")
    left = unfilled_fields(body)
    if left:
        return refuse(*(f"Replace {{{name}}} before sending." for name in left))
    if len(media) + len(uploads) > photos.MAX_PHOTOS:
        return refuse(f"A text carries at most {photos.MAX_PHOTOS} photos.")
    try:
        checked = [photos.read_upload(upload) for upload in uploads]
    except photos.PhotoRefused as refusal:
        return refuse(str(refusal))
    try:
        with transaction.atomic():
            for (content, kind), upload in zip(checked, uploads, strict=True):
                photo = photos.store_photo(
                    dealership=lead.dealership, content=content, content_type=kind, name=upload.name or "", actor=user
                )
                media.append(photos.photo_url(photo))
            sent = send_message(lead=lead, channel=channel, body=body, media=media, actor=user)
    except ValueError as refusal:  # CannotSend (opted out, no number) and an empty message alike
        return refuse(str(refusal))
    if not request.headers.get("HX-Request"):
        messages.success(request, sent.note or SENT_WORDS.get(sent.channel, "Message queued."))
        return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]) + "#conversation")
    return _panel(request, lead)


def _send_email(request: HttpRequest, lead: Lead, user: User, *, body: str, subject: str, refuse: Any) -> HttpResponse:
    """The composer on Email: its subject, text and voice note, from the lead's reply address."""
    left = unfilled_fields(body)
    if left:
        return refuse(*(f"Replace {{{name}}} before sending." for name in left))
    recording = request.FILES.get("voice")
    try:
        voice = read_voice(recording) if recording is not None else None
        send_email(lead=lead, actor=user, subject=subject, body=body, voice=voice)
    except (VoiceRefused, ValueError) as refusal:  # CannotSend (opted out, no address) among them
        return refuse(str(refusal))
    if not request.headers.get("HX-Request"):
        messages.success(request, "Email queued.")
        return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]) + "#conversation")
    return _panel(request, lead)


@login_not_required
@require_GET
def photo(request: HttpRequest, token: str) -> HttpResponse:
    """A texted photo, for the provider (no login: the token is the key) and the lead page."""
    found = Photo.objects.filter(token=token).only("content", "content_type", "name").first()
    if found is None:
        raise Http404("No such photo.")
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Robots-Tag"] = "noindex"
    return response
