"""Alice, on a 390 px phone, uploads the dealership's inventory file: she sees the preview with the
broken rows, applies it, finds a truck in the stock list; a big file shows a progress bar that moves
on by itself once the worker has read it. Carol then sees the truck's photos on her lead and puts
its listing link into a text with one tap. Screenshots (inventory-*.png) are kept when
FORECOURT_SHOTS names a folder."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD
from conversations.models import Photo
from forecourt.testing import run_manage
from inventory.actions import receive_file
from inventory.models import StockUpload, Vehicle
from inventory.vin import with_check_digit
from leads import actions as lead_actions
from tests.browser.conftest import PHONE, csp_violations, keep_screenshot
from tests.browser.test_text_a_customer_from_a_phone import png

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TUNDRA = with_check_digit("5TFDY5F10LX000003")
CAMRY = with_check_digit("4T1B11HK0KU000001")


def fits(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def shoot(driver, name: str) -> None:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": min(max(height, PHONE[1]), 2400), "deviceScaleFactor": 1, "mobile": False},
    )
    keep_screenshot(driver, f"inventory-{name}")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": False},
    )


def log_in(driver, web: str, email: str) -> None:
    driver.get(f"{web}/accounts/login/")
    driver.find_element(By.ID, "id_email").send_keys(email)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 20).until(ec.url_to_be(f"{web}/"))


@pytest.fixture
def photos(web, riverside):
    """Two truck photos served by Forecourt itself (the browser reaches nothing else)."""
    urls = []
    for width in (64, 48):
        picture = png(width, 36)
        photo = Photo.objects.create(dealership=riverside, content=picture, content_type="image/png", size=len(picture))
        urls.append(f"{web}/m/{photo.token}")
    return urls


def test_alice_uploads_the_inventory_from_her_phone(web, open_browser, alice, photos, tmp_path):
    inventory = tmp_path / "dms-export.csv"
    inventory.write_text(
        "Stock #,VIN,Year,Make,Model,Trim,Internet Price,Odometer,ImageList,VDP URL\n"
        f'T102,{TUNDRA},2020,Toyota,Tundra,SR5 CrewMax,"$38,995",12044,"{"|".join(photos)}",https://riverside.example/v/t102\n'
        f"T100,{CAMRY},2019,Toyota,Camry,SE,21995,41000,,\n"
        f"T103,{CAMRY[:8]}7{CAMRY[9:]},2019,Toyota,Camry,LE,20995,52000,,\n"
        "T104,,2025,Toyota,,LE,29000,5,,\n",
        encoding="cp1252",
    )
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))
    log_in(driver, web, "alice@example.com")

    driver.get(f"{web}/inventory/upload/")
    driver.find_element(By.ID, "id_file").send_keys(str(inventory))
    driver.find_element(By.CSS_SELECTOR, "#inventory-upload-form button[type=submit]").click()

    wait.until(ec.presence_of_element_located((By.ID, "upload-preview")))
    assert "2 of 4 vehicles can be applied" in driver.find_element(By.ID, "preview-title").text
    errors = driver.find_element(By.ID, "upload-errors").text
    assert "Line 4 (stock #T103): VIN" in errors
    assert "fails its check digit" in errors
    assert "Line 5 (stock #T104): no model" in errors
    assert Vehicle.objects.count() == 0
    assert fits(driver), "the preview fits the phone without sideways scrolling"
    shoot(driver, "preview")

    driver.find_element(By.ID, "upload-apply").click()
    wait.until(ec.presence_of_element_located((By.ID, "upload-outcome")))
    assert "2 added" in driver.find_element(By.ID, "upload-outcome").text

    driver.get(f"{web}/inventory/")
    search = driver.find_element(By.ID, "stock-q")
    search.send_keys("tundra", Keys.ENTER)
    wait.until(lambda d: "tundra" in d.current_url)
    units = driver.find_elements(By.CSS_SELECTOR, "#stock-list .stock-unit")
    assert [u.get_attribute("data-stock") for u in units] == ["T102"]
    assert "2020 Toyota Tundra SR5 CrewMax" in units[0].text
    assert "$38,995" in units[0].text
    wait.until(lambda d: d.execute_script("return document.querySelector('.stock-thumb').naturalWidth") == 64)
    driver.get(f"{web}/inventory/")
    assert fits(driver), "the stock list fits the phone"
    shoot(driver, "stock")
    assert csp_violations(driver) == []


def test_a_big_file_shows_progress_and_moves_on_by_itself(web, open_browser, alice, riverside):
    rows = "\n".join(f"B{i},2021,Ford,F-150,XLT,{30000 + i}" for i in range(20000))
    upload = receive_file(
        dealership=riverside, data=f"Stock,Year,Make,Model,Trim,Price\n{rows}\n".encode(), name="big.csv", actor=alice
    )
    StockUpload.objects.filter(pk=upload.pk).update(rows_checked=0)
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,))
    log_in(driver, web, "alice@example.com")

    driver.get(f"{web}/inventory/upload/{upload.pk}/")
    assert "0 of about 20,000 rows read" in driver.find_element(By.ID, "upload-progress-text").text
    assert fits(driver)
    shoot(driver, "progress")

    worker = run_manage("runworker", "--once", timeout=120)
    assert worker.returncode == 0, worker.stderr
    wait.until(ec.presence_of_element_located((By.ID, "upload-preview")))  # the page reloaded by itself
    assert "20,000 of 20,000 vehicles can be applied" in driver.find_element(By.ID, "preview-title").text
    assert csp_violations(driver) == []


def test_carol_sees_the_trucks_photos_and_texts_its_listing_link(
    web, open_browser, riverside, carols_lead, carol, photos
):
    riverside.leads_phone = "+15125550199"
    riverside.save()
    unit = Vehicle.objects.create(
        dealership=riverside,
        stock="T102",
        vin=TUNDRA,
        year=2020,
        make="Toyota",
        model="Tundra",
        trim="SR5",
        listing_url="https://riverside.example/v/t102",
    )
    for position, url in enumerate(photos):
        unit.photos.create(url=url, position=position)
    lead_actions.add_vehicle(lead=carols_lead, actor=carol, inventory_vehicle=unit, data={"interest": "buy"})
    driver = open_browser(PHONE)
    wait = WebDriverWait(driver, 20, ignored_exceptions=(StaleElementReferenceException,))
    log_in(driver, web, "carol@example.com")

    driver.get(f"{web}/leads/{carols_lead.pk}/")
    strip = driver.find_element(By.CSS_SELECTOR, "#vehicles .unit-photos")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", strip)  # the photos load lazily
    widths = "return Array.from(document.querySelectorAll('#vehicles .unit-photos img'), i => i.naturalWidth)"
    wait.until(lambda d: d.execute_script(widths) == [64, 48])
    assert strip.is_displayed()
    driver.find_element(By.ID, "thumb-text").click()  # opens the composer, the cursor in the text
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "composer-body")
    body = driver.find_element(By.ID, "composer-body")
    body.send_keys("Here it is:")
    driver.find_element(By.CSS_SELECTOR, "#listing-links .listing-link").click()

    assert body.get_attribute("value") == "Here it is: https://riverside.example/v/t102"
    counter = driver.find_element(By.ID, "composer-counter").text
    assert "44 characters" in counter
    assert fits(driver)
    keep_screenshot(driver, "inventory-composer")
    driver.execute_script("document.getElementById('vehicles').scrollIntoView()")
    shoot(driver, "lead")
    assert csp_violations(driver) == []
