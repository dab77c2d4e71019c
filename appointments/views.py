"""Screens of appointments: booking (a page, or a sheet over the dashboard), marking the outcome,
and the quick-action sheets of the dashboard's lead rows. Thin: access through
`appointments.queries` and `leads.queries`, writes through `appointments.actions`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.queries import dealerships_of
from appointments import actions
from appointments.forms import BookingForm
from appointments.models import Appointment
from appointments.notices import shown
from appointments.queries import appointment_for
from appointments.rules import BookingRefused
from conversations.channels import CannotSend, transport
from conversations.channels.email import EmailsOff
from conversations.consent import check_may_send
from conversations.views import MAX_TEXT
from dealerships.models import Dealership
from forecourt.lib.redirects import safe_next
from leads.models import Lead
from leads.queries import lead_for
from relay.composer import MAX_EMAIL, reply_subject


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them to log in
        raise Http404
    return user


def _lead(request: HttpRequest, lead_id: int) -> Lead:
    try:
        return lead_for(_user(request), lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None


def _is_sheet(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _booking(
    request: HttpRequest, *, dealership: Dealership, lead: Lead | None, default_next: str, action: str
) -> HttpResponse:
    user = _user(request)
    next_url = safe_next(request, default_next)
    form = BookingForm(request.POST or None, dealership=dealership, lead=lead, actor=user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                appointment = actions.book_appointment(
                    dealership=dealership,
                    lead=lead,
                    actor=user,
                    user=form.cleaned_data["user"],
                    kind=form.cleaned_data["kind"],
                    starts_at=form.starts_at(),
                    ends_at=form.ends_at(),
                    vehicle=form.cleaned_data.get("vehicle"),
                    note=form.cleaned_data["note"],
                    title=form.cleaned_data.get("title", ""),
                    insist=form.cleaned_data["insist"],
                )
            except BookingRefused as refusal:
                # A time refused (past, closed) is about the day and the time together: said above the form.
                field = {"ends_at": "minutes"}.get(refusal.field, refusal.field)
                form.add_error(field if field in form.fields else None, str(refusal))
            else:
                told = f" {appointment.customer_notice}" if appointment.customer_notice else ""
                messages.success(
                    request,
                    f"{appointment.get_kind_display()} booked for {shown(appointment)} with {appointment.user.name}.{told}",
                )
                if _is_sheet(request):
                    return HttpResponse(status=204, headers={"HX-Redirect": next_url})
                return HttpResponseRedirect(next_url)
    context = {"form": form, "lead": lead, "dealership": dealership, "next": next_url, "action": action}
    template = "appointments/_book_sheet.html" if _is_sheet(request) else "appointments/book.html"
    return render(request, template, context, status=status)


def book(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Book an appointment on a lead: the page, or the sheet the dashboard opens over itself."""
    lead = _lead(request, lead_id)
    return _booking(
        request,
        dealership=lead.dealership,
        lead=lead,
        default_next=reverse("lead-detail", args=[lead.pk]),
        action=reverse("appointment-book", args=[lead.pk]),
    )


def new_event(request: HttpRequest, slug: str) -> HttpResponse:
    """A free-standing event (a call back, a delivery slot, a meeting) on the calendar."""
    try:
        dealership = dealerships_of(_user(request)).get(slug=slug)
    except Dealership.DoesNotExist:
        raise Http404("No such dealership.") from None
    return _booking(
        request,
        dealership=dealership,
        lead=None,
        default_next=reverse("calendar"),
        action=reverse("appointment-new-event", args=[slug]),
    )


@require_POST
def mark(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Kept, no-show or cancelled, from the dashboard, the calendar or the lead page."""
    user = _user(request)
    try:
        appointment = appointment_for(user, appointment_id)
    except Appointment.DoesNotExist:
        raise Http404("No such appointment.") from None
    outcome = request.POST.get("outcome", "")
    try:
        actions.mark_appointment(appointment=appointment, outcome=outcome, actor=user)
    except ValueError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, f"{appointment.what}, {shown(appointment)}: {appointment.get_status_display().lower()}."
        )
    return HttpResponseRedirect(safe_next(request, reverse("dashboard")))


def _why_not(lead: Lead, channel: str) -> CannotSend | None:
    """Why the sheet cannot send on `channel` (no address, opted out, emails off), None when it can:
    said at once rather than after the salesperson has written the message."""
    try:
        transport(channel).addresses(lead)
        check_may_send(lead=lead, channel=channel)
    except CannotSend as refusal:
        return refusal
    return None


def quick_message(request: HttpRequest, lead_id: int, channel: str) -> HttpResponse:
    """The dashboard's text or email sheet: a small composer posting to the lead's thread."""
    if channel not in ("sms", "email"):
        raise Http404
    lead = _lead(request, lead_id)
    refusal = _why_not(lead, channel)
    context: dict[str, Any] = {
        "lead": lead,
        "channel": channel,
        "refusal": str(refusal) if refusal else "",
        # Only when the dealership sends no email at all may the phone's own mail app write instead.
        "emails": [e.email for e in lead.customer.emails.all()] if isinstance(refusal, EmailsOff) else [],
        "max_length": MAX_EMAIL if channel == "email" else MAX_TEXT,
        "subject": reply_subject(lead) if channel == "email" else "",  # threads under the customer's last email
        "next": safe_next(request, reverse("dashboard")),
    }
    template = "appointments/_message_sheet.html" if _is_sheet(request) else "appointments/message.html"
    return render(request, template, context)
