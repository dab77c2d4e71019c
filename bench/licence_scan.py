"""Benchmark: how long the server takes to read a driver's licence from a phone's photo.

    .venv/bin/python bench/licence_scan.py              # 12 MP and 3 MP photos, 5 runs each
    .venv/bin/python bench/licence_scan.py --runs 20

Each photo is a JPEG like a phone's: a PDF417 barcode (written by zxing-cpp) on a grey card in a
larger frame. Prints the median and worst time of `intake.licence.read_photo` (open, decode,
parse) per size, and the machine it ran on.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import machine, setup_django

SIZES = {"12 MP (4032x3024)": (4032, 3024, 6), "3 MP (2016x1512)": (2016, 1512, 3)}


def photo(width: int, height: int, scale: int, text: str) -> bytes:
    import zxingcpp
    from PIL import Image

    barcode = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.PDF417), scale=scale)
    code = Image.frombuffer("L", (barcode.shape[1], barcode.shape[0]), bytes(memoryview(barcode)), "raw", "L", 0, 1)
    frame = Image.new("L", (width, height), 120)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    out = io.BytesIO()
    frame.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    setup_django()
    from intake.licence import read_photo
    from intake.tests.test_licence_scan import TEXAS

    print(machine())
    for label, (width, height, scale) in SIZES.items():
        content = photo(width, height, scale, TEXAS)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            licence = read_photo(content)
            times.append(time.perf_counter() - start)
        assert licence.last_name == "O'Brien-Smith"
        print(
            f"{label}: {len(content) // 1024} KB JPEG, read in median {statistics.median(times) * 1000:.0f} ms, "
            f"worst {max(times) * 1000:.0f} ms ({runs} runs)"
        )


if __name__ == "__main__":
    main()
