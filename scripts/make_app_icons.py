"""Draw the home-screen icons of the web app manifest from Forecourt's mark (static/favicon.svg).

Run once after the mark changes: `.venv/bin/python scripts/make_app_icons.py`. The PNGs are
committed under static/icons/. "any" icons are the mark as it is (a rounded navy square);
"maskable" ones fill the square and keep the mark inside the central 80 % circle that a phone's
mask never cuts; the badge is the car alone in white, as Android shows it in the status bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "static" / "icons"
NAVY, BLUE, WHITE, GOLD = "#0f2742", "#6aa8ec", "#ffffff", "#ffd166"
SUPERSAMPLE = 4  # drawn larger and scaled down, for smooth edges

# The mark's shapes on its 32-unit grid (the paths of static/favicon.svg).
ROAD = [(6, 21), (26, 21), (26, 24), (6, 24)]
BODY = [(9, 20), (11.5, 13.5), (12.2, 12.4), (13.4, 12), (18.6, 12), (19.8, 12.4), (20.5, 13.5), (23, 20)]
STAR = [(16, 4), (17.2, 7.3), (20.7, 7.3), (17.9, 9.4), (18.9, 12.8), (16, 10.8), (13.1, 12.8), (14.1, 9.4),
        (11.3, 7.3), (14.8, 7.3)]  # fmt: skip
WHEELS = [(11, 24.5), (21, 24.5)]
WHEEL_RADIUS = 2.2


def draw_mark(size: int, *, scale: float, background: str | None, corner: float, badge: bool = False) -> Image.Image:
    """The mark on a `size` square; `scale` is the share of the square its 32-unit grid takes."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if background:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=corner * big, fill=background)
    unit = big * scale / 32
    offset = (big - 32 * unit) / 2

    def at(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(offset + x * unit, offset + y * unit) for x, y in points]

    draw.polygon(at(ROAD), fill=WHITE if badge else BLUE)
    draw.polygon(at(BODY), fill=WHITE if badge else BLUE)
    if not badge:
        draw.polygon(at(STAR), fill=GOLD)
    for x, y in WHEELS:
        (cx, cy), r = at([(x, y)])[0], WHEEL_RADIUS * unit
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        draw_mark(size, scale=1.0, background=NAVY, corner=7 / 32).save(ICONS / f"forecourt-{size}.png", optimize=True)
        # Maskable: full bleed, the grid at 80 % so the star and wheels stay inside the safe circle.
        draw_mark(size, scale=0.8, background=NAVY, corner=0).save(
            ICONS / f"forecourt-maskable-{size}.png", optimize=True
        )
    draw_mark(180, scale=1.0, background=NAVY, corner=0).save(ICONS / "apple-touch-icon.png", optimize=True)
    draw_mark(96, scale=1.15, background=None, corner=0, badge=True).save(
        ICONS / "forecourt-badge-96.png", optimize=True
    )


if __name__ == "__main__":
    main()
