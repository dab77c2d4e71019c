"""Every write of distribution: distributing a new lead, claiming an offered one, allocating by hand.

`distributing` decides who gets a lead, `claiming` settles first-available and pool claims,
`allocating` gives a lead by hand (the allocate window, the API, an alert email's link). Who may
do what is asked of `distribution.queries` (`may_allocate`, `may_claim`).
"""

from __future__ import annotations

from distribution.actions.allocating import allocatable_membership, allocate, allocate_from_link
from distribution.actions.claiming import claim_lead, oldest_in_pool
from distribution.actions.distributing import (
    Outcome,
    Redirect,
    distribute_lead,
    distribute_new_lead,
    place_new_lead,
)
from distribution.actions.errors import AlreadyTaken, DistributionError, NotOffered, TrackingMode

__all__ = [
    "AlreadyTaken",
    "DistributionError",
    "NotOffered",
    "Outcome",
    "Redirect",
    "TrackingMode",
    "allocatable_membership",
    "allocate",
    "allocate_from_link",
    "claim_lead",
    "distribute_lead",
    "distribute_new_lead",
    "oldest_in_pool",
    "place_new_lead",
]
