"""An organiser uploads the signed sign-in sheet in the browser (phone and desktop width)
and downloads the funder report with the scan appended."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from eventhub.events.records import upsert_event
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.models import EventFile
from tests.conftest import event_record
from tests.e2e.test_checkin_scanner import log_in
from tests.manage.conftest import PASSWORD, hosted_by

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


@pytest.mark.parametrize("width", [360, 1280])
def test_organiser_uploads_the_scan_and_downloads_the_report(
    app, browser, live_server, axe_check, tmp_path, width
):
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    upsert_event(
        EventRecord.model_validate(event_record(slug="foerderung", hosts=hosted_by("ihk-nrw")))
    )
    db.session.commit()
    scan = tmp_path / "Unterschriften.jpg"
    Image.new("RGB", (800, 1100), "white").save(scan, "JPEG")

    context = browser.new_context(
        locale="de-DE", viewport={"width": width, "height": 800}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server)
    page.goto(live_server + "/manage/events/foerderung")
    page.get_by_role("heading", name="Bericht für Fördergeber und Partner").wait_for()

    page.get_by_label("Scan als PDF, PNG oder JPEG, höchstens 20 MB").set_input_files(str(scan))
    page.get_by_role("button", name="Scan hochladen").click()
    page.get_by_text("Die unterschriebene Teilnahmeliste ist gespeichert").wait_for()
    page.get_by_text("Hochgeladen: Unterschriften.jpg, 1 Seite").wait_for()
    axe_check(page)
    # The report's section fits the phone (the registrations table scrolls on its own).
    assert (
        page.evaluate(
            "[...document.querySelectorAll('section[aria-labelledby=funder-report] *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
            ".map(e => e.tagName + ' ' + e.getBoundingClientRect().right)"
        )
        == []
    )

    with page.expect_download() as download:
        page.get_by_role("link", name="PDF (Deutsch)").click()
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Anhang: Unterschriebene Teilnahmeliste (Scan)" in text
    assert reader.pages[-1].images  # the scan, as an image page

    page.get_by_role("button", name="Scan löschen").click()
    page.get_by_text("Der Scan der unterschriebenen Teilnahmeliste ist gelöscht.").wait_for()
    context.close()
    db.session.rollback()
    assert db.session.scalar(select(EventFile)) is None
