"""Photos customers sent by MMS, served from Forecourt's own copies to the staff who may see the lead."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from accounts.models import User
from conversations.models import MessageMedia
from leads.queries import leads_visible_to

# Shown in the browser; anything else (a document, HTML) is only ever downloaded.
INLINE_TYPES = ("image/", "video/", "audio/")


@require_GET
def message_media(request: HttpRequest, token: str) -> HttpResponse:
    """One kept photo; 404 (never 403) for a token that is unknown, not fetched yet, or on a lead
    the signed-in person may not see."""
    media = MessageMedia.objects.select_related("message__conversation").filter(token=token).first()
    user = request.user
    if media is None or media.fetched_at is None or not isinstance(user, User):
        raise Http404
    if not leads_visible_to(user).filter(pk=media.message.conversation.lead_id).exists():
        raise Http404
    response = HttpResponse(bytes(media.content or b""), content_type=media.content_type)
    if not media.content_type.startswith(INLINE_TYPES):
        response["Content-Disposition"] = f'attachment; filename="message-{media.message_id}-{media.position + 1}"'
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
