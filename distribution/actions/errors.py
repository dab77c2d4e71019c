"""What a distribution write answers when it cannot be done."""

from __future__ import annotations

from accounts.models import User


class DistributionError(Exception):
    """A distribution write that cannot be done; the message says why, for the user."""


class AlreadyTaken(DistributionError):
    def __init__(self, winner: User | None) -> None:
        self.winner = winner
        super().__init__(f"already taken by {winner.name}" if winner else "already taken")


class NotOffered(DistributionError):
    pass


class TrackingMode(DistributionError, ValueError):
    """The lead's rooftop runs in lead tracking mode: nobody is assigned its leads (API 409 tracking_mode)."""

    code = "tracking_mode"
