"""Each lead's reply address: made when first needed, found from the address a mail came to, retired."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from leads.models import Lead
from relay.models import RelayAddress

# lead-<40 hex digits>; a +tag (lead-…+x@) is ignored as mail servers do.
_LOCAL = re.compile(r"^lead-([0-9a-f]{32,64})(?:\+.*)?$")


def relay_address_of(lead: Lead) -> RelayAddress:
    """The lead's live reply address, made the first time it is needed (two at once make one)."""
    live = RelayAddress.objects.filter(lead=lead, retired_at__isnull=True).first()
    if live is not None:
        return live
    try:
        with transaction.atomic():
            return RelayAddress.objects.create(lead=lead)
    except IntegrityError:
        return RelayAddress.objects.get(lead=lead, retired_at__isnull=True)


def token_of(address: str) -> str | None:
    """The token of `address` when it is a relay address of ours (any case), else None."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if domain.lower().rstrip(".") != settings.RELAY_DOMAIN.lower():
        return None
    found = _LOCAL.match(local.lower())
    return found.group(1) if found else None


def relay_for(address: str) -> RelayAddress | None:
    """The reply address (live or retired) `address` names; None for one we never gave out."""
    token = token_of(address)
    if token is None:
        return None
    return RelayAddress.objects.select_related("lead__dealership").filter(token=token).first()


def retire(relay: RelayAddress) -> None:
    """Stop `relay` attaching mail to its lead (it leaked, or the lead was merged away)."""
    RelayAddress.objects.filter(pk=relay.pk, retired_at__isnull=True).update(retired_at=timezone.now())
