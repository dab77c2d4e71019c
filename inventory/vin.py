"""Vehicle identification numbers (ISO 3779 / 49 CFR 565): the North American check digit."""

from __future__ import annotations

import re

_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN = re.compile(r"[A-HJ-NPR-Z0-9]{17}")

# Position 10 gives the model year; the letters repeat every 30 years (1980 = A, 2010 = A).
_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"


def check_digit(vin: str) -> str:
    """The check digit (position 9) that `vin` should carry: "0"-"9" or "X"."""
    total = sum(_VALUES[char] * weight for char, weight in zip(vin.upper(), _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def is_valid(vin: str) -> bool:
    """17 allowed characters (no I, O or Q) and a matching check digit."""
    vin = vin.upper()
    return bool(VIN.fullmatch(vin)) and vin[8] == check_digit(vin)


def year_code(year: int) -> str:
    return _YEAR_CODES[(year - 1980) % 30]


def with_check_digit(vin: str) -> str:
    """`vin` (17 characters, any placeholder in position 9) with its check digit filled in."""
    vin = vin.upper()
    return vin[:8] + check_digit(vin) + vin[9:]


# North American manufacturer codes start with 1-5 (United States, Canada, Mexico). The check digit
# is required there from model year 1981 (49 CFR 565); elsewhere it is optional and often absent.
NORTH_AMERICA = "12345"
FIRST_CHECKED_YEAR = 1981


def vin_problem(vin: str, year: int | None) -> tuple[str, str]:
    """(error, warning) for a stock VIN, each "" when there is none.

    Refused: anything but 17 letters and digits (no I, O or Q) for a vehicle of 1981 or later, and a
    wrong check digit on a North American VIN of 1981 or later (or of unknown year). Only a warning:
    a wrong check digit on a VIN from elsewhere, and odd VINs of vehicles before 1981, when VINs were
    not yet standard.
    """
    old = year is not None and year < FIRST_CHECKED_YEAR
    if not VIN.fullmatch(vin):
        if len(vin) != 17:
            problem = f"VIN {vin!r} has {len(vin)} characters, not 17"
        elif any(char in "IOQ" for char in vin):
            problem = f"VIN {vin!r} has an I, O or Q, which VINs never use"
        else:
            problem = f"VIN {vin!r} has characters other than letters and digits"
        return ("", problem + f" (accepted for a {year} vehicle)") if old else (problem, "")
    expected = check_digit(vin)
    if vin[8] == expected:
        return "", ""
    mismatch = f"VIN {vin!r} fails its check digit (position 9 should be {expected}"
    if old:
        return "", f"{mismatch}; accepted for a {year} vehicle)"
    if vin[0] in NORTH_AMERICA:
        return f"{mismatch}: a typo?)", ""
    return "", f"{mismatch}; accepted: VINs made outside North America need not carry one)"
