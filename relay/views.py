"""An email's attachments for the staff who may see the lead, and the "Copy me" choice."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from leads.queries import leads_visible_to
from relay.models import Attachment
from relay.preferences import set_copy_me

# Shown in the browser; anything else (HTML, SVG, a document) is only ever downloaded.
INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "audio/")


@require_GET
def attachment(request: HttpRequest, token: str) -> HttpResponse:
    """One attachment; 404 (never 403) for an unknown token or a lead the person may not see."""
    found = Attachment.objects.select_related("message__conversation").filter(token=token).first()
    user = request.user
    if found is None or not isinstance(user, User):
        raise Http404
    if not leads_visible_to(user).filter(pk=found.message.conversation.lead_id).exists():
        raise Http404
    inline = found.content_type.startswith(INLINE_TYPES)
    response = HttpResponse(
        bytes(found.content), content_type=found.content_type if inline else "application/octet-stream"
    )
    if not inline:
        name = "".join(c for c in found.name if c.isalnum() or c in "._- ") or f"attachment-{found.pk}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; media-src 'self'; img-src 'self'"
    return response


@require_POST
def copy_me(request: HttpRequest) -> HttpResponseRedirect:
    """Turn "Copy me on every email I send" on or off for the person signed in."""
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them to log in
        raise Http404
    chosen = request.POST.get("copy_me") == "on"
    set_copy_me(user=user, actor=user, copy_me=chosen)
    messages.success(request, "You get a copy of every email you send." if chosen else "No more copies of your emails.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/notifications/preferences/"
    return HttpResponseRedirect(back)
