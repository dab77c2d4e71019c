"""Every write to staff accounts: users, memberships, sessions, password emails.

Each function takes keyword arguments and, where a person did it, an explicit `actor`. Who may
do what is checked by the caller (views through `accounts.queries`); these functions refuse only
what is never allowed (an admin deactivating themselves).

`validate_membership` is the one place that says what a valid membership is; the user screens and
`manage.py provision` both call it, with the same dict shape as the provisioning YAML.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import ApiToken, Membership, User, UserSession
from dealerships.models import Dealership, Department
from notifications.actions import queue_email
from notifications.models import OutboundEmail

log = logging.getLogger(__name__)


class AccountError(Exception):
    """A request that is understood but not allowed; the message is shown to the user."""


# Validating a membership ------------------------------------------------------------------

MEMBERSHIP_KEYS = (
    "dealership",
    "role",
    "departments",
    "receives_leads",
    "can_be_assigned",
    "supervisor",
    "crm_id",
    "absent",
    "pool_alerts",
)
ABSENT_KEYS = ("from", "until")


def _show(value: Any) -> str:
    """A value as it would be written in the YAML file: strings quoted, dates plain."""
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value, default=str)


def _one_of(value: Any, allowed: Collection[str]) -> str:
    return f"{_show(value)} is not one of {', '.join(allowed)}"


def read_date(value: Any) -> date | None:
    """A date given as a date (YAML) or as an ISO string (forms, JSON); None if it is neither."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def membership_problems(
    data: Any,
    *,
    dealerships: Collection[str] | None = None,
    staff: Mapping[str, Collection[str]] | None = None,
    email: str | None = None,
) -> list[tuple[str, str]]:
    """(key, message) for everything wrong with one membership; see `validate_membership`."""
    if not isinstance(data, Mapping):
        return [("", "must be a mapping with dealership, role, departments, …")]
    problems: list[tuple[str, str]] = [
        (str(key), f"unknown key; expected one of {', '.join(MEMBERSHIP_KEYS)}")
        for key in data
        if key not in MEMBERSHIP_KEYS
    ]

    slug = data.get("dealership")
    if slug is None or slug == "":
        problems.append(("dealership", "is required"))
        slug = None
    elif not isinstance(slug, str):
        problems.append(("dealership", f"{_show(slug)} is not a dealership slug"))
        slug = None
    elif dealerships is not None and slug not in dealerships:
        problems.append(("dealership", _one_of(slug, sorted(dealerships))))
        slug = None

    role = data.get("role")
    if role is None or role == "":
        problems.append(("role", "is required"))
    elif role not in Membership.Role.values:
        problems.append(("role", _one_of(role, Membership.Role.values)))

    if "departments" in data:
        departments = data["departments"]
        if not isinstance(departments, list):
            problems.append(("departments", f"must be a list such as [{', '.join(Department.values)}]"))
        else:
            for index, department in enumerate(departments):
                if department not in Department.values:
                    problems.append((f"departments[{index}]", _one_of(department, Department.values)))
                elif departments.index(department) != index:
                    problems.append((f"departments[{index}]", f"{_show(department)} is listed twice"))

    for flag in ("receives_leads", "can_be_assigned", "pool_alerts"):
        if flag in data and not isinstance(data[flag], bool):
            problems.append((flag, f"{_show(data[flag])} is not true or false"))

    supervisor = data.get("supervisor")
    if supervisor not in (None, ""):
        if not isinstance(supervisor, str) or "@" not in supervisor:
            problems.append(("supervisor", f"{_show(supervisor)} is not an email address"))
        elif email is not None and supervisor.strip().lower() == email.strip().lower():
            problems.append(("supervisor", "nobody can be their own supervisor"))
        elif staff is not None and slug is not None and supervisor.strip().lower() not in staff.get(slug, ()):
            problems.append(("supervisor", f"{_show(supervisor)} does not work at {slug}"))

    crm_id = data.get("crm_id")
    if crm_id is not None and (isinstance(crm_id, bool) or not isinstance(crm_id, str | int)):
        problems.append(("crm_id", f"{_show(crm_id)} is not text"))
    elif crm_id is not None and len(str(crm_id)) > 64:
        problems.append(("crm_id", "is longer than 64 characters"))

    problems.extend(_absence_problems(data.get("absent")))
    return problems


def _absence_problems(absent: Any) -> list[tuple[str, str]]:
    if absent is None:
        return []
    if not isinstance(absent, Mapping):
        return [("absent", "must be a mapping such as {from: 2026-12-20, until: 2027-01-03}")]
    problems = [
        (f"absent.{key}", f"unknown key; expected one of {', '.join(ABSENT_KEYS)}")
        for key in absent
        if key not in ABSENT_KEYS
    ]
    start, end = read_date(absent.get("from")), read_date(absent.get("until"))
    if absent.get("from") in (None, ""):
        problems.append(("absent.from", "is required"))
    elif start is None:
        problems.append(("absent.from", f"{_show(absent['from'])} is not a date (YYYY-MM-DD)"))
    if absent.get("until") not in (None, "") and end is None:
        problems.append(("absent.until", f"{_show(absent['until'])} is not a date (YYYY-MM-DD)"))
    if start and end and end < start:
        problems.append(("absent.until", f"{end.isoformat()} is before the first day of absence, {start.isoformat()}"))
    return problems


def validate_membership(
    data: dict[str, Any] | Any,
    *,
    path: str,
    dealerships: Collection[str] | None = None,
    staff: Mapping[str, Collection[str]] | None = None,
    email: str | None = None,
) -> list[str]:
    """Everything wrong with one membership, each message prefixed with its key path.

    `data` (any parsed value: something that is not a dict is refused, not crashed on) has the
    shape of a membership in the provisioning YAML: `dealership` (slug) and
    `role` are required; `departments`, `receives_leads`, `can_be_assigned`, `supervisor`
    (email), `crm_id`, `absent` ({from, until}; dates or ISO strings) and `pool_alerts` are optional.

    Pure: it reads nothing and writes nothing. What it cannot know is passed in:
    `dealerships`: the slugs this membership may name (None: any); `staff`: per slug, the
    lower-case emails of the people who work there, so that a supervisor is checked to be one
    of them (None: not checked); `email`: the member's own email (not their own supervisor).

    >>> validate_membership({"dealership": "riverside-toyota", "role": "boss"}, path="users[0].memberships[1]")
    ['users[0].memberships[1].role: "boss" is not one of admin, manager, salesperson']
    """
    return [
        f"{path}.{key}: {message}" if key and path else f"{path or key}: {message}"
        for key, message in membership_problems(data, dealerships=dealerships, staff=staff, email=email)
    ]


# Users and memberships ---------------------------------------------------------------------


def save_membership(*, user: User, data: Mapping[str, Any], actor: User | None) -> Membership:
    """Create or update `user`'s membership at `data["dealership"]` from validated data.

    Keys missing from `data` keep their current value (or the model's default for a new one).
    """
    dealership = Dealership.objects.get(slug=data["dealership"])
    membership = Membership.objects.filter(user=user, dealership=dealership).first() or Membership(
        user=user, dealership=dealership
    )
    for field in ("role", "receives_leads", "can_be_assigned", "pool_alerts"):
        if field in data:
            setattr(membership, field, data[field])
    if "departments" in data:
        membership.departments = list(data["departments"])
    if "crm_id" in data:
        membership.crm_id = "" if data["crm_id"] is None else str(data["crm_id"])
    if "supervisor" in data:
        supervisor = (data["supervisor"] or "").strip().lower()
        membership.supervisor = User.objects.get(email=supervisor) if supervisor else None
    if "absent" in data:
        absent = data["absent"] or {}
        membership.absent_from = read_date(absent.get("from"))
        membership.absent_until = read_date(absent.get("until")) if membership.absent_from else None
    membership.save()
    log.info("membership of %s at %s saved by %s", user.email, dealership.slug, actor.email if actor else "system")
    return membership


def create_user(
    *,
    email: str,
    name: str,
    actor: User | None,
    memberships: Sequence[Mapping[str, Any]],
    mobile: str = "",
    password: str | None = None,
) -> User:
    """A new user with their memberships; without a password they get a "set your password" email."""
    with transaction.atomic():
        user = User.objects.create_user(email.strip().lower(), password, name=name.strip(), mobile=mobile)
        for data in memberships:
            save_membership(user=user, data=data, actor=actor)
        if not password:
            send_password_setup(user=user)
    log.info("user %s created by %s", user.email, actor.email if actor else "system")
    return user


def update_user(*, user: User, actor: User | None, email: str, name: str, mobile: str) -> list[str]:
    """Change a user's own details; returns the names of the fields that changed."""
    values = {"email": email.strip().lower(), "name": name.strip(), "mobile": mobile}
    changed = [field for field, value in values.items() if getattr(user, field) != value]
    if changed:
        for field in changed:
            setattr(user, field, values[field])
        user.save(update_fields=changed)
        log.info("user %s: %s changed by %s", user.email, ", ".join(changed), actor.email if actor else "system")
    return changed


def deactivate_user(*, user: User, actor: User | None) -> None:
    """Lock a user out at once: no login, no session, no API token, no new leads.

    Their memberships stop receiving leads and being assignable. Reactivating does not turn
    that back on: an admin decides, membership by membership, when leads should reach them again.
    """
    if actor is not None and actor.pk == user.pk:
        raise AccountError("You cannot deactivate yourself; ask another admin.")
    now = timezone.now()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False, deactivated_at=now, deactivated_by=actor)
        Membership.objects.filter(user=user).update(receives_leads=False, can_be_assigned=False)
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    user.refresh_from_db()
    end_sessions(user=user)
    log.info("user %s deactivated by %s", user.email, actor.email if actor else "system")


def reactivate_user(*, user: User, actor: User | None) -> None:
    """Let a deactivated user log in again. Their API tokens stay revoked; leads stay off."""
    User.objects.filter(pk=user.pk).update(is_active=True, deactivated_at=None, deactivated_by=None)
    user.refresh_from_db()
    log.info("user %s reactivated by %s", user.email, actor.email if actor else "system")


# Sessions ----------------------------------------------------------------------------------


def remember_session(*, user: User, session_key: str | None) -> None:
    """Note that `session_key` is `user`'s (at login, and when a password change renews the key)."""
    if not session_key:
        return
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})
    # Sessions that expired without a logout leave rows behind; a user's own login clears them.
    stale = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user=user, created_at__lt=stale).delete()


def forget_session(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_sessions(*, user: User) -> int:
    """Log the user out everywhere by deleting each of their sessions; returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user, session_key__in=keys).delete()
    return len(keys)


# Password emails ---------------------------------------------------------------------------


def password_link(user: User) -> str:
    """The one-use link that lets `user` choose a password (valid PASSWORD_RESET_TIMEOUT seconds)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.BASE_URL + reverse("password-reset-confirm", kwargs={"uidb64": uid, "token": token})


def _queue_password_email(*, user: User, template: str, subject: str, purpose: str) -> OutboundEmail:
    context = {
        "user": user,
        "link": password_link(user),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "login_url": settings.BASE_URL + reverse("login"),
        "reset_url": settings.BASE_URL + reverse("password-reset"),
    }
    body = render_to_string(template, context)
    return queue_email(to=[user.email], subject=subject, body=body, purpose=purpose)


def send_password_reset(*, user: User) -> OutboundEmail:
    """Queue the "reset your password" email; the worker sends it."""
    return _queue_password_email(
        user=user,
        template="registration/password_reset_email.txt",
        subject="Reset your Forecourt password",
        purpose="password_reset",
    )


def send_password_setup(*, user: User) -> OutboundEmail:
    """Queue the "set your password" email for a user created without one; the worker sends it."""
    return _queue_password_email(
        user=user,
        template="registration/password_setup_email.txt",
        subject="Your Forecourt account: choose a password",
        purpose="password_setup",
    )
