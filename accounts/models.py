"""Staff accounts: users, their memberships in dealerships, API tokens and login throttling."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from dealerships.models import Dealership


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: salesperson, manager or admin, at one or more dealerships."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    mobile = models.CharField(max_length=20, blank=True, help_text="E.164")
    outbound_phone = models.CharField(
        max_length=40,
        blank=True,
        help_text="The phone click-to-call rings first (E.164, then commas to pause a second each and the "
        "extension); empty: the mobile.",
    )
    forward_calls = models.BooleanField(default=True, help_text="Calls from my customers ring my mobile.")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="The admin who did it."
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When their personal data was erased; they show as “Former user”."
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    objects = UserManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]


class Membership(models.Model):
    """A user's place at one dealership: role, departments and whether leads reach them."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MANAGER = "manager", "Manager"
        SALESPERSON = "salesperson", "Salesperson"

    # Admins and managers run their dealership: they see all its leads and allocate them. The one
    # definition of "admin or manager", asked of a row by `is_manager` and of the database by
    # `accounts.queries.is_manager_of` and `dealerships_seen_whole_by`.
    MANAGING_ROLES: ClassVar[tuple[str, ...]] = (Role.ADMIN, Role.MANAGER)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SALESPERSON)
    departments = models.JSONField(default=list, help_text='["sales", "service"]')
    receives_leads = models.BooleanField(default=True)
    can_be_assigned = models.BooleanField(default=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="supervised"
    )
    crm_id = models.CharField(max_length=64, blank=True)
    absent_from = models.DateField(null=True, blank=True)
    absent_until = models.DateField(null=True, blank=True)
    pool_alerts = models.BooleanField(
        default=False, help_text="Told when a lead lands in the pool they may claim from (off: they look themselves)."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "dealership"], name="one_membership_per_dealership")]
        ordering = ["dealership__name", "user__name"]

    def __str__(self) -> str:
        return f"{self.user} at {self.dealership} ({self.role})"

    @property
    def is_manager(self) -> bool:
        """An admin or manager of this dealership (admins manage too)."""
        return self.role in self.MANAGING_ROLES

    @property
    def sees_all_leads(self) -> bool:
        """Admins and managers see every lead of their dealership: `is_manager`."""
        return self.is_manager

    def is_absent_on(self, day: date) -> bool:
        if self.absent_from is None:
            return False
        return self.absent_from <= day and (self.absent_until is None or day <= self.absent_until)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the JSON API; only its hash is stored, the token is shown once."""

    class Scope(models.TextChoices):
        FULL = "full", "Full API"
        INTAKE = "intake", "Lead intake only"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.FULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, *, user: User, scope: str = Scope.FULL, name: str = "") -> tuple[ApiToken, str]:
        raw = "fc_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:10], token_hash=hash_token(raw), scope=scope)
        return token, raw


class LoginFailure(models.Model):
    """One failed login, counted per address and account to throttle guessing."""

    address = models.GenericIPAddressField()
    email = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["address", "email", "at"])]

    def __str__(self) -> str:
        return f"{self.email} from {self.address} at {self.at:%Y-%m-%d %H:%M}"


class UserSession(models.Model):
    """Which session belongs to which user, written at login.

    Deactivating someone must end their sessions at once. Sessions store only a pickled
    `_auth_user_id`, so without this index we would have to decode every session in the
    database; with it we delete exactly theirs, whatever session engine is configured.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"session of {self.user} since {self.created_at:%Y-%m-%d %H:%M}"


class ResetRequest(models.Model):
    """One password-reset email asked for, counted per email and per client address so that the
    form cannot be used to flood someone's inbox (`accounts.throttle`)."""

    address = models.GenericIPAddressField()
    email = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["email", "at"]), models.Index(fields=["address", "at"])]

    def __str__(self) -> str:
        return f"reset for {self.email} from {self.address} at {self.at:%Y-%m-%d %H:%M}"
