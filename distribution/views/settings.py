"""The distribution settings screen (forms or YAML) and the simulator, for the dealership's admins.

Both editors turn what was typed into the policy document and check it with
`distribution.policy.check`; "Simulate" replays past leads under the unsaved settings and shows
who would have got what next to what happened; "Save" stores them.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User
from dealerships.models import Dealership
from distribution import simulate
from distribution.forms import DepartmentForm, GroupFormSet, SimulateForm, initial_groups
from distribution.models import Rotation
from distribution.policy import DEPARTMENTS, Checked, check, to_document
from distribution.queries import administered_dealership
from distribution.store import load_policy, save_policy, staff_of

MAX_YAML = 200_000


def _dealership(request: HttpRequest, slug: str) -> tuple[User, Dealership]:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends others to log in
        raise Http404
    try:
        return user, administered_dealership(user, slug)
    except Dealership.DoesNotExist:
        raise Http404("No such dealership.") from None


def _simulation(request: HttpRequest, dealership: Dealership, checked: Checked) -> dict[str, Any]:
    form = SimulateForm(request.POST, request.FILES)
    if checked.policy is None or not form.is_valid():
        return {"simulate_form": form}
    upload = form.cleaned_data.get("csv_file")
    try:
        if upload:
            if upload.size > 5_000_000:
                raise simulate.CsvError("The CSV file is larger than 5 MB.")
            leads = simulate.leads_from_csv(upload.read().decode("utf-8-sig", errors="replace"), dealership)
        else:
            leads = simulate.past_leads(dealership, days=form.cleaned_data["days"])
    except simulate.CsvError as error:
        form.add_error("csv_file", str(error))
        return {"simulate_form": form}
    return {"simulate_form": form, "replay": simulate.replay(dealership, checked.policy, leads)}


@require_http_methods(["GET", "HEAD", "POST"])
def distribution_settings(request: HttpRequest, slug: str) -> HttpResponse:
    user, dealership = _dealership(request, slug)
    staff = staff_of(dealership)
    policy = load_policy(dealership)
    context: dict[str, Any] = {"dealership": dealership, "errors": [], "warnings": []}
    if request.method == "POST":
        departments = {name: DepartmentForm(request.POST, prefix=name, staff=staff) for name in DEPARTMENTS}
        groups = GroupFormSet(request.POST, prefix="groups", staff=staff)
        if all(f.is_valid() for f in departments.values()) and groups.is_valid():
            kept = [f for f in groups.forms if f.cleaned_data and not f.cleaned_data.get("DELETE") and not f.is_blank()]
            kept.sort(key=lambda f: (f.cleaned_data.get("position") is None, f.cleaned_data.get("position") or 0))
            document: dict[str, Any] = {name: form.document() for name, form in departments.items()}
            document["groups"] = [f.document() for f in kept]
            checked = check(document, staff)  # its messages are in words already (distribution.wording)
            context.update(errors=list(checked.errors), warnings=list(checked.warnings))
            if request.POST.get("action") == "simulate":
                context.update(_simulation(request, dealership, checked))
            elif checked.policy is not None:
                changes = save_policy(dealership=dealership, policy=checked.policy, actor=user)
                messages.success(request, "Distribution saved." if changes else "Nothing changed.")
                for warning in context["warnings"]:
                    messages.warning(request, warning)
                return HttpResponseRedirect(reverse("distribution-settings", args=[slug]))
    else:
        departments = {
            name: DepartmentForm(initial=DepartmentForm.initial_for(policy.department(name)), prefix=name, staff=staff)
            for name in DEPARTMENTS
        }
        groups = GroupFormSet(initial=initial_groups(policy), prefix="groups", staff=staff)
        context["warnings"] = list(check(to_document(policy), staff).warnings)
    context.update(
        departments=departments,
        groups=groups,
        rotations=Rotation.objects.filter(key__startswith=f"{dealership.pk}:").select_related("last_user"),
    )
    context.setdefault("simulate_form", SimulateForm())
    status = 422 if context["errors"] else 200
    return render(request, "distribution/settings.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def distribution_yaml(request: HttpRequest, slug: str) -> HttpResponse:
    """The same settings as a YAML document: check, simulate, save."""
    user, dealership = _dealership(request, slug)
    staff = staff_of(dealership)
    text = request.POST.get("document") if request.method == "POST" else None
    if text is None:
        text = yaml.safe_dump(to_document(load_policy(dealership)), sort_keys=False, allow_unicode=True)
    context: dict[str, Any] = {"dealership": dealership, "document": text, "errors": [], "warnings": []}
    if request.method == "POST":
        try:
            if len(text) > MAX_YAML:
                raise yaml.YAMLError("the document is too long")
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as error:
            context["errors"] = [f"This is not valid YAML: {error}"]
        else:
            checked = check(data, staff)
            context.update(errors=checked.errors, warnings=checked.warnings)
            if request.POST.get("action") == "simulate":
                context.update(_simulation(request, dealership, checked))
            elif request.POST.get("action") == "save" and checked.policy is not None:
                changes = save_policy(dealership=dealership, policy=checked.policy, actor=user)
                messages.success(request, "Distribution saved." if changes else "Nothing changed.")
                return HttpResponseRedirect(reverse("distribution-yaml", args=[slug]))
    context.setdefault("simulate_form", SimulateForm())
    return render(request, "distribution/yaml.html", context, status=422 if context["errors"] else 200)
