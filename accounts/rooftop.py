"""One screen per rooftop: everyone working at a dealership and how leads reach them.

Admins of the dealership change each setting in place (htmx posts one setting at a time); the
change goes through the same validation and the same action as the user form
(`accounts.actions.membership_problems`, `save_membership`), so it is refused exactly when that
form would refuse it. Managers see the screen read-only; anyone else gets "page not found".
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import actions
from accounts.models import Membership, User
from accounts.queries import dealerships_administered_by, dealerships_seen_whole_by
from dealerships.models import Dealership, Department
from distribution import overview

# The settings this screen changes, as keys of `validate_membership`, and their labels.
SETTINGS = {
    "receives_leads": "Receives leads",
    "can_be_assigned": "Can be assigned leads",
    "pool_alerts": "Pool alerts",
    "departments": "Departments",
    "absent": "Absent",
}
FLAGS = ("receives_leads", "can_be_assigned", "pool_alerts")
LABELS = {**SETTINGS, "absent.from": "Absent from", "absent.until": "Absent until"}


def _viewer(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends others to log in
        raise Http404
    return user


def _seen(request: HttpRequest, slug: str) -> tuple[Dealership, bool]:
    """The dealership and whether the signed-in user may change it (its admin); 404 for anyone who
    does not run it (salespeople, other dealerships)."""
    user = _viewer(request)
    dealership = get_object_or_404(dealerships_seen_whole_by(user).distinct(), slug=slug)
    return dealership, dealerships_administered_by(user).filter(pk=dealership.pk).exists()


def _context(setup: overview.Setup, *, editable: bool) -> dict[str, Any]:
    return {
        "dealership": setup.dealership,
        "setup": setup,
        "editable": editable,
        "cards": [_card(setup, m) for m in setup.memberships],
        "departments": Department.choices,
        "deactivated": Membership.objects.filter(dealership=setup.dealership, user__is_active=False).count(),
    }


def _card(setup: overview.Setup, membership: Membership) -> dict[str, Any]:
    return {
        "m": membership,
        "groups": setup.groups_of.get(membership.user_id, ()),
        "absent_now": membership.is_absent_on(setup.today),
        "absence_ahead": bool(membership.absent_from and membership.absent_from > setup.today),
        "flags": [(key, SETTINGS[key], getattr(membership, key)) for key in FLAGS],
        "department_names": [label for value, label in Department.choices if value in (membership.departments or [])],
    }


@require_http_methods(["GET", "HEAD"])
def rooftop(request: HttpRequest, slug: str) -> HttpResponse:
    dealership, editable = _seen(request, slug)
    return render(request, "accounts/rooftop.html", _context(overview.setup_of(dealership), editable=editable))


def read_setting(setting: str, post: Any) -> Any:
    """What was posted for one setting, in `validate_membership`'s shape; anything that is not a
    plain answer is passed on as it came, for the validation to refuse with its reason."""
    if setting in FLAGS:
        raw = post.get("value", "")
        return {"true": True, "on": True, "false": False, "": False}.get(raw, raw)
    if setting == "departments":
        return post.getlist("value")
    start, end = post.get("from", "").strip(), post.get("until", "").strip()
    return {"from": start, "until": end or None} if start or end else None


@require_POST
def rooftop_change(request: HttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Change one setting of one membership; answers with that person's card, and the screen's
    warnings (out of band), with a warning about any gap the change opened."""
    dealership, editable = _seen(request, slug)
    if not editable:
        raise Http404
    membership = get_object_or_404(
        Membership.objects.select_related("user", "dealership"),
        pk=membership_id,
        dealership=dealership,
        user__is_active=True,
    )
    setting = request.POST.get("setting", "")
    if setting not in SETTINGS:
        raise Http404
    data = {"dealership": dealership.slug, "role": membership.role, setting: read_setting(setting, request.POST)}
    problems = actions.membership_problems(data, dealerships=[dealership.slug], email=membership.user.email)
    before = overview.setup_of(dealership)
    status = 200
    if problems:
        status = 422
        errors = [f"{LABELS.get(key, SETTINGS[setting])}: {message}" for key, message in problems]
        warnings: list[str] = []
    else:
        actions.save_membership(user=membership.user, data=data, actor=_viewer(request))
        errors = []
        after = overview.setup_of(dealership)
        warnings = overview.new_gaps(before, after)
        before = after
    fresh = next(m for m in before.memberships if m.pk == membership.pk)
    context = {
        **_context(before, editable=True),
        "card": _card(before, fresh),
        "errors": errors,
        "change_warnings": warnings,
        "saved": not errors,
        "saved_label": SETTINGS[setting],
    }
    if not request.headers.get("HX-Request"):
        # Without JavaScript each form posts the page; show it again with what happened.
        for error in errors:
            messages.error(request, f"{fresh.user.name}: {error}")
        for warning in warnings:
            messages.warning(request, warning)
        if not errors:
            messages.success(request, f"Saved {SETTINGS[setting].lower()} of {fresh.user.name}.")
        return render(request, "accounts/rooftop.html", context, status=status)
    return render(request, "accounts/rooftop_change.html", context, status=status)
