"""What a provider's webhook brought, worked on after the provider has had its answer.

`store_call` keeps the request (its form fields) in its own committed transaction; the work is
then done by `process_call`, from a task queued once that commit is done or from the worker's
sweep (`sweep_webhook_calls`) for a task that was lost. A call is claimed with a lease
(forecourt.lib.jobs), so the task, a retry and the sweep never work on one call twice.

An inbound text (`kind` text): the caller's name is asked of the provider (Twilio Lookup) when the
number has no open lead yet, the text goes through `conversations.inbound.receive_text`, then
each photo is fetched and kept by Forecourt. A photo the provider will not hand over leaves the
text in place, with a note on the message, and the call waits to try again with back-off.

A delivery status (`kind` status) moves the message forward only: a late "sent" never undoes
"delivered".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from conversations.inbound import UnknownNumber, dealership_texted_at, receive_text
from conversations.models import Message, MessageMedia, WebhookCall
from forecourt.lib import jobs
from forecourt.lib.database import DATABASE_AWAY
from forecourt.lib.http import HttpError, get_bytes, get_json
from forecourt.lib.phone import to_e164
from forecourt.lib.wake import enqueue_on_commit
from leads.models import Lead

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Twilio hands over at most 5 MB of media per message; anything longer is not a customer's photo.
MEDIA_MAX_BYTES = 10 * 1024 * 1024
MAX_MEDIA = 10
TWILIO_DEFAULT_BASE = "https://api.twilio.com"
LOOKUP_DEFAULT_BASE = "https://lookups.twilio.com"

# The delivery states a status callback may move a message to, by how far along they are:
# a callback only ever moves a message to a later rank.
RANK = {
    Message.Status.QUEUED: 0,
    Message.Status.HELD: 0,
    Message.Status.SENT: 1,
    Message.Status.DELIVERED: 2,
    Message.Status.UNDELIVERED: 2,
    Message.Status.FAILED: 2,
}
TWILIO_STATUSES = {
    "sent": Message.Status.SENT,
    "delivered": Message.Status.DELIVERED,
    "read": Message.Status.DELIVERED,
    "undelivered": Message.Status.UNDELIVERED,
    "failed": Message.Status.FAILED,
}
# Twilio's commonest delivery errors, in the words a salesperson can act on.
TWILIO_ERRORS = {
    "30001": "too many messages queued; the provider could not send it in time",
    "30002": "the dealership's Twilio account is suspended",
    "30003": "the customer's phone is off or out of reach",
    "30004": "the customer's number blocks this message",
    "30005": "the number does not exist or is no longer in service",
    "30006": "a landline, or a carrier that cannot take texts",
    "30007": "message filtered as spam",
    "30008": "unknown error at the customer's carrier",
    "30034": "the dealership's number is not registered for business texting (A2P 10DLC)",
    "21211": "not a valid phone number",
    "21610": "the customer has replied STOP to this number",
    "21614": "not a mobile number",
}


def form_of(pairs: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    return {name: [str(v) for v in values] for name, values in pairs.items()}


def store_call(
    *,
    kind: str,
    path: str,
    form: Mapping[str, Sequence[str]],
    provider_id: str = "",
    status: str = WebhookCall.Status.RECEIVED,
    reason: str = "",
    provider: str = "twilio",
    body: str = "",
) -> WebhookCall:
    """Keep one webhook request as it came, committed before anything works on it. A call left to
    work on (`received`) is handed to the worker once the commit is done."""
    now = timezone.now()
    done = status != WebhookCall.Status.RECEIVED
    with transaction.atomic():
        call = WebhookCall.objects.create(
            provider=provider,
            body=body,
            kind=kind,
            path=path[:200],
            form=form_of(form),
            provider_id=provider_id[:100],
            received_at=now,
            due_at=now,
            status=status,
            reason=reason,
            processed_at=now if done else None,
        )
        if kind in (WebhookCall.Kind.TEXT, WebhookCall.Kind.MESSENGER) and not done:
            enqueue_on_commit(process_webhook_call_task, call.pk)
    return call


def pending_calls() -> QuerySet[WebhookCall]:
    return WebhookCall.objects.filter(status=WebhookCall.Status.RECEIVED)


def process_call(call_id: int) -> str | None:
    """Do what call `call_id` asks, once; its new status, or None when another process holds it.

    Anything unexpected is kept on the call as its reason and tried again with back-off, then
    the call is failed: never dropped.
    """
    if not jobs.claim(pending_calls(), call_id):
        return None
    call = WebhookCall.objects.get(pk=call_id)
    try:
        if call.kind == WebhookCall.Kind.STATUS:
            status, reason = _apply_status(call)
            return _finish(call, status, reason)
        if call.kind == WebhookCall.Kind.MESSENGER:
            from messenger.events import process_event  # Messenger builds on this app

            status, reason = process_event(call)
            return _finish(call, status, reason)
        return _process_text(call)
    except DATABASE_AWAY:
        raise
    except Exception as exc:
        log.exception("webhook call %s could not be processed", call_id)
        return _again_later(call, f"{type(exc).__name__}: {exc}")


@task()
def process_webhook_call_task(call_id: int) -> None:
    process_call(call_id)


def sweep_webhook_calls() -> int:
    """Work on every stored webhook call still waiting: its task was lost, or a retry came due."""
    done = 0
    for pk in jobs.due_ids(pending_calls()):
        try:
            done += process_call(pk) is not None
        except DATABASE_AWAY:
            raise
        except Exception:  # pragma: no cover - process_call keeps its own failures on the call
            log.exception("webhook call %s could not be processed; going on with the others", pk)
    return done


def _finish(call: WebhookCall, status: str, reason: str) -> str:
    pending_calls().filter(pk=call.pk).update(
        status=status, reason=reason[:2000], processed_at=timezone.now(), claimed_until=None
    )
    return status


def _again_later(call: WebhookCall, reason: str, *, give_up: bool = False) -> str:
    if give_up or call.attempts >= MAX_ATTEMPTS:
        return _finish(call, WebhookCall.Status.FAILED, reason)
    pending_calls().filter(pk=call.pk).update(
        due_at=timezone.now() + jobs.retry_delay(call.attempts), claimed_until=None, reason=reason[:2000]
    )
    return WebhookCall.Status.RECEIVED


# Inbound texts -------------------------------------------------------------------------------


def media_urls(call: WebhookCall) -> list[str]:
    try:
        count = int(call.field("NumMedia") or 0)
    except ValueError:
        count = 0
    return [url for i in range(min(count, MAX_MEDIA)) if (url := call.field(f"MediaUrl{i}"))]


def _process_text(call: WebhookCall) -> str:
    sid, to, sender = call.field("MessageSid"), call.field("To"), call.field("From")
    try:
        dealership = dealership_texted_at(to)
    except UnknownNumber as exc:
        return _finish(call, WebhookCall.Status.IGNORED, str(exc))
    name = ""
    new = call.message_id is None and not Message.objects.filter(channel="sms", provider_id=sid).exists()
    if new and lookup_enabled():
        number = to_e164(sender, dealership.country) or sender
        if not _has_open_lead(dealership.pk, number):
            name = caller_name(number)  # outside any transaction: it asks the provider
    with transaction.atomic():
        received = receive_text(
            to_number=to, from_number=sender, body=call.field("Body"), provider_id=sid, sender_name=name
        )
        if received.new_message:
            WebhookCall.objects.filter(pk=call.pk).update(message=received.message)
            call.message_id = received.message.pk
    if call.message_id != received.message.pk:
        reason = f"The same text ({sid}) was already received; it is on lead {received.lead.pk} once."
        return _finish(call, WebhookCall.Status.IGNORED, reason)
    urls = media_urls(call)
    failures, permanent = keep_media(received.message, urls) if urls else ([], False)
    if failures:
        return _again_later(call, "; ".join(failures), give_up=permanent)
    return _finish(call, WebhookCall.Status.PROCESSED, "")


def _has_open_lead(dealership_id: int, number: str) -> bool:
    return Lead.objects.filter(
        dealership_id=dealership_id, status__in=Lead.OPEN_STATUSES, customer__phones__number=number
    ).exists()


def lookup_base() -> str:
    """Where Twilio Lookup answers: TWILIO_API_BASE when it was set, as it replaces every host."""
    base = settings.TWILIO_API_BASE.rstrip("/")
    return LOOKUP_DEFAULT_BASE if base == TWILIO_DEFAULT_BASE else base


def twilio_credentials() -> tuple[str, str] | None:
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    return (sid, token) if sid and token else None


def lookup_enabled() -> bool:
    """Caller names come from Twilio Lookup: only with Twilio as the provider, and its credentials."""
    return settings.SMS_PROVIDER == "twilio" and twilio_credentials() is not None


def caller_name(number: str) -> str:
    """The name the provider has on file for `number` (caller ID), or "" when it has none, is not
    Twilio, or cannot be asked right now: a text never waits for a name."""
    auth = twilio_credentials()
    if not lookup_enabled() or auth is None:
        return ""
    try:
        answer = get_json(f"{lookup_base()}/v2/PhoneNumbers/{number}", params={"Fields": "caller_name"}, auth=auth)
    except HttpError as exc:
        log.warning("caller name of %s not known: %s", number, exc)
        return ""
    found = answer.json.get("caller_name") if isinstance(answer.json, dict) else None
    name = found.get("caller_name") if isinstance(found, dict) else None
    # Carriers keep names in capitals ("JORDAN SAMPLE"); a lead reads better as "Jordan Sample".
    return " ".join(str(name).split()).title() if name else ""


def keep_media(message: Message, urls: Sequence[str]) -> tuple[list[str], bool]:
    """Fetch every photo of `message` not kept yet (outside any transaction) and point the
    message's `media` at Forecourt's copies. Returns what failed, in words, and whether no retry
    can help; the message's `last_error` says what is missing until every photo is kept."""
    for position, url in enumerate(urls):
        MessageMedia.objects.get_or_create(message=message, position=position, defaults={"source_url": url})
    auth = _auth_for
    failures: list[str] = []
    permanent = False
    files = list(MessageMedia.objects.filter(message=message).order_by("position"))
    for media in files:
        if media.fetched_at is not None:
            continue
        try:
            source = provider_url(media.source_url)
            download = get_bytes(source, limit=MEDIA_MAX_BYTES, auth=auth(source))
        except HttpError as exc:
            media.last_error = str(exc)[:2000]
            media.save(update_fields=["last_error"])
            failures.append(f"photo {media.position + 1} of {len(files)} could not be fetched ({exc})")
            permanent = permanent or exc.permanent
            continue
        media.content = download.content
        media.content_type = download.content_type[:100]
        media.size = len(download.content)
        media.fetched_at = timezone.now()
        media.last_error = ""
        media.save(update_fields=["content", "content_type", "size", "fetched_at", "last_error"])
    kept = [m.url for m in files if m.fetched_at is not None]
    note = "" if not failures else "Not every photo could be kept: " + "; ".join(failures) + "."
    Message.objects.filter(pk=message.pk).update(media=kept, last_error=note)
    return failures, permanent


def provider_url(url: str) -> str:
    """A media URL of Twilio's own REST host, on TWILIO_API_BASE when that was set: it replaces
    every Twilio host (CONTRACT §2), so a stand-in for Twilio serves the photos too."""
    base = settings.TWILIO_API_BASE.rstrip("/")
    parts = urlsplit(url)
    if (
        base == TWILIO_DEFAULT_BASE
        or parts.scheme != "https"
        or not (parts.hostname == "twilio.com" or (parts.hostname or "").endswith(".twilio.com"))
    ):
        return url
    return base + urlunsplit(("", "", parts.path, parts.query, ""))


def _auth_for(url: str) -> tuple[str, str] | None:
    """The account's credentials, only for the provider's own host (never for any other server)."""
    hosts = {TWILIO_DEFAULT_BASE, settings.TWILIO_API_BASE.rstrip("/")}
    return twilio_credentials() if any(url.startswith(f"{host}/") for host in hosts) else None


# Delivery statuses ---------------------------------------------------------------------------


def error_in_words(code: str, message: str) -> str:
    """The provider's reason a message did not arrive: "30007: message filtered as spam"."""
    words = TWILIO_ERRORS.get(code) or message.strip()
    if code:
        return f"{code}: {words}" if words else f"error {code}"
    return words


def _apply_status(call: WebhookCall) -> tuple[str, str]:
    sid, reported = call.field("MessageSid"), call.field("MessageStatus").lower()
    message = Message.objects.filter(channel="sms", provider_id=sid, direction=Message.Direction.OUT).first()
    if message is None:
        return WebhookCall.Status.IGNORED, f"No message Forecourt sent has the id {sid}."
    new = TWILIO_STATUSES.get(reported)
    if new is None:
        return WebhookCall.Status.IGNORED, f"'{reported}' changes nothing Forecourt shows."
    earlier = [status for status, rank in RANK.items() if rank < RANK[new]]
    changes: dict[str, object] = {"status": new}
    if new == Message.Status.DELIVERED:
        changes["delivered_at"] = timezone.now()
        changes["last_error"] = ""
    elif new in (Message.Status.UNDELIVERED, Message.Status.FAILED):
        changes["last_error"] = error_in_words(call.field("ErrorCode"), call.field("ErrorMessage")) or (
            f"the carrier reported it {reported}"
        )
    with transaction.atomic():
        moved = Message.objects.filter(pk=message.pk, status__in=earlier).update(**changes)
        if moved:
            WebhookCall.objects.filter(pk=call.pk).update(message=message)
    if not moved:
        now = Message.objects.get(pk=message.pk).get_status_display().lower()
        return WebhookCall.Status.IGNORED, f"'{reported}' came after the message was already {now}."
    return WebhookCall.Status.PROCESSED, ""
