"""Forms of the accounts app: login, password reset request, and the user admin screens."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts import throttle
from accounts.actions import membership_problems
from accounts.models import Membership, User
from dealerships.models import Dealership, Department
from forecourt.lib.phone import to_e164

INVALID_LOGIN = "That email and password don't match. Check both and try again, or reset your password."


def throttled_message(minutes: int) -> str:
    unit = "minute" if minutes == 1 else "minutes"
    return f"Too many failed attempts from your address; try again in {minutes} {unit} or reset your password."


class LoginForm(forms.Form):
    """Email and password, throttled per address (see accounts.throttle).

    The same message answers an unknown email and a wrong password, and Django's ModelBackend
    hashes a dummy password for unknown emails, so neither the answer nor its timing tells
    whether someone has an account.
    """

    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user_cache: User | None = None
        self.throttled = False
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email = throttle.normalise_email(cleaned.get("email") or "")
        password = cleaned.get("password")
        if not email or not password or self.request is None:
            return cleaned
        address = throttle.client_address(self.request)
        wait = throttle.minutes_to_wait(address=address, email=email)
        if wait is not None:
            # Refused before the password is looked at: guesses over the limit teach nothing.
            self.throttled = True
            raise ValidationError(throttled_message(wait), code="throttled")
        if throttle.begin_attempt(address=address, email=email) is None:
            # Other attempts arriving at the same moment took the last tries.
            self.throttled = True
            wait = throttle.minutes_to_wait(address=address, email=email) or 1
            raise ValidationError(throttled_message(wait), code="throttled")
        user = authenticate(self.request, username=email, password=password)
        if user is None:
            throttle.forget_old_failures()  # this attempt's row stays, as the failure
            raise ValidationError(INVALID_LOGIN, code="invalid_login")
        throttle.clear_failures(address=address, email=email)
        self.user_cache = user
        return cleaned

    def get_user(self) -> User | None:
        return self.user_cache


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def users(self) -> list[User]:
        """Active users with this email. Unlike Django's form, users who never set a password
        are included: the link lets them choose one, like the setup email they may have lost."""
        email = throttle.normalise_email(self.cleaned_data["email"])
        return list(User.objects.filter(email__iexact=email, is_active=True))


# User admin screens ------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class UserForm(forms.Form):
    """A user's own details: the login (email), how to reach them, and their calls (the phone
    click-to-call rings first, and whether their customers' calls ring their mobile), as they set
    them themselves on My call settings."""

    email = forms.EmailField(label="Email", max_length=254)
    name = forms.CharField(label="Name", max_length=150)
    mobile = forms.CharField(
        label="Mobile", max_length=32, required=False, help_text="For text alerts, e.g. +1 512 555 0100."
    )
    outbound_phone = forms.CharField(
        label="Phone to ring first",
        required=False,
        max_length=40,
        help_text="When they press Call, this phone rings first; empty: their mobile. For a desk phone behind "
        "a switchboard, add a comma per second to wait and the extension: +15125550100,,,42.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "placeholder": "their mobile"}),
    )
    forward_calls = forms.BooleanField(
        label="Calls from their customers ring their mobile",
        required=False,
        initial=True,
        help_text="When a customer whose lead is theirs calls the dealership. Off: the store takes them.",
    )

    def __init__(self, *args: Any, user: User | None, country: str, locked: bool = False, **kwargs: Any) -> None:
        self.user = user
        self.country = country
        super().__init__(*args, **kwargs)
        if locked:
            for field in self.fields.values():
                field.disabled = True

    def clean_email(self) -> str:
        email = throttle.normalise_email(self.cleaned_data["email"])
        others = User.objects.filter(email__iexact=email)
        if self.user is not None:
            others = others.exclude(pk=self.user.pk)
        if others.exists():
            raise ValidationError("Someone already uses this email address in Forecourt.")
        return email

    def clean_mobile(self) -> str:
        raw = self.cleaned_data["mobile"].strip()
        if not raw:
            return ""
        number = to_e164(raw, self.country)
        if number is None:
            raise ValidationError("Enter a mobile number such as +1 512 555 0100.")
        return number

    def clean_outbound_phone(self) -> str:
        from calls.phones import normalise_outbound_phone  # the one reading of an outbound phone

        try:
            return normalise_outbound_phone(self.cleaned_data["outbound_phone"], self.country)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


# Keys of `validate_membership` and the form field that shows their errors.
FIELD_FOR_KEY = {"absent": "absent_from", "absent.from": "absent_from", "absent.until": "absent_until"}


class MembershipForm(forms.Form):
    """One membership: at a fixed dealership (`membership` given) or at one to choose."""

    dealership = forms.ModelChoiceField(
        queryset=Dealership.objects.none(), to_field_name="slug", required=False, empty_label="— choose —"
    )
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial=Membership.Role.SALESPERSON)
    departments = forms.MultipleChoiceField(
        label="Departments",
        choices=Department.choices,
        initial=[Department.SALES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    receives_leads = forms.BooleanField(label="Receives leads", required=False, initial=True)
    can_be_assigned = forms.BooleanField(label="Can be assigned leads", required=False, initial=True)
    supervisor = forms.ModelChoiceField(
        label="Supervisor", queryset=User.objects.none(), required=False, empty_label="— none —"
    )
    crm_id = forms.CharField(label="CRM id", max_length=64, required=False, help_text="Their id in the sending CRM.")
    absent_from = forms.DateField(label="Absent from", required=False, widget=DateInput)
    absent_until = forms.DateField(label="Absent until", required=False, widget=DateInput)
    pool_alerts = forms.BooleanField(
        label="Pool alerts",
        required=False,
        initial=False,
        help_text="Tell them when a lead lands in the pool they can claim from. Off: they look in the pool themselves.",
    )

    def __init__(
        self,
        *args: Any,
        membership: Membership | None,
        choices: Sequence[Dealership],
        staff: Mapping[str, Collection[str]],
        member_email: str | None,
        **kwargs: Any,
    ) -> None:
        self.membership = membership
        self.staff = staff
        self.member_email = member_email
        if membership is not None:
            kwargs.setdefault("initial", initial_for(membership))
        kwargs.setdefault("use_required_attribute", False)
        super().__init__(*args, **kwargs)
        if membership is not None:
            del self.fields["dealership"]
            people = staff.get(membership.dealership.slug, ())
        else:
            field = self.fields["dealership"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Dealership.objects.filter(pk__in=[d.pk for d in choices])
            field.label = "Dealership"
            people = {email for d in choices for email in staff.get(d.slug, ())}
        supervisor = self.fields["supervisor"]
        assert isinstance(supervisor, forms.ModelChoiceField)
        candidates = User.objects.filter(email__in=people, is_active=True)
        supervisor.queryset = candidates.exclude(email=member_email) if member_email else candidates

    @property
    def slug(self) -> str | None:
        if self.membership is not None:
            return self.membership.dealership.slug
        chosen = self.cleaned_data.get("dealership") if hasattr(self, "cleaned_data") else None
        return chosen.slug if chosen else None

    @property
    def is_blank(self) -> bool:
        """An optional "add a dealership" form left alone."""
        return self.membership is None and self.empty_permitted and not self.has_changed()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        if self.membership is None and cleaned.get("dealership") is None:
            self.add_error("dealership", "Choose a dealership.")
            return cleaned
        slugs = [self.slug] if self.slug else []
        for key, message in membership_problems(
            self.data_for_actions(), dealerships=slugs, staff=self.staff, email=self.member_email
        ):
            field = FIELD_FOR_KEY.get(key, key.split("[")[0].split(".")[0])
            self.add_error(
                field if field in self.fields else None,
                "This field is required." if message == "is required" else message,
            )
        return cleaned

    def data_for_actions(self) -> dict[str, Any]:
        """The membership in the provisioning YAML's shape, for validate_membership and save_membership."""
        data = self.cleaned_data
        supervisor = data.get("supervisor")
        absent_from, absent_until = data.get("absent_from"), data.get("absent_until")
        return {
            "dealership": self.slug,
            "role": data.get("role"),
            "departments": list(data.get("departments") or []),
            "receives_leads": bool(data.get("receives_leads")),
            "can_be_assigned": bool(data.get("can_be_assigned")),
            "supervisor": supervisor.email if supervisor else None,
            "crm_id": data.get("crm_id") or "",
            "absent": {"from": absent_from, "until": absent_until} if absent_from or absent_until else None,
            "pool_alerts": bool(data.get("pool_alerts")),
        }


def initial_for(membership: Membership) -> dict[str, Any]:
    return {
        "role": membership.role,
        "departments": membership.departments,
        "receives_leads": membership.receives_leads,
        "can_be_assigned": membership.can_be_assigned,
        "supervisor": membership.supervisor_id,
        "crm_id": membership.crm_id,
        "absent_from": membership.absent_from,
        "absent_until": membership.absent_until,
        "pool_alerts": membership.pool_alerts,
    }


def staff_of(dealerships: Sequence[Dealership]) -> dict[str, set[str]]:
    """Per dealership slug, the emails of its active people: who may be a supervisor there."""
    staff: dict[str, set[str]] = {d.slug: set() for d in dealerships}
    rows = Membership.objects.filter(dealership__in=dealerships, user__is_active=True).values_list(
        "dealership__slug", "user__email"
    )
    for slug, email in rows:
        staff[slug].add(email.lower())
    return staff


class UserEditor:
    """The "New user" and "Edit user" screen: the user's details, one form per membership the
    admin may edit, and blank forms to add the user at another dealership the admin runs.

    Memberships at dealerships the admin does not administer are neither shown nor changed;
    while there are any, the login itself (email, name, mobile, calls) is locked too, because it is
    shared with those dealerships' admins.
    """

    MAX_NEW = 3

    def __init__(
        self, *, actor: User, administered: Sequence[Dealership], user: User | None = None, data: Any = None
    ) -> None:
        self.actor = actor
        self.user = user
        existing = (
            list(Membership.objects.filter(user=user, dealership__in=administered).select_related("dealership"))
            if user
            else []
        )
        self.elsewhere = user.memberships.exclude(dealership__in=administered).count() if user else 0
        # An erased person's details stay erased: nobody types a name or email back in.
        self.erased = user is not None and user.erased_at is not None
        self.locked = self.elsewhere > 0 or self.erased
        used = {m.dealership_id for m in existing}
        free = [d for d in administered if d.pk not in used]
        staff = staff_of(administered)
        member_email = user.email if user else None
        country = (existing[0].dealership.country if existing else administered[0].country) or "US"
        self.user_form = UserForm(
            data,
            prefix="user",
            user=user,
            country=country,
            locked=self.locked,
            initial={
                "email": user.email,
                "name": user.name,
                "mobile": user.mobile,
                "outbound_phone": user.outbound_phone,
                "forward_calls": user.forward_calls,
            }
            if user
            else None,
        )
        self.membership_forms = [
            MembershipForm(data, prefix=f"m{m.pk}", membership=m, choices=[], staff=staff, member_email=member_email)
            for m in existing
        ]
        count = (1 if user else min(len(free), self.MAX_NEW)) if free else 0
        self.new_forms = [
            MembershipForm(
                data,
                prefix=f"new{i}",
                membership=None,
                choices=free,
                staff=staff,
                member_email=member_email,
                # A new user needs one membership; every other "add" form may be left blank.
                empty_permitted=user is not None or i > 0,
                # Only the required form of a new user is preselected: on the edit screen a
                # preselected "add" form would add the person somewhere nobody chose.
                initial={"dealership": free[0].slug} if user is None and i == 0 and len(free) == 1 else None,
            )
            for i in range(count)
        ]

    @property
    def forms(self) -> list[forms.Form]:
        return [self.user_form, *self.membership_forms, *self.new_forms]

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self.forms]  # every form, so every error shows
        if not all(results):
            return False
        chosen: set[str] = set()
        for form in self.new_forms:
            if form.is_blank:
                continue
            if form.slug in chosen:
                form.add_error("dealership", "This dealership is already chosen above.")
            chosen.add(form.slug or "")
        if self.user is not None and self.user.pk == self.actor.pk:
            for form in self.membership_forms:
                assert form.membership is not None
                if form.membership.role == Membership.Role.ADMIN and form.cleaned_data["role"] != Membership.Role.ADMIN:
                    form.add_error("role", "You cannot remove your own admin role; ask another admin.")
        return not any(form.errors for form in self.forms)

    def memberships(self) -> list[dict[str, Any]]:
        """Every membership to save, in the provisioning YAML's shape."""
        return [form.data_for_actions() for form in (*self.membership_forms, *self.new_forms) if not form.is_blank]
