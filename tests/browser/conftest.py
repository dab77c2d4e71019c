"""A real Chromium driven through Selenium, against gunicorn serving the test database.

Without Debian's chromium and chromium-driver these tests are skipped with a plain message,
unless FORECOURT_REQUIRE_BROWSER is set (CI sets it), where their absence is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from tests.servers import ReusedGunicorn

DESKTOP = (1366, 900)
PHONE = (390, 844)


def csp_violations(driver: webdriver.Chrome) -> list[str]:
    """Console messages since the last call that report something the Content-Security-Policy refused."""
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


def keep_screenshot(driver: WebDriver, name: str) -> None:
    """Save what `driver` shows as `name`.png in the folder FORECOURT_SHOTS names (made if need be), to
    look at the screens at 390 px and wider by hand; without FORECOURT_SHOTS, nothing is kept."""
    folder = os.environ.get("FORECOURT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _browser_paths() -> tuple[str, str] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


@pytest.fixture(scope="session")
def browser_paths() -> tuple[str, str]:
    paths = _browser_paths()
    if paths is None:
        message = "browser tests skipped: Debian's chromium and chromium-driver are not installed"
        if os.environ.get("FORECOURT_REQUIRE_BROWSER"):
            pytest.fail(message.replace("skipped", "cannot run") + " (FORECOURT_REQUIRE_BROWSER is set)")
        pytest.skip(message)
    return paths


@pytest.fixture(scope="session")
def reused_gunicorn(django_db_setup: None) -> Iterator[ReusedGunicorn]:
    server = ReusedGunicorn()
    yield server
    server.stop()


@pytest.fixture
def web(reused_gunicorn: ReusedGunicorn, transactional_db: None, real_hasher: None) -> Iterator[str]:
    """Forecourt served by a worker process no other test ran in (see ReusedGunicorn)."""
    yield reused_gunicorn.base_url
    # Before the tables are emptied: whatever the worker was still answering is finished first.
    reused_gunicorn.new_worker()


@pytest.fixture
def open_browser(browser_paths: tuple[str, str]) -> Iterator[Callable[[tuple[int, int]], webdriver.Chrome]]:
    chromium, driver_path = browser_paths
    drivers: list[webdriver.Chrome] = []

    def start(size: tuple[int, int], *flags: str) -> webdriver.Chrome:
        """A browser of `size`; `flags` are more Chromium switches (a fake microphone, …)."""
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--window-size={size[0]},{size[1]}",
            *flags,
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # for csp_violations()
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        # Chromium will not make a window narrower than 500 px: a phone's width is emulated.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False},
        )
        driver.implicitly_wait(5)
        drivers.append(driver)
        return driver

    yield start
    refused: list[str] = []
    for driver in drivers:
        try:
            refused += csp_violations(driver)
        finally:
            driver.quit()
    assert not refused, "the page broke its Content-Security-Policy:\n" + "\n".join(refused)
