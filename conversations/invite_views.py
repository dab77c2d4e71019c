"""Screens of Invite customer, the customer simulator and the alert email's reply."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.queries import memberships_of
from conversations import simulator
from conversations.actions import invite_customer, send_message
from conversations.channels import transport
from conversations.forms import InviteForm, SimulatorForm
from conversations.inbound import UnknownNumber
from conversations.models import Message, MessageTemplate
from conversations.templates import render_template
from dealerships.models import Dealership
from distribution import alerts
from forecourt.lib.phone import display, to_e164
from leads.models import Lead
from leads.queries import lead_for
from leads.views.common import signed_in


@require_http_methods(["GET", "HEAD", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    """Invite customer: text any number from the dealership's number; the customer's open lead
    (or a new one) opens with the text on its thread. An error changes nothing."""
    user = signed_in(request)
    dealerships = [m.dealership for m in memberships_of(user).order_by("dealership__name")]
    form = InviteForm(request.POST if request.method == "POST" else None, dealerships=dealerships)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lead, _ = invite_customer(
                dealership=data["dealership"],
                phone=data["phone"],
                body=data["body"],
                actor=user,
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValueError as error:  # CannotSend among them: opted out, no number to text from
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Text to {lead.customer.display_name} queued.")
            return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]))
    status = 422 if form.is_bound else 200
    return render(request, "conversations/invite.html", {"form": form}, status=status)


def _simulated(request: HttpRequest) -> list[Dealership]:
    user = signed_in(request)
    if not simulator.simulator_on(user):
        raise Http404("The customer simulator is only on with the console text provider.")
    return simulator.simulated_dealerships(user)


@require_http_methods(["GET", "HEAD", "POST"])
def customer_simulator(request: HttpRequest) -> HttpResponse:
    """Text the dealership as a customer; the customer's side of the thread shows below."""
    dealerships = _simulated(request)
    form = SimulatorForm(request.POST if request.method == "POST" else None, dealerships=dealerships)
    dealership, number = _chosen(request, dealerships)
    if request.method == "POST" and form.is_valid():
        dealership, number = form.cleaned_data["dealership"], form.cleaned_data["from_number"]
        try:
            received = simulator.text_as_customer(
                dealership=dealership, from_number=number, body=form.cleaned_data["body"]
            )
        except UnknownNumber as error:  # pragma: no cover - only dealerships with a number are offered
            form.add_error(None, str(error))
        else:
            if received.new_lead:
                messages.success(request, f"A new lead was made at {dealership.name} for {display(number)}.")
            query = f"?dealership={dealership.pk}&number={number.replace('+', '%2B')}"
            return HttpResponseRedirect(reverse("customer-simulator") + query)
    if not form.is_bound and dealership is not None:
        form.initial.update({"dealership": dealership.pk, "from_number": number})
    context = {
        "form": form,
        "dealership": dealership,
        "number": number,
        "thread": simulator.thread_of_number(dealership, number) if dealership else [],
    }
    return render(request, "conversations/simulator.html", context, status=422 if form.is_bound else 200)


@require_http_methods(["GET", "HEAD"])
def simulator_thread(request: HttpRequest) -> HttpResponse:
    """The simulated customer's side of the thread, polled by the simulator page."""
    dealership, number = _chosen(request, _simulated(request))
    if dealership is None:
        raise Http404("No such dealership.")
    context = {"dealership": dealership, "number": number, "thread": simulator.thread_of_number(dealership, number)}
    return render(request, "conversations/_simulator_thread.html", context)


def _chosen(request: HttpRequest, dealerships: list[Dealership]) -> tuple[Dealership | None, str]:
    """The dealership and customer number the page shows: from the query, else a fresh made-up one."""
    wanted = request.GET.get("dealership", "")
    dealership = next((d for d in dealerships if str(d.pk) == wanted), dealerships[0] if dealerships else None)
    if dealership is None:
        return None, ""
    number = to_e164(request.GET.get("number", ""), dealership.country) or ""
    return dealership, number or simulator.made_up_number(dealership)


@require_http_methods(["GET", "HEAD", "POST"])
def alert_reply(request: HttpRequest, token: str) -> HttpResponse:
    """The alert email's "reply by text with the default template": opening the link shows
    the text as the customer will read it; pressing Send texts it through Forecourt, recorded on
    the thread as the recipient's reply. Only the alert's recipient, while they may see the lead."""
    user = signed_in(request)
    try:
        lead_id, recipient_id = alerts.read_reply_token(token)
    except alerts.LinkError as dead:
        return render(request, "conversations/alert_reply.html", {"error": str(dead)}, status=410)
    if recipient_id != user.pk:
        raise Http404("This link was sent to someone else.")
    try:
        lead = lead_for(user, lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None
    text, error = _default_reply(lead, user)
    if request.method == "POST" and not error:
        try:
            send_message(lead=lead, channel="sms", body=text, actor=user)
        except ValueError as refused:  # CannotSend among them: opted out, no number
            error = str(refused)
        else:
            messages.success(request, f"Text to {lead.customer.display_name} queued.")
            return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]))
    sent = (
        Message.objects.filter(conversation__lead=lead, direction=Message.Direction.OUT, sent_by=user, body=text)
        .order_by("-created_at")
        .first()
        if text
        else None
    )
    context = {"lead": lead, "text": text, "error": error, "sent": sent}
    return render(request, "conversations/alert_reply.html", context, status=422 if error else 200)


def _default_reply(lead: Lead, user: User) -> tuple[str, str]:
    """(the dealership's default template filled in for the lead, why it cannot go or "")."""
    template = MessageTemplate.objects.filter(dealership=lead.dealership, is_default=True).first()
    if template is None:
        return "", f"{lead.dealership.name} has no default text template any more; open the lead to text the customer."
    try:
        text = render_template(template.body, lead, user)
        transport("sms").addresses(lead)
    except ValueError as problem:  # TemplateError, NoAddress
        return "", str(problem)
    return text, ""
