"""Every screen a salesperson, a manager and an admin can reach from the menus fits a 390 px phone
without sideways scrolling; the lead page shows who to call in its first screen; on a desktop the
reassign window and the complete-follow-up form have room to work."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import Membership, User
from conftest import PASSWORD, make_lead, make_user
from dealerships.models import Dealership
from followups.models import FollowUp
from intake.models import InboundEmail, SourceRule
from leads.models import Lead
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LONG_EMAIL = "jordan.alexander.sample-household@example-dealer-leads.com"


@pytest.fixture
def showroom(riverside: Dealership, alice: User, bob: User, carol: User) -> Lead:
    """A dealership with something on every screen, written the long way real data is."""
    make_user("gina.seller@riverside-toyota.com", "Gina Seller", riverside, Membership.Role.SALESPERSON)
    lead = make_lead(
        riverside,
        assigned_to=carol,
        customer={
            "first_name": "Jordan",
            "last_name": "Sample",
            "emails": [LONG_EMAIL],
            "phones": [{"number": "(512) 555-0100", "type": "cellphone"}],
            "street": ["1200 West Riverside Boulevard, Apartment 4B"],
            "city": "Austin",
            "region": "TX",
            "postal_code": "78704",
        },
        vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "vin": "3C6UR5ML5GG359865", "stock": "D9760"}],
        comments="Wants a test drive on Saturday morning. " * 8,
    )
    for n in range(3):
        FollowUp.objects.create(lead=lead, title=f"Call back about the trade-in value {n}", due_at=timezone.now())
    InboundEmail.objects.create(
        dealership=riverside,
        raw=b"Subject: x\r\n\r\nno adf",
        header_from="leads-notifications-no-reply@mail.a-very-long-lead-provider-domain.example.com",
        subject="New internet lead from the website inventory page for a 2016 RAM 2500 Laramie",
        status=InboundEmail.Status.NO_LEAD,
        reason="No ADF document was found in the message; it was kept so it can be retried after a fix.",
    )
    SourceRule.objects.create(
        dealership=riverside,
        field=SourceRule.Field.FROM,
        match=SourceRule.Match.REGEX,
        pattern=r"[@.]leads-notifications\.a-very-long-lead-provider-domain\.example\.com$",
        source_name="Our website inventory pages",
    )
    return lead


def _screens(slug: str, lead_id: int, role: str) -> list[str]:
    everyone = ["/", "/leads/", f"/leads/{lead_id}/", "/leads/new/", "/followups/", "/notifications/",
                "/notifications/preferences/", "/accounts/password/change/", "/escalations/attention/",
                "/calls/settings/", f"/leads/{lead_id}/worksheets/new/",
                "/distribution/pool/", "/calendar/", f"/calendar/?view=day&dealership={slug}", "/calendar/feed/",
                f"/calendar/{slug}/new/", f"/leads/{lead_id}/appointments/new/", "/inventory/",
                "/reports/", "/reports/?report=sla", "/reports/?report=funnel",
                "/reports/?report=activity", "/reports/leads/?figure=leads"]  # fmt: skip
    admin = ["/accounts/users/", "/accounts/users/new/", "/dealerships/", f"/dealerships/{slug}/settings/",
             f"/distribution/{slug}/", f"/distribution/{slug}/yaml/", f"/followups/settings/{slug}/", "/intake/",
             "/intake/rules/", "/intake/import/", f"/intake/settings/{slug}/", "/inventory/upload/",
             f"/chat/{slug}/try/"]  # fmt: skip
    managing = ["/customers/duplicates/"]  # admins and managers merge customers
    return everyone + (managing if role != "salesperson" else []) + (admin if role == "admin" else [])


def _log_in(driver: Any, web: str, email: str) -> None:
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 15).until(ec.url_to_be(f"{web}/"))


def _sideways(driver: Any) -> str:
    """'' when the page fits the window; otherwise the widest things that stick out."""
    return driver.execute_script(
        """
        const width = window.innerWidth;
        if (document.documentElement.scrollWidth <= width) return '';
        return [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > width + 1)
          .slice(-4).map(e => `${e.tagName.toLowerCase()}.${e.className} ends at ${Math.round(e.getBoundingClientRect().right)}px`)
          .join('; ') + ` (page ${document.documentElement.scrollWidth}px wide, window ${width}px)`;
        """
    )


def _menu_links(driver: Any) -> set[str]:
    return {
        urlsplit(a.get_attribute("href")).path for a in driver.find_elements(By.CSS_SELECTOR, "header.topbar a[href]")
    }


@pytest.mark.parametrize(
    ("email", "role"),
    [("carol@example.com", "salesperson"), ("bob@example.com", "manager"), ("alice@example.com", "admin")],
)
def test_every_screen_of_each_role_fits_a_phone_without_sideways_scrolling(
    web: str, open_browser: Any, showroom: Lead, email: str, role: str
) -> None:
    driver = open_browser(PHONE)
    _log_in(driver, web, email)
    screens = _screens(showroom.dealership.slug, showroom.pk, role)
    inbound = InboundEmail.objects.get()
    rule = SourceRule.objects.get(dealership=showroom.dealership)
    if role == "admin":
        screens += [
            f"/intake/{inbound.pk}/",
            f"/intake/rules/{rule.pk}/",
            f"/accounts/users/{showroom.assigned_to_id}/",
        ]

    missing = _menu_links(driver) - set(screens) - {"/accounts/logout/"}
    assert not missing, f"the walk covers every link of the menus; not walked: {sorted(missing)}"

    too_wide = {}
    for path in screens:
        driver.get(web + path)
        assert driver.find_elements(By.CSS_SELECTOR, "main#main"), f"{path} opens ({driver.title})"
        if problem := _sideways(driver):
            too_wide[path] = problem
        for link in driver.find_elements(By.CSS_SELECTOR, "header.topbar nav a"):
            box = link.rect
            assert box["x"] >= 0, f"the menu shows {link.text!r} on {path}"
            assert box["x"] + box["width"] <= PHONE[0], f"the menu shows {link.text!r} on {path}"
    if role == "admin":
        driver.get(f"{web}/distribution/{showroom.dealership.slug}/")
        driver.find_element(By.CSS_SELECTOR, "button[value=simulate]").click()
        WebDriverWait(driver, 15).until(ec.presence_of_element_located((By.ID, "simulation")))
        if problem := _sideways(driver):
            too_wide["the distribution simulation"] = problem
    assert not too_wide, "screens that scroll sideways on a 390 px phone:\n" + "\n".join(
        f"{path}: {problem}" for path, problem in too_wide.items()
    )


def test_the_header_leaves_the_phone_screen_to_the_page_once_scrolled(
    web: str, open_browser: Any, showroom: Lead
) -> None:
    driver = open_browser(PHONE)
    _log_in(driver, web, "alice@example.com")
    driver.get(f"{web}/leads/{showroom.pk}/")
    driver.execute_script("window.scrollTo(0, 600)")
    kept = driver.execute_script(
        "const r = document.querySelector('header.topbar').getBoundingClientRect(); return Math.max(0, r.bottom);"
    )
    assert kept <= PHONE[1] * 0.07, f"the header keeps {kept}px of an {PHONE[1]}px screen while scrolling"


@pytest.mark.parametrize("email", ["carol@example.com", "alice@example.com"], ids=["salesperson", "admin"])
def test_the_lead_page_on_a_phone_shows_name_status_phone_and_email_in_the_first_screen(
    web: str, open_browser: Any, showroom: Lead, email: str
) -> None:
    driver = open_browser(PHONE)
    _log_in(driver, web, email)
    driver.get(f"{web}/leads/{showroom.pk}/")

    def first_screen(selector: str) -> bool:
        element = driver.find_element(By.CSS_SELECTOR, selector)
        box = element.rect
        return element.is_displayed() and box["y"] >= 0 and box["y"] + box["height"] <= PHONE[1]

    assert "Jordan Sample" in driver.find_element(By.ID, "lead-customer-name").text
    assert first_screen("#lead-customer-name")
    assert first_screen("#lead-status"), "the lead's status is in the first screen"
    assert first_screen('a[href="tel:+15125550100"]'), "the customer's phone, tap to call, is in the first screen"
    assert first_screen(f'a[href="mailto:{LONG_EMAIL}"]'), "the customer's email is in the first screen"
    assert driver.find_element(By.CSS_SELECTOR, 'a[href="tel:+15125550100"]').text == "(512) 555-0100"


def _broken_names(driver: Any) -> list[str]:
    """Names and emails in the reassign window that wrap onto a second line."""
    return driver.execute_script(
        """return [...document.querySelectorAll('#allocate-window .result-text > *')]
             .filter(e => e.getClientRects().length > 1
                          || e.offsetHeight > 1.6 * parseFloat(getComputedStyle(e).lineHeight))
             .map(e => e.textContent)"""
    )


def test_on_a_phone_the_reassign_window_fits_and_keeps_emails_whole(
    web: str, open_browser: Any, showroom: Lead
) -> None:
    driver = open_browser(PHONE)
    _log_in(driver, web, "bob@example.com")
    driver.get(f"{web}/leads/{showroom.pk}/")
    driver.find_element(By.LINK_TEXT, "Reassign").click()
    WebDriverWait(driver, 15).until(ec.visibility_of_element_located((By.ID, "allocate-window")))
    assert not _sideways(driver)
    assert not _broken_names(driver), "names and emails in the reassign window stay on one line"


def test_on_a_desktop_the_reassign_window_and_the_follow_up_form_have_room(
    web: str, open_browser: Any, showroom: Lead
) -> None:
    driver = open_browser((1280, 900))
    _log_in(driver, web, "bob@example.com")
    driver.get(f"{web}/leads/{showroom.pk}/")
    driver.find_element(By.LINK_TEXT, "Reassign").click()
    window = WebDriverWait(driver, 15).until(ec.visibility_of_element_located((By.ID, "allocate-window")))
    assert window.rect["width"] >= 400, f"the reassign window is {window.rect['width']}px wide"
    broken = _broken_names(driver)
    assert not broken, f"names and emails in the reassign window are not broken over lines: {broken}"

    driver.get(f"{web}/leads/{showroom.pk}/")
    complete = driver.find_element(By.CSS_SELECTOR, "#followups .followup-complete summary")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", complete)  # clear of the sticky header
    complete.click()
    card = driver.find_element(By.ID, "followups").rect
    for field in driver.find_elements(
        By.CSS_SELECTOR, "#followups .followup-complete input, #followups .followup-complete textarea"
    ):
        if field.is_displayed() and field.get_attribute("type") != "checkbox":
            box = field.rect
            assert box["x"] + box["width"] <= card["x"] + card["width"], (
                f"{field.get_attribute('name')} stays inside the follow-ups card"
            )


@pytest.mark.parametrize("width", [640, 900, 1024, 1280])
def test_the_admins_menu_fits_a_tablet_or_small_laptop(web: str, open_browser: Any, showroom: Lead, width: int) -> None:
    driver = open_browser((width, 800))
    _log_in(driver, web, "alice@example.com")
    assert not _sideways(driver)
    for link in driver.find_elements(By.CSS_SELECTOR, "header.topbar nav a"):
        assert link.rect["x"] + link.rect["width"] <= width, f"the menu shows {link.text!r}"
