"""The Inventory screens: the stock list with search (everyone at the dealership), and inventory
files (admins): upload, progress while the worker reads a big file, preview with per-row errors,
apply. Access goes through inventory.queries; writes through inventory.actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.queries import dealerships_administered_by, dealerships_of
from inventory import actions, queries
from inventory.forms import StockFileForm
from inventory.models import StockFeed, StockUpload, Vehicle
from inventory.sheet import ALIASES, LABELS, MAX_BYTES

# Files up to this size are checked (and applied) while the page waits; bigger ones by the worker,
# with a progress bar.
INLINE_BYTES = 512 * 1024
INLINE_ROWS = 2000
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware lets only users through
        raise PermissionDenied
    return user


def _admin(request: HttpRequest) -> User:
    user = _user(request)
    if not dealerships_administered_by(user).exists():
        raise PermissionDenied("Inventory files are for dealership admins.")
    return user


def _upload(user: User, upload_id: int) -> StockUpload:
    try:
        return queries.upload_for(user, upload_id)
    except StockUpload.DoesNotExist:
        raise Http404("No such inventory file.") from None


@require_GET
def stock_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    dealerships = list(dealerships_of(user).order_by("name"))
    units = queries.stock_visible_to(user).prefetch_related("photos")
    slug = request.GET.get("dealership", "")
    if slug:
        units = units.filter(dealership__slug=slug)
    sold = request.GET.get("status") == Vehicle.Status.SOLD
    units = units.filter(status=Vehicle.Status.SOLD if sold else Vehicle.Status.IN_STOCK)
    q = request.GET.get("q", "").strip()[:100]
    if q:
        units = queries.search_stock(units, q)
    page = Paginator(units.order_by("make", "model", "-year", "stock"), PAGE_SIZE).get_page(request.GET.get("page"))
    administered = list(dealerships_administered_by(user))
    return render(
        request,
        "inventory/list.html",
        {
            "page": page,
            "q": q,
            "sold": sold,
            "slug": slug,
            "dealerships": dealerships,
            "is_admin": bool(administered),
            "feeds": StockFeed.objects.filter(dealership__in=administered).exclude(url="").select_related("dealership"),
            "uploads": queries.uploads_visible_to(user).defer("raw", "report")[:5],
        },
    )


@require_http_methods(["GET", "POST"])
def upload_file(request: HttpRequest) -> HttpResponse:
    user = _admin(request)
    dealerships = list(dealerships_administered_by(user).order_by("name"))
    form = StockFileForm(request.POST or None, request.FILES or None, dealerships=dealerships)
    context = {
        "form": form,
        "aliases": [(LABELS.get(name, name), names) for name, names in ALIASES.items()],
        "max_mb": MAX_BYTES // (1024 * 1024),
        "is_admin": True,
    }
    if request.method != "POST" or not form.is_valid():
        return render(request, "inventory/upload.html", context, status=400 if request.method == "POST" else 200)
    dealership = next(d for d in dealerships if d.slug == form.cleaned_data["dealership"])
    uploaded = form.cleaned_data["file"]
    if uploaded.size > MAX_BYTES:
        form.add_error("file", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
        return render(request, "inventory/upload.html", context, status=400)
    data = uploaded.read()
    upload = actions.receive_file(dealership=dealership, data=data, name=uploaded.name or "", actor=user)
    if len(data) <= INLINE_BYTES:
        actions.check_upload(upload.pk)
    return redirect("inventory-upload-detail", upload_id=upload.pk)


@require_GET
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = _upload(_admin(request), upload_id)
    return render(
        request, "inventory/upload_detail.html", {"upload": upload, "report": upload.report, "is_admin": True}
    )


@require_GET
def upload_progress(request: HttpRequest, upload_id: int) -> JsonResponse:
    """How far the worker has read a file, for the progress bar (polled every second or so)."""
    upload = _upload(_admin(request), upload_id)
    return JsonResponse(
        {
            "status": upload.status,
            "percent": upload.percent,
            "rows_checked": upload.rows_checked,
            "rows_total": upload.rows_total,
            "working": upload.status in (StockUpload.Status.RECEIVED, StockUpload.Status.CONFIRMED),
        }
    )


@require_POST
def upload_apply(request: HttpRequest, upload_id: int) -> HttpResponse:
    user = _admin(request)
    upload = _upload(user, upload_id)
    if not actions.confirm_upload(upload=upload, actor=user):
        messages.error(request, f"This file is {upload.get_status_display().lower()}: it cannot be applied now.")
        return redirect("inventory-upload-detail", upload_id=upload.pk)
    if upload.report.get("rows", 0) <= INLINE_ROWS:
        done = actions.apply_upload(upload.pk)
        if done is not None and done.status == StockUpload.Status.APPLIED:
            outcome = done.outcome
            messages.success(
                request,
                f"Stock of {upload.dealership.name} updated: {outcome['added']} added, {outcome['updated']} updated,"
                f" {outcome['sold']} marked sold.",
            )
    return redirect("inventory-upload-detail", upload_id=upload.pk)


@require_POST
def upload_discard(request: HttpRequest, upload_id: int) -> HttpResponse:
    user = _admin(request)
    upload = _upload(user, upload_id)
    if actions.discard_upload(upload=upload, actor=user):
        messages.success(request, f"{upload.name} discarded; the stock is unchanged.")
    return redirect("inventory-upload")
