"""The check-in scanner in Chromium with a fake camera that films a real check-in QR code."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.models import Registration
from eventhub.qr import make_qr
from eventhub.urls import checkin_url
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.manage.conftest import PASSWORD, hosted_by

pytestmark = pytest.mark.e2e

RESULT_TIMEOUT = 15_000  # ms: camera start, decoding and the pause between scans


@pytest.fixture
def backend():
    return "sqlite"


def write_qr_video(path: Path, text: str, width: int = 640, height: int = 480) -> Path:
    """A Y4M video (4:2:0) whose frames show the QR code of `text`, black on white.

    Dark modules are Y=0, light ones and the quiet zone Y=255; chroma stays neutral.
    """
    matrix = make_qr(text).matrix  # the code the confirmation mail and the workspace show
    modules = len(matrix)
    scale = int(min(width, height) * 0.9) // (modules + 8)  # with a 4-module quiet zone
    left = (width - modules * scale) // 2
    top = (height - modules * scale) // 2
    luma = bytearray(b"\xff" * (width * height))
    for r, row in enumerate(matrix):
        line = bytearray(b"\xff" * width)
        for c, dark in enumerate(row):
            if dark:
                start = left + c * scale
                line[start : start + scale] = bytes(scale)
        for dy in range(scale):
            y = top + r * scale + dy
            luma[y * width : (y + 1) * width] = line
    chroma = b"\x80" * ((width // 2) * (height // 2))
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 2)
    return path


@pytest.fixture
def camera_filming(browser):
    """Opens a phone-sized page in a Chromium whose camera films the given video."""
    launched = []

    def open_page(video: Path):
        camera = browser.browser_type.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(camera)
        context = camera.new_context(
            locale="de-DE", viewport={"width": 360, "height": 740}, permissions=["camera"]
        )
        page = context.new_page()
        page.set_default_timeout(RESULT_TIMEOUT)
        return page

    yield open_page
    for camera in launched:
        camera.close()


def log_in(page, base_url: str) -> None:
    page.goto(base_url + "/manage/login")
    page.get_by_label("E-Mail-Adresse").fill("orga@ihk.example")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base_url + "/manage/")


def test_scanner_checks_in_says_already_and_refuses_other_events(
    app, live_server, camera_filming, axe_check, make_event, make_registration, tmp_path
):
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    event = make_event(hosts=hosted_by("ihk-nrw"))
    other_event = make_event(hosts=hosted_by("ihk-nrw"))
    anna, _ = make_registration(event, first_name="Anna", last_name="Öztürk")
    berta, _ = make_registration(other_event, first_name="Berta", last_name="Anderswo")
    with app.test_request_context():
        anna_qr = write_qr_video(tmp_path / "anna.y4m", checkin_url(event, anna))
        berta_qr = write_qr_video(tmp_path / "berta.y4m", checkin_url(other_event, berta))
    scanner = f"{live_server}/manage/events/{event.slug}/checkin/scanner"

    page = camera_filming(anna_qr)
    log_in(page, live_server)
    page.goto(scanner)
    result = page.locator("#scanner-result")
    expect(result).to_have_text("Eingecheckt: Anna Öztürk", timeout=RESULT_TIMEOUT)
    expect(result).to_have_attribute("aria-live", "polite")
    db.session.rollback()
    checked_in_at = db.session.get(Registration, anna.id).checked_in_at
    assert checked_in_at is not None

    # The code stays in front of the camera: after the pause it is read again.
    expect(result).to_contain_text("Bereits eingecheckt: Anna Öztürk (um ", timeout=RESULT_TIMEOUT)
    db.session.rollback()
    assert db.session.get(Registration, anna.id).checked_in_at == checked_in_at
    axe_check(page)
    # The scanner fits the phone (the site header's width is another part of issue 11).
    assert page.evaluate(
        "[...document.querySelectorAll('#scanner, #scanner *')]"
        ".every(e => e.getBoundingClientRect().right <= innerWidth)"
    )

    # "Next person", by keyboard, ends the pause at once: the next scan comes well before
    # the pause (2.5 s) would have ended by itself.
    def is_scan(response) -> bool:
        return response.request.method == "POST" and response.url == scanner

    with page.expect_response(is_scan, timeout=RESULT_TIMEOUT):
        pass  # the scan after the pause
    expect(page.locator("#scanner")).to_have_attribute("data-state", "paused")
    with page.expect_response(is_scan, timeout=1_000):
        page.get_by_role("button", name="Nächste Person").focus()
        page.keyboard.press("Enter")
    expect(result).to_contain_text("Bereits eingecheckt: Anna Öztürk")

    other = camera_filming(berta_qr)
    log_in(other, live_server)
    other.goto(scanner)
    expect(other.locator("#scanner-result")).to_have_text(
        "Nicht für diese Veranstaltung", timeout=RESULT_TIMEOUT
    )
    db.session.rollback()
    assert db.session.get(Registration, berta.id).checked_in_at is None


def test_scanner_without_a_camera_says_so(app, live_server, page, make_event):
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    event = make_event(hosts=hosted_by("ihk-nrw"))
    log_in(page, live_server)
    # No fake device and no permission: getUserMedia is refused.
    page.goto(f"{live_server}/manage/events/{event.slug}/checkin/scanner")
    expect(page.get_by_role("alert")).to_contain_text("Die Kamera ist nicht verfügbar")
    expect(page.locator("#scanner-result")).to_be_hidden()


def test_checkin_page_one_handed_on_a_phone(
    app, live_server, page, axe_check, make_event, make_registration
):
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    event = make_event(hosts=hosted_by("ihk-nrw"))
    for n in range(12):
        make_registration(event, first_name="Person", last_name=f"Nummer {n:02d}")
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server)
    page.goto(f"{live_server}/manage/events/{event.slug}/checkin")
    search = page.get_by_role("searchbox", name="Person suchen (Name oder Organisation)")
    count = page.get_by_text("0 von 12 eingecheckt")
    scanner_link = page.get_by_role("link", name="QR-Scanner öffnen")
    for thing in (search, count, scanner_link):
        box = thing.bounding_box()
        assert box["y"] + box["height"] <= 740, thing  # in the first screen
    buttons = page.locator("main button, main a.button")
    assert buttons.count() >= 13
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, buttons.nth(i).inner_text()
    axe_check(page)

    # The counts stay in view while scrolling down the list.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("scrollY") > 200
    assert 0 <= count.bounding_box()["y"] < 740
    page.get_by_role("button", name="Person Nummer 11").click()
    expect(page.get_by_text("1 von 12 eingecheckt")).to_be_visible()
