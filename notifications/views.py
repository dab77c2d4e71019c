"""The bell, the list of notifications, and each user's choice of channels per kind of event."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from notifications import actions
from notifications.models import CHANNELS, Kind, PushSubscription
from notifications.push_keys import public_key
from notifications.queries import notifications_of, unread_count

PAGE_SIZE = 30
CHANNEL_LABELS = {"in_app": "In the app", "email": "Email", "sms": "Text", "push": "Push"}


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # pragma: no cover - LoginRequiredMiddleware sends others away
        raise Http404
    return request.user


@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell with its unread count, as a fragment the bell itself polls."""
    return render(request, "notifications/_bell.html", {"unread": unread_count(_user(request))})


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(notifications_of(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread": unread_count(user)})


@require_POST
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark it read and go to what it is about."""
    user = _user(request)
    notification = get_object_or_404(notifications_of(user), pk=notification_id)
    actions.mark_read(user=user, notification_id=notification.pk)
    if notification.lead_id:
        return HttpResponseRedirect(reverse("lead-detail", args=[notification.lead_id]))
    return HttpResponseRedirect(reverse("notification-list"))


@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    changed = actions.mark_read(user=_user(request))
    messages.success(request, f"{changed} marked read." if changed else "Nothing unread.")
    return HttpResponseRedirect(reverse("notification-list"))


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """A grid: each kind of event by in-app, email, text, push; below it the devices that get push
    alerts. Unticked boxes are simply absent from the POST."""
    user = _user(request)
    if request.method == "POST":
        choices = {kind: {c: f"{kind}:{c}" in request.POST for c in CHANNELS} for kind in Kind.values}
        actions.set_preferences(user=user, actor=user, choices=choices)
        messages.success(request, "Notification preferences saved.")
        return HttpResponseRedirect(reverse("notification-preferences"))
    chosen = actions.preferences_for(user)
    rows = [
        {
            "kind": kind,
            "label": label,
            "channels": [(c, CHANNEL_LABELS[c], chosen[kind][c]) for c in CHANNELS],
        }
        for kind, label in Kind.choices
    ]
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "channel_labels": [CHANNEL_LABELS[c] for c in CHANNELS],
            "has_mobile": bool(user.mobile),
            "devices": PushSubscription.objects.filter(user=user),
            "vapid_public_key": public_key(),
        },
    )
