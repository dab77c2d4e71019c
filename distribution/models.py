"""Distribution settings beyond the dealership's method/fallback/existing-customers keys,
distribution groups, rotation state, offers (first available and pool) and allocation links."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from dealerships.models import Dealership, Department
from distribution import assign
from forecourt.lib.jobs import LeasedJob


class Method(models.TextChoices):
    FIRST_AVAILABLE = assign.FIRST_AVAILABLE, "First available"
    ROUND_ROBIN = assign.ROUND_ROBIN, "Round robin"
    CRM_ASSIGN = assign.CRM_ASSIGN, "CRM assigned"
    POOL = assign.POOL, "Pool"


class Hours(models.TextChoices):
    ANY = assign.ANY_HOURS, "Any time"
    BUSINESS = assign.BUSINESS_HOURS, "Business hours"
    AFTER = assign.AFTER_HOURS, "After hours"


class DepartmentSettings(models.Model):
    """One dealership department's distribution settings that are not in `Dealership.distribution`.

    The method, fallback user and existing-customer rule stay in `Dealership.distribution`
    (the provisioning YAML, CONTRACT §3); this row adds what the seed products also offer.
    No row means every default below.
    """

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="distribution_settings")
    department = models.CharField(max_length=10, choices=Department.choices)
    after_hours_method = models.CharField(
        max_length=20, choices=Method.choices, blank=True, help_text="Empty: the same method after hours."
    )
    on_shift_only = models.BooleanField(default=False, help_text="Only people working now get leads.")
    open_lead_cap = models.PositiveIntegerField(null=True, blank=True, help_text="Most open leads a person holds.")
    pool_oldest_first = models.BooleanField(default=False)
    use_vehicle_location = models.BooleanField(
        default=False, help_text="A lead for a vehicle held by another rooftop of the group moves there."
    )
    alert_recipients = models.JSONField(default=list, blank=True, help_text="Emails of new-lead alert recipients.")
    weights = models.JSONField(default=dict, blank=True, help_text='{"email": turns per round}')
    reply_template = models.TextField(blank=True, help_text="Default reply offered in the new-lead alert.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dealership", "department"], name="one_distribution_setting_per_department")
        ]

    def __str__(self) -> str:
        return f"{self.dealership} {self.department} distribution"


class DistributionGroup(models.Model):
    """An ordered rule: leads matching its conditions go to its members by its method.

    Empty conditions match anything; the first group that matches wins, otherwise the
    dealership's department rule applies.
    """

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="distribution_groups")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100)
    sources = models.JSONField(default=list, blank=True)
    department = models.CharField(max_length=10, choices=Department.choices, blank=True)
    makes = models.JSONField(default=list, blank=True)
    condition = models.CharField(max_length=10, blank=True, help_text="new, used or empty for both")
    locations = models.JSONField(default=list, blank=True, help_text="Slugs of rooftops holding the vehicle.")
    hours = models.CharField(max_length=12, choices=Hours.choices, default=Hours.ANY)
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.ROUND_ROBIN)
    open_lead_cap = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["dealership", "position", "id"]

    def __str__(self) -> str:
        return f"{self.dealership}: {self.name}"


class GroupMember(models.Model):
    """A user in a distribution group; a weight of 2 gives them two turns per round."""

    group = models.ForeignKey(DistributionGroup, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_group_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.group.name} (weight {self.weight})"


class Rotation(models.Model):
    """Where a round robin stands. A turn first bumps `counter` (`UPDATE … SET counter =
    counter + 1`), which locks the row until the turn commits, so concurrent leads never read
    the same position (`distribution.rotation.take_turn`); `counter` counts the turns taken."""

    key = models.CharField(max_length=100, unique=True, help_text="dealership:department or group:<id>")
    counter = models.BigIntegerField(default=0)
    last_round = models.IntegerField(null=True, blank=True)
    last_order = models.BigIntegerField(null=True, blank=True)
    last_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"rotation {self.key} at {self.counter}"

    @property
    def label(self) -> str:
        """What the rotation deals out, in a dealer's words: "Sales" or "Group “Used Hondas”"."""
        _, _, what = self.key.partition(":")
        if what.startswith("group:"):
            return f"Group “{what.removeprefix('group:')}”"
        return str(dict(Department.choices).get(what, what))


class Offer(models.Model):
    """A lead waiting to be claimed: offered to `lead.offered_to` (first available) or in the pool.

    The claim itself is decided on the lead (`UPDATE lead … WHERE assigned_to IS NULL`);
    this row says how it may be claimed and records who did. The people a first-available lead is
    offered to are kept on the lead (`Lead.offered_to`), where `leads.queries` lets them open it.
    """

    class Kind(models.TextChoices):
        FIRST_AVAILABLE = assign.FIRST_AVAILABLE, "First available"
        POOL = assign.POOL, "Pool"

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="offer")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    department = models.CharField(max_length=10, choices=Department.choices)
    offered_at = models.DateTimeField(default=timezone.now)
    oldest_first = models.BooleanField(default=False)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "claimed_at", "offered_at"], name="offer_open")]

    def __str__(self) -> str:
        return f"{self.kind} offer of lead {self.lead_id}"


class AllocationAlert(models.Model):
    """The allocation links of one new-lead alert, in every recipient's email.

    They work once in all: the first link used spends the alert (`UPDATE … WHERE used_at IS NULL`,
    whose row count decides), and they work only while the lead's owner is the one the alert
    reported: any later assignment entry on the lead's timeline (a manual reassignment, a claim,
    a handover, another alert's link) voids them.
    """

    nonce = models.CharField(max_length=64, unique=True)
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    last_assignment_id = models.BigIntegerField(
        default=0, help_text="The lead's last assignment entry when the alert went out (0: none)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    allocated_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"allocation links of an alert for lead {self.lead_id}"


class Handover(LeasedJob):
    """Deactivating someone: what it changed in distribution, and the handing on of their open
    leads, which the worker does (`distribution.handover`), any number of leads a pass.

    A lead handed on gets a `HandedLead` row in the same transaction as its new owner, so the
    progress shown is exact and a lead is handed on once even if a worker dies mid-way.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    distribute = models.BooleanField(default=True, help_text="False: the open leads stay with them.")
    total = models.PositiveIntegerField(default=0, help_text="Open leads they held when deactivated.")
    finished_at = models.DateTimeField(null=True, blank=True)
    changes = models.JSONField(default=list, blank=True, help_text="What changed in distribution, in words.")
    warnings = models.JSONField(default=list, blank=True, help_text="Departments left with nobody, in words.")

    class Meta:
        indexes = [models.Index(fields=["finished_at", "due_at"], name="handover_pending")]

    def __str__(self) -> str:
        return f"handover of {self.user} ({'finished' if self.finished_at else 'running'})"


class HandedLead(models.Model):
    """One lead a `Handover` handed on, and to whom (nobody yet: waiting to be claimed)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="leads")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failed = models.BooleanField(default=False, help_text="Distribution failed: left unassigned to allocate by hand.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["handover", "lead"], name="lead_handed_on_once")]

    def __str__(self) -> str:
        return f"lead {self.lead_id} handed on by handover {self.handover_id}"
