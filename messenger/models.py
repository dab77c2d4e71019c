"""Who writes to a dealership's Facebook page: each customer's page-scoped id (PSID), so that
their later messages find the same customer and their open lead."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from dealerships.models import Dealership
from leads.models import Customer


class MessengerContact(models.Model):
    """One person who messaged one Facebook page, and the customer they are.

    Meta gives each person a different id on each page (a page-scoped id), so the pair (page id,
    PSID) names them; the page is kept as it was when they wrote, in case the dealership later
    connects another page.
    """

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="messenger_contacts")
    page_id = models.CharField(max_length=30)
    psid = models.CharField(max_length=64, help_text="The person's page-scoped id.")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="messenger_contacts")
    name = models.CharField(max_length=200, blank=True, help_text="The name their profile gave, if any.")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(
        null=True, blank=True, help_text="When they last wrote: the page may answer for 24 hours after."
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["page_id", "psid"], name="messenger_contact_once")]

    def __str__(self) -> str:
        return f"{self.psid} on page {self.page_id}"
