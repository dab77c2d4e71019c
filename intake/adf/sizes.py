"""Size limits, checked before any work is done, with messages a person can act on."""

from __future__ import annotations

from .model import AdfError

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 2 * MIB  # a real lead is a few kilobytes; chat transcripts make it tens


def check_size(size: int, limit: int, *, what: str = "document") -> None:
    if size > limit:
        raise AdfError(f"{what} is {format_size(size)}, over the {format_size(limit)} limit")


def format_size(size: int) -> str:
    """ "3.1 MiB", "2 MiB", "512 KiB", "900 bytes"."""
    for unit, scale in (("MiB", MIB), ("KiB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if size % scale == 0 else f"{value:.1f} {unit}"
    return f"{size} bytes"
