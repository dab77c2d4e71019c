"""The text templates screen of a dealership's settings: admins list, add, change and delete them
(404 for everyone else, as every settings screen)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.queries import dealerships_administered_by
from conversations.models import MessageTemplate
from conversations.templates import FIELDS, LINKS, TemplateError, delete_message_template, save_message_template
from dealerships.models import Dealership


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name")
    body = forms.CharField(
        max_length=1000,
        label="Text",
        widget=forms.Textarea(attrs={"rows": 5, "data-counter": "template-counter"}),
    )
    is_default = forms.BooleanField(
        required=False, label="Default template (the one a salesperson sends from the new-lead email)"
    )


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them to log in
        raise Http404
    return user


def _dealership(request: HttpRequest, slug: str) -> Dealership:
    return get_object_or_404(dealerships_administered_by(_admin(request)), slug=slug)


def _fields(dealership: Dealership) -> list[dict[str, str]]:
    links = dealership.links or {}
    return [{"name": name, "means": means, "missing": ""} for name, means in FIELDS.items()] + [
        {"name": name, "means": f"the {words} link", "missing": "" if links.get(name) else "not set"}
        for name, words in LINKS.items()
    ]


@require_http_methods(["GET", "HEAD"])
def template_list(request: HttpRequest, slug: str) -> HttpResponse:
    dealership = _dealership(request, slug)
    context = {
        "dealership": dealership,
        "templates": MessageTemplate.objects.filter(dealership=dealership),
        "fields": _fields(dealership),
    }
    return render(request, "conversations/templates.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def template_edit(request: HttpRequest, slug: str, template_id: int | None = None) -> HttpResponse:
    dealership = _dealership(request, slug)
    template = get_object_or_404(MessageTemplate, dealership=dealership, pk=template_id) if template_id else None
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                saved = save_message_template(
                    dealership=dealership, actor=_admin(request), template=template, **form.cleaned_data
                )
            except TemplateError as refusal:
                for problem in refusal.problems:
                    form.add_error("body" if "{" in problem or "brace" in problem else "name", problem)
            else:
                messages.success(request, f"Template {saved.name} saved.")
                return redirect("message-templates", slug=dealership.slug)
    elif template:
        form = TemplateForm(initial={"name": template.name, "body": template.body, "is_default": template.is_default})
    else:
        form = TemplateForm()
    context = {"dealership": dealership, "template": template, "form": form, "fields": _fields(dealership)}
    return render(request, "conversations/template_form.html", context, status=400 if form.errors else 200)


@require_POST
def template_delete(request: HttpRequest, slug: str, template_id: int) -> HttpResponse:
    dealership = _dealership(request, slug)
    template = get_object_or_404(MessageTemplate, dealership=dealership, pk=template_id)
    delete_message_template(template=template, actor=_admin(request))
    messages.success(request, f"Template {template.name} deleted.")
    return redirect("message-templates", slug=dealership.slug)
