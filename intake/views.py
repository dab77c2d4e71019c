"""The Intake screens for dealership admins: inbound mail with retry, source rules, CSV import,
intake settings. Access goes through intake.queries; writes through actions."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from accounts.queries import dealerships_administered_by, is_admin_anywhere
from dealerships.models import Dealership
from intake import csv_import, queries
from intake.actions import retry_inbound, settings_for
from intake.forms import CsvUploadForm, IntakeSettingsForm, SourceRuleForm
from intake.mailbox import reset_poll
from intake.models import InboundEmail


def _admin(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not is_admin_anywhere(user):
        raise PermissionDenied("The Intake screens are for dealership admins.")
    return user


def _inbound(user: User, inbound_id: int) -> InboundEmail:
    try:
        return queries.inbound_for(user, inbound_id)
    except InboundEmail.DoesNotExist:
        raise Http404("No such inbound email.") from None


def inbound_list(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    inbound = queries.inbound_visible_to(user).prefetch_related("leads__customer")
    status = request.GET.get("status", "")
    if status in InboundEmail.Status.values:
        inbound = inbound.filter(status=status)
    dealership = request.GET.get("dealership", "")
    if dealership:
        inbound = inbound.filter(dealership__slug=dealership)
    page = Paginator(inbound, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "intake/inbound_list.html",
        {
            "page": page,
            "status": status,
            "statuses": InboundEmail.Status.choices,
            "dealership": dealership,
            "dealerships": dealerships_administered_by(user),
        },
    )


def inbound_detail(request: HttpRequest, inbound_id: int) -> HttpResponse:
    inbound = _inbound(_admin(request), inbound_id)
    return render(request, "intake/inbound_detail.html", {"inbound": inbound, "leads": inbound.leads.all()})


def inbound_raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """The message exactly as received, as plain text: never rendered as HTML."""
    inbound = _inbound(_admin(request), inbound_id)
    response = HttpResponse(inbound.raw_bytes, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="inbound-{inbound.pk}.eml"'
    return response


@require_POST
def inbound_retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    user = _admin(request)
    inbound = _inbound(user, inbound_id)
    try:
        retry_inbound(inbound=inbound, actor=user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("intake-detail", inbound_id=inbound.pk)
    inbound.refresh_from_db()
    if inbound.status == InboundEmail.Status.PROCESSED:
        messages.success(request, f"Processed: {inbound.reason}")
    else:
        messages.error(request, f"Still no lead: {inbound.reason or inbound.last_error}")
    return redirect("intake-detail", inbound_id=inbound.pk)


@require_http_methods(["GET", "POST"])
def rule_list(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    dealerships = list(dealerships_administered_by(user).select_related("organization"))
    form = SourceRuleForm(request.POST or None, dealerships=dealerships)
    if request.method == "POST" and form.is_valid():
        rule = form.save()
        messages.success(request, f"Rule added: {rule}")
        return redirect("intake-rules")
    rules = queries.rules_visible_to(user)
    editable = set(queries.rules_editable_by(user).values_list("pk", flat=True))
    return render(request, "intake/rules.html", {"rules": rules, "editable": editable, "form": form})


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = _admin(request)
    rule = queries.rules_editable_by(user).filter(pk=rule_id).first()
    if rule is None:
        raise Http404("No such rule.")
    dealerships = list(dealerships_administered_by(user).select_related("organization"))
    form = SourceRuleForm(request.POST or None, instance=rule, dealerships=dealerships)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Rule saved.")
        return redirect("intake-rules")
    return render(request, "intake/rule_edit.html", {"rule": rule, "form": form})


@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    user = _admin(request)
    deleted, _ = queries.rules_editable_by(user).filter(pk=rule_id).delete()
    if not deleted:
        raise Http404("No such rule.")
    messages.success(request, "Rule deleted.")
    return redirect("intake-rules")


@require_http_methods(["GET", "POST"])
def csv_upload(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    dealerships = list(dealerships_administered_by(user))
    form = CsvUploadForm(request.POST or None, request.FILES or None, dealerships=dealerships)
    context: dict[str, object] = {"form": form, "columns": csv_import.COLUMNS}
    if request.method != "POST":
        return render(request, "intake/import.html", context)
    if request.POST.get("action") == "import":
        return _csv_import(request, user)
    if not form.is_valid():
        return render(request, "intake/import.html", context, status=400)
    dealership = queries.administered_dealership(user, form.cleaned_data["dealership"])
    try:
        text = csv_import.decode(form.cleaned_data["file"].read(csv_import.MAX_BYTES + 1))
        preview = csv_import.read_csv(text, dealership=dealership)
    except csv_import.CsvError as exc:
        form.add_error("file", str(exc))
        return render(request, "intake/import.html", context, status=400)
    context |= {"preview": preview, "csv_text": text, "dealership": dealership}
    return render(request, "intake/import.html", context)


def _csv_import(request: HttpRequest, user: User) -> HttpResponse:
    try:
        dealership = queries.administered_dealership(user, request.POST.get("dealership", ""))
    except Dealership.DoesNotExist:
        raise Http404("No such dealership.") from None
    text = request.POST.get("csv_text", "")
    try:
        preview = csv_import.read_csv(text, dealership=dealership)
    except csv_import.CsvError as exc:
        messages.error(request, str(exc))
        return redirect("intake-import")
    leads = csv_import.import_rows(dealership=dealership, preview=preview, actor=user)
    skipped = len(preview.invalid)
    messages.success(
        request,
        f"Imported {len(leads)} lead(s) into {dealership.name}"
        + (f"; skipped {skipped} row(s) with errors." if skipped else "."),
    )
    return redirect("intake-import")


@require_http_methods(["GET", "POST"])
def intake_settings(request: HttpRequest, slug: str) -> HttpResponse:
    user = _admin(request)
    try:
        dealership = queries.administered_dealership(user, slug)
    except Dealership.DoesNotExist:
        raise Http404("No such dealership.") from None
    config = settings_for(dealership)
    form = IntakeSettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        reset_poll(form.save())
        messages.success(request, "Intake settings saved.")
        return redirect("intake-settings", slug=slug)
    return render(
        request,
        "intake/settings.html",
        {"dealership": dealership, "config": config, "form": form, "intake_domain": django_settings.INTAKE_DOMAIN},
    )
