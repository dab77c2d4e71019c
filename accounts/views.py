"""Login, passwords and the user admin screens. Thin: access via accounts.queries, writes via actions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.generic.edit import FormView

from accounts import actions, erasure, throttle
from accounts.forms import LoginForm, PasswordResetRequestForm, UserEditor
from accounts.models import Membership, User
from accounts.queries import dealerships_administered_by, dealerships_outside_admin_of, users_administered_by
from calls.actions import set_call_settings
from dealerships.models import Dealership
from distribution import departure, handover, overview
from distribution.models import Handover
from forecourt.lib.redirects import safe_next

# Login and passwords -----------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    authentication_form = LoginForm  # type: ignore[assignment]
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "throttled", False):
            response.status_code = 429
        return response

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        return safe_next(request or self.request, "", name=self.redirect_field_name)


class LogoutView(auth_views.LogoutView):
    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        return safe_next(request or self.request, "", name=self.redirect_field_name)


@method_decorator([login_not_required, never_cache], name="dispatch")
class PasswordResetView(FormView[PasswordResetRequestForm]):
    """Queues a reset email for the worker; the answer is the same whether the email is known."""

    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password-reset-done")

    def form_valid(self, form: PasswordResetRequestForm) -> HttpResponse:
        address = throttle.client_address(self.request)
        email = throttle.normalise_email(form.cleaned_data["email"])
        wait = throttle.reset_minutes_to_wait(address=address, email=email)
        if wait is not None:
            form.add_error(
                None,
                f"Too many reset emails were asked for. Use the link in one already sent, "
                f"or try again in {wait} minute{'s' if wait != 1 else ''}.",
            )
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        throttle.record_reset_request(address=address, email=email)
        for user in form.users():
            actions.send_password_reset(user=user)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password-reset-complete")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        # A deactivated user's old link must not work: they could not log in with it anyway.
        return user if user is not None and user.is_active else None

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        throttle.clear_failures_for_email(form.user.email)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password-change-done")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # Changing the password renews the session key; keep deactivation able to find it.
        actions.remember_session(user=form.user, session_key=self.request.session.session_key)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


# User admin screens ------------------------------------------------------------------------


def _administered(request: HttpRequest) -> list[Dealership]:
    """The dealerships the signed-in user administers; 404 for anyone who administers none."""
    dealerships = list(dealerships_administered_by(request.user))  # type: ignore[arg-type]
    if not dealerships:
        raise Http404
    return dealerships


def _user_or_404(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(users_administered_by(request.user), pk=pk)  # type: ignore[arg-type]


def _may_manage_login(request: HttpRequest, user: User) -> str | None:
    """Why the signed-in admin may not deactivate or reactivate `user`, or None if they may."""
    if user.pk == request.user.pk:
        return "You cannot deactivate yourself; ask another admin."
    if dealerships_outside_admin_of(request.user, user).exists():  # type: ignore[arg-type]
        return f"{user.name} also works at a dealership you don't administer; ask its admin."
    return None


@require_http_methods(["GET"])
def user_list(request: HttpRequest) -> HttpResponse:
    administered = _administered(request)
    users = users_administered_by(request.user).prefetch_related(  # type: ignore[arg-type]
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(dealership__in=administered).select_related("dealership"),
            to_attr="visible_memberships",
        )
    )
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(name__icontains=query) | Q(email__icontains=query))
    status = request.GET.get("status", "")
    if status in ("active", "inactive"):
        users = users.filter(is_active=status == "active")
    page = Paginator(users.order_by("name", "pk"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "q": query, "status": status, "administered": administered}
    return render(request, "accounts/user_list.html", context)


@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    administered = _administered(request)
    editor = UserEditor(actor=request.user, administered=administered, data=request.POST or None)  # type: ignore[arg-type]
    if request.method == "POST" and editor.is_valid():
        details = editor.user_form.cleaned_data
        user = actions.create_user(
            email=details["email"],
            name=details["name"],
            mobile=details["mobile"],
            memberships=editor.memberships(),
            actor=request.user,  # type: ignore[arg-type]
        )
        set_call_settings(
            user=user,
            actor=request.user,  # type: ignore[arg-type]
            outbound_phone=details["outbound_phone"],
            forward_calls=details["forward_calls"],
        )
        messages.success(request, f"{user.name} was added. An email to {user.email} lets them choose a password.")
        return redirect("user-edit", pk=user.pk)
    return render(request, "accounts/user_form.html", {"editor": editor, "member": None})


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    administered = _administered(request)
    member = _user_or_404(request, pk)
    editor = UserEditor(actor=request.user, administered=administered, user=member, data=request.POST or None)  # type: ignore[arg-type]
    if request.method == "POST" and editor.is_valid():
        if not editor.locked:
            details = editor.user_form.cleaned_data
            actions.update_user(
                user=member,
                actor=request.user,  # type: ignore[arg-type]
                email=details["email"],
                name=details["name"],
                mobile=details["mobile"],
            )
            set_call_settings(
                user=member,
                actor=request.user,  # type: ignore[arg-type]
                outbound_phone=details["outbound_phone"],
                forward_calls=details["forward_calls"],
            )
        touched = [d for d in administered if d.slug in {data["dealership"] for data in editor.memberships()}]
        before = [overview.setup_of(d) for d in touched]
        for data in editor.memberships():
            actions.save_membership(user=member, data=data, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, f"Saved {member.name}.")
        for setup in before:
            for warning in overview.new_gaps(setup, overview.setup_of(setup.dealership)):
                messages.warning(request, _at(setup.dealership, warning, len(before)))
        return redirect("user-edit", pk=member.pk)
    context = {"editor": editor, "member": member, "login_refusal": _may_manage_login(request, member)}
    if not member.is_active:
        context["handover"] = Handover.objects.filter(user=member).order_by("-pk").first()
    return render(request, "accounts/user_form.html", context)


@require_http_methods(["GET", "POST"])
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_active(request, pk, active=False)


@require_http_methods(["GET", "POST"])
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_active(request, pk, active=True)


def _change_active(request: HttpRequest, pk: int, *, active: bool) -> HttpResponse:
    """GET asks for confirmation; POST deactivates or reactivates."""
    _administered(request)
    member = _user_or_404(request, pk)
    refusal = _may_manage_login(request, member)
    if refusal is None and active and member.erased_at is not None:
        refusal = (
            "This user's personal data was erased: they cannot be reactivated. Add the person again as a new user."
        )
    if refusal:
        messages.error(request, refusal)
        return redirect("user-edit", pk=member.pk)
    if request.method == "POST":
        if active:
            actions.reactivate_user(user=member, actor=request.user)  # type: ignore[arg-type]
            messages.success(
                request,
                f"{member.name} can log in again. Turn on “Receives leads” for the dealerships "
                "where leads should reach them.",
            )
        else:
            gaps = _group_gaps_without(member) if member.is_active else []
            try:
                job = handover.deactivate(
                    user=member,
                    actor=request.user,  # type: ignore[arg-type]
                    hand_over=request.POST.get("open_leads") != "keep",
                )
            except actions.AccountError as error:
                messages.error(request, str(error))
                return redirect("user-edit", pk=member.pk)
            for warning in gaps:
                messages.warning(request, warning)
            return redirect("user-deactivated", pk=member.pk, handover_id=job.pk)
        return redirect("user-edit", pk=member.pk)
    context: dict[str, Any] = {"member": member, "activate": active}
    if not active:
        context.update(
            open_leads=handover.open_leads_of(member),
            leaving=departure.preview(member),
            group_gaps=_group_gaps_without(member),
        )
    return render(request, "accounts/user_confirm_active.html", context)


def _at(dealership: Dealership, text: str, places: int) -> str:
    return f"{dealership.name}: {text}" if places > 1 else text


def _group_gaps_without(member: User) -> list[str]:
    """Distribution groups and pools that `member` leaving would leave reaching nobody (the
    departments are warned about by `distribution.departure`)."""
    places = list(Dealership.objects.filter(memberships__user=member).distinct().order_by("name"))
    result = []
    for dealership in places:
        before = overview.setup_of(dealership)
        after = overview.setup_of(dealership, leaving=[member.pk])
        known = {gap.key for gap in before.gaps}
        for gap in after.gaps:
            if gap.key not in known and gap.key[0] in ("group", "group-absent", "pool"):
                result.append(_at(dealership, gap.text, len(places)))
    return result


@require_http_methods(["GET"])
def user_deactivated(request: HttpRequest, pk: int, handover_id: int) -> HttpResponse:
    """What deactivating someone changed, and how far the handing on of their leads has got.
    The page polls itself (htmx) until the worker has finished."""
    _administered(request)
    member = _user_or_404(request, pk)
    job = get_object_or_404(Handover, pk=handover_id, user=member)
    context = {"member": member, "handover": job, "progress": handover.Progress.of(job)}
    return render(request, "accounts/user_deactivated.html", context)


@require_http_methods(["GET", "POST"])
def user_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """GET says what erasing a deactivated user's personal data does; POST does it."""
    _administered(request)
    member = _user_or_404(request, pk)
    refusal = _may_manage_login(request, member)
    if refusal is None and member.is_active:
        refusal = f"{member.name} is still active: deactivate them first."
    if refusal is None and member.erased_at is not None:
        refusal = "This user's personal data was erased already."
    if refusal:
        messages.error(request, refusal.replace("deactivate yourself", "erase yourself"))
        return redirect("user-edit", pk=member.pk)
    places = list(Dealership.objects.filter(memberships__user=member).distinct().order_by("name"))
    if request.method == "POST":
        name = member.name
        try:
            erasure.erase_user(user=member, actor=request.user)  # type: ignore[arg-type]
        except actions.AccountError as error:
            messages.error(request, str(error))
            return redirect("user-edit", pk=member.pk)
        messages.success(
            request, f"{name}'s personal data was erased. Their work is kept, attributed to “Former user”."
        )
        for setup in [overview.setup_of(d) for d in places]:
            for gap in setup.gaps:
                messages.warning(request, _at(setup.dealership, gap.text, len(places)))
        return redirect("user-edit", pk=member.pk)
    gaps = [_at(s.dealership, gap.text, len(places)) for s in map(overview.setup_of, places) for gap in s.gaps]
    context = {"member": member, "places": places, "gaps": gaps, "placeholder": erasure.placeholder_email(member)}
    return render(request, "accounts/user_confirm_erase.html", context)


@require_POST
def user_send_password_email(request: HttpRequest, pk: int) -> HttpResponse:
    """Send (again) the email that lets a user choose a password."""
    _administered(request)
    member = _user_or_404(request, pk)
    if not member.is_active:
        messages.error(request, f"{member.name} is deactivated; reactivate them first.")
    else:
        actions.send_password_setup(user=member)
        messages.success(request, f"An email to {member.email} lets {member.name} choose a password.")
    return HttpResponseRedirect(reverse("user-edit", kwargs={"pk": member.pk}))
