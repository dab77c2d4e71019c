"""Follow-up tasks on a lead (a panel that htmx swaps in place) and the default-task settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.queries import dealerships_administered_by
from followups import actions
from followups.forms import CompleteForm, DefaultTasksForm, FollowUpForm, local_input
from followups.models import Category, FollowUp
from followups.queries import WHEN, colleagues_at, followups_of, followups_when, open_followups_for, sees_team_followups
from leads.models import Lead
from leads.queries import lead_for


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # pragma: no cover - LoginRequiredMiddleware sends others away
        raise Http404
    return request.user


def _lead(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return lead_for(_user(request), lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None


def panel_context(
    lead: Lead,
    *,
    add_form: FollowUpForm | None = None,
    failed: tuple[int, CompleteForm] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the panel shows; `failed` is a completion form with errors, kept open."""
    now = now or timezone.now()
    zone = lead.dealership.timezone
    suggested = local_input(actions.suggested_next_due(lead, now), zone)
    tasks = list(followups_of(lead))
    open_tasks = [t for t in tasks if t.completed_at is None]
    forms_by_task = {}
    for task in open_tasks:
        if failed and failed[0] == task.pk:
            forms_by_task[task.pk] = failed[1]
        else:
            forms_by_task[task.pk] = CompleteForm(
                zone=zone,
                auto_id=f"complete_{task.pk}_%s",
                initial={"add_next": True, "next_title": f"Follow up: {task.title}"[:200], "next_due_at": suggested},
            )
    return {
        "lead": lead,
        "zone": zone,
        "now": now,
        "open_tasks": [(t, forms_by_task[t.pk]) for t in open_tasks],
        "done_tasks": sorted((t for t in tasks if t.completed_at), key=lambda t: t.completed_at, reverse=True),
        "add_form": add_form or FollowUpForm(zone=zone, colleagues=colleagues_at(lead), initial={"due_at": suggested}),
        "open_add": add_form is not None,
    }


def _panel(request: HttpRequest, lead: Lead, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "followups/_panel.html", panel_context(lead, **extra), status=status)


def _done(request: HttpRequest, lead: Lead, message: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return _panel(request, lead)
    messages.success(request, message)
    return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]) + "#followups")


@require_GET
def followup_list(request: HttpRequest) -> HttpResponse:
    """Every open follow-up, not only the dashboard's first few: mine or (managers) my team's;
    overdue, later today or upcoming; a page at a time, times in each lead's dealership zone."""
    user = _user(request)
    now = timezone.now()
    can_see_team = sees_team_followups(user)
    whose = request.GET.get("whose") or ("team" if can_see_team else "mine")
    if whose not in ("mine", "team") or (whose == "team" and not can_see_team):
        whose = "mine"
    asked = request.GET.get("when", "")
    when = asked if asked in WHEN else WHEN[0]
    tasks = open_followups_for(user, team=whose == "team")
    counts = {key: followups_when(tasks, user, key, now).count() for key in WHEN}
    page = Paginator(followups_when(tasks, user, when, now), FOLLOWUPS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "followups/list.html",
        {
            "page": page,
            "now": now,
            "whose": whose,
            "when": when,
            "can_see_team": can_see_team,
            "tabs": [(key, label, counts[key]) for key, label in zip(WHEN, WHEN_LABELS, strict=True)],
        },
    )


FOLLOWUPS_PER_PAGE = 25
WHEN_LABELS = ("Overdue", "Later today", "Upcoming")


@require_GET
def panel(request: HttpRequest, lead_id: int) -> HttpResponse:
    return _panel(request, _lead(request, lead_id))


@require_POST
def add(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    form = FollowUpForm(request.POST, zone=lead.dealership.timezone, colleagues=colleagues_at(lead))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.create_followup(
                lead=lead, title=data["title"], due_at=data["due_at"], assignee=data["assignee"], actor=_user(request)
            )
        except ValueError as refusal:
            form.add_error(None, str(refusal))
        else:
            return _done(request, lead, "Follow-up added.")
    return _panel(request, lead, status=422, add_form=form)


@require_POST
def complete(request: HttpRequest, lead_id: int, followup_id: int) -> HttpResponse:
    lead = _lead(request, lead_id)
    task = get_object_or_404(FollowUp, pk=followup_id, lead=lead)
    form = CompleteForm(request.POST, zone=lead.dealership.timezone, auto_id=f"complete_{task.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = actions.complete_followup(
                followup=task,
                actor=_user(request),
                comment=data["comment"],
                next_title=data["next_title"] if data["add_next"] else "",
                next_due_at=data["next_due_at"] if data["add_next"] else None,
            )
        except ValueError as refusal:
            form.add_error(None, str(refusal))
        else:
            return _done(request, lead, "Follow-up done." + (" Next one added." if done.next else ""))
    return _panel(request, lead, status=422, failed=(task.pk, form))


@require_http_methods(["GET", "POST"])
def default_tasks(request: HttpRequest, slug: str) -> HttpResponse:
    """Admins edit the tasks each new lead (by category) gets; one form per category."""
    dealership = get_object_or_404(dealerships_administered_by(_user(request)), slug=slug)
    tasks = actions.default_tasks(dealership)
    status = 200
    bound: dict[str, DefaultTasksForm] = {}
    if request.method == "POST":
        form = DefaultTasksForm(request.POST, auto_id=f"defaults_{request.POST.get('category', '')}_%s")
        if form.is_valid():
            category = form.cleaned_data["category"]
            try:
                actions.set_default_tasks(
                    dealership=dealership, category=category, rows=form.cleaned_data["tasks"], actor=_user(request)
                )
            except ValueError as refusal:
                form.add_error("tasks", str(refusal))
            else:
                messages.success(request, f"Default tasks for {Category(category).label.lower()} saved.")
                return HttpResponseRedirect(reverse("followup-defaults", args=[slug]))
        status = 422
        bound[str(request.POST.get("category"))] = form
    sections = []
    for category, label in Category.choices:
        rows = [t for t in tasks if t.category == category]
        text = "\n".join(f"{t.due_after_hours} {t.title}" for t in rows)
        form = bound.get(category) or DefaultTasksForm(
            initial={"category": category, "tasks": text}, auto_id=f"defaults_{category}_%s"
        )
        sections.append({"category": category, "label": label, "rows": rows, "form": form})
    return render(request, "followups/defaults.html", {"dealership": dealership, "sections": sections}, status=status)
