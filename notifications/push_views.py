"""Web push from the browser's side: the service worker, the web app manifest, and a user's devices
(turning alerts on, removing a device, a test alert)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from notifications import actions
from notifications.views import _user

THEME_COLOUR = "#0f2742"  # the mark's navy (static/favicon.svg)


@require_GET
@login_not_required
@cache_control(no_cache=True, max_age=0)
def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js: at the root so that its scope is the whole site; never cached without asking, so a
    new version reaches every phone at its next visit."""
    response = render(request, "notifications/service-worker.js", content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@login_not_required  # browsers fetch the manifest without cookies
@cache_control(public=True, max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    """/manifest.webmanifest: what a phone needs to put Forecourt on its home screen."""
    icons = [
        {"src": static(f"icons/forecourt-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in (192, 512)
    ] + [
        {
            "src": static(f"icons/forecourt-maskable-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for size in (192, 512)
    ]
    body = {
        "name": "Forecourt",
        "short_name": "Forecourt",
        "description": "Leads, customers and follow-ups of your dealership.",
        "id": "/",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOUR,
        "icons": icons,
    }
    return JsonResponse(body, content_type="application/manifest+json")


@require_POST
def subscribe(request: HttpRequest) -> JsonResponse:
    """The subscription `pushManager.subscribe` made, POSTed as JSON with the CSRF token."""
    user = _user(request)
    try:
        subscription = json.loads(request.body or b"null")
    except ValueError:
        return JsonResponse({"error": "The browser sent something that is not JSON."}, status=400)
    try:
        device = actions.subscribe_device(
            user=user, actor=user, subscription=subscription, user_agent=request.headers.get("User-Agent", "")
        )
    except actions.DeviceRefused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"id": device.pk, "label": device.label, "message": f"Alerts are on for {device.label}."})


@require_POST
def remove(request: HttpRequest, device_id: int) -> HttpResponse:
    user = _user(request)
    if actions.remove_device(user=user, actor=user, device_id=device_id):
        messages.success(request, "Device removed: it gets no more alerts.")
    else:
        messages.error(request, "That device was removed already.")
    return HttpResponseRedirect(reverse("notification-preferences") + "#devices")


@require_POST
def test_alert(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sent = actions.send_test_alert(user=user, actor=user)
    if sent:
        messages.success(request, f"Test alert sent to {sent} device{'s' if sent != 1 else ''}.")
    else:
        messages.error(request, "No device has alerts on yet: turn them on first.")
    return HttpResponseRedirect(reverse("notification-preferences") + "#devices")
