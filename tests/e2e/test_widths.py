"""Every page at a phone's width (360 px, and 320 px) and at a desktop's (1280 px).

The pages are found by walking `app.url_map`: every GET rule is visited with its
variables filled from real data, so a new page is covered without touching this file
(a rule with a variable this file cannot fill fails the test, and says which). Rules
that answer something other than an HTML page are skipped, each with its reason in
SKIPPED. On each page: no horizontal scrolling (`scrollWidth <= innerWidth`) and axe
clean; on a phone, the register button of an event page within the first screen.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from eventhub.events.certificates import grouped, new_code
from eventhub.events.records import upsert_event
from eventhub.events.registration import Attendee, register
from eventhub.events.schema import EventRecord
from eventhub.extensions import db
from eventhub.manage.accounts import create_user
from eventhub.manage.attendee_messages import send_message
from eventhub.manage.organisations import invite
from eventhub.manage.questions import QuestionData, add_esf_questions, add_question
from eventhub.models import (
    Certificate,
    Event,
    EventMaterial,
    FeedbackInvite,
    Organisation,
    OutboxMessage,
    PasswordReset,
    PrivacyRequest,
    Question,
)
from eventhub.network.contacts import send_contact_request
from eventhub.network.meeting_admin import arrange_meeting
from eventhub.network.meetings import configure_meetings, request_meeting
from eventhub.network.services import ServiceValues, create_service
from eventhub.tokens import new_token
from eventhub.urls import checkin_code
from tests.conftest import event_record, in_days

pytestmark = pytest.mark.e2e

PASSWORD = "richtig-langes-passwort"
ADMIN = "admin.mit.einer.recht.langen.adresse@integrationszentrum-recklinghausen.example"
LONG_ORG = (
    "Kommunales Integrationszentrum und Welcome Center der Stadt Recklinghausen – "
    "Beratungsstelle Anerkennungsberatungsangelegenheiten ausländischer Berufsqualifikationen"
)

# Endpoints that answer no HTML page, and why they are not visited.
SKIPPED = {
    "static": "style sheets and scripts, not pages",
    "api.": "JSON API (no page)",
    "calendar.": "iCalendar files and feeds (no page)",
    "manage.attendees_csv": "a CSV download",
    "manage.attendees_xlsx": "an XLSX download",
    "manage.attendees_pdf": "a PDF download (printable sign-in sheet)",
    "manage.meeting_table_plan": "a PDF download (table plan of the meetings)",
    "manage.meeting_schedules_pdf": "a PDF download (everyone's meeting schedule)",
    "manage.meeting_schedule_pdf": "a PDF download (one person's meeting schedule)",
    "manage.registration_qr": "an SVG image",
    "manage.feedback_export_csv": "a CSV download (feedback)",
    "manage.feedback_export_xlsx": "an XLSX download (feedback)",
    "events.my_certificate": "a PDF download (the certificate of attendance)",
    "events.my_calendar_entry": "an .ics download (the person's own calendar entry)",
    "manage.funder_report_pdf_download": "a PDF download (the funder report)",
    "manage.funder_report_xlsx_download": "an XLSX download (the funder report)",
    "manage.signin_scan": "a download (the uploaded scan of the sign-in sheet)",
    "mail.part": "one raw MIME part of a message, as it was written",
    "privacy.my_data_json": "a JSON download (the person's own data)",
    "manage.export_person": "a JSON download (one person's data, for the organisers)",
    "healthz": "plain-text health probe",
    "readyz": "plain-text readiness probe",
    "metrics": "Prometheus metrics (plain text for scrapers)",
}
WIDTHS = {"phone": (360, 640), "desktop": (1280, 800)}


def skip_reason(endpoint: str) -> str | None:
    for prefix, reason in SKIPPED.items():
        if endpoint == prefix or (prefix.endswith(".") and endpoint.startswith(prefix)):
            return reason
    return None


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def site(app):
    """Real data with long words: a long organisation name, a long event title, a URL in
    the description, long e-mail addresses; returns the values for the URL variables."""
    admin, _ = create_user(
        email=ADMIN, password=PASSWORD, org_slug="iz-recklinghausen", is_admin=True, name="Ada"
    )
    org = db.session.scalar(select(Organisation).where(Organisation.slug == "iz-recklinghausen"))
    org.name = LONG_ORG
    db.session.commit()
    hosts = [
        {"name": LONG_ORG, "slug": "iz-recklinghausen", "role": "host"},
        {"name": "Handwerkskammer Münster", "slug": "hwk-muenster", "role": "cohost"},
    ]
    description = (
        "Wie gelingt die **Anerkennung** ausländischer Berufsabschlüsse? "
        "Alle Unterlagen: https://www.anerkennung-in-deutschland.de/html/de/pro/"
        "berufsqualifikationsfeststellungsgesetz-bqfg-und-landesanerkennungsgesetze.php\n\n"
        + "Ein Nachmittag für Arbeitgeberinnen und Arbeitgeber. "
        * 30
    )
    agenda = [
        {
            "starts_at": in_days(30, 10 + n).isoformat(),
            "ends_at": in_days(30, 11 + n).isoformat(),
            "title": f"Programmpunkt {n}: Berufsanerkennungsverfahrensbeschleunigung",
            "kind": "talk",
            "speakers": [
                {"name": "Dr. Maximiliane Musterfrau-Beispielsdorf", "affiliation": LONG_ORG}
            ],
        }
        for n in range(6)
    ]
    record = event_record(
        slug="anerkennung-im-handwerk",
        title="Fachkräftesicherungsnachmittag: Anerkennungsberatung für Handwerksbetriebe",
        hosts=hosts,
        description=description,
        agenda=agenda,
        topics=["Anerkennung", "Berufsqualifikationsfeststellungsgesetz"],
        series="donnerstagsgespraeche",
        contact={
            "name": "Erika Musterfrau",
            "email": "erika.musterfrau@integrationszentrum-recklinghausen.example",
            "phone": "+49 2361 50 12345",
        },
    )
    upsert_event(EventRecord.model_validate(record))
    past = event_record(slug="rueckblick", starts=in_days(-20), hosts=hosts, title=record["title"])
    upsert_event(EventRecord.model_validate(past))
    db.session.commit()
    event = db.session.scalar(select(Event).where(Event.slug == "anerkennung-im-handwerk"))
    # Questions of every kind on the form (the ESF set too), answered by Jürgen.
    add_esf_questions(event.id)
    needs = add_question(
        event.id,
        QuestionData(
            "textarea",
            "Besondere Bedürfnisse (Barrierefreiheit, Ernährungsunverträglichkeiten)",
            help_de="Damit wir die Veranstaltungsräumlichkeiten entsprechend vorbereiten können.",
            sensitive=True,
        ),
    )
    topics = add_question(
        event.id,
        QuestionData(
            "multiple",
            "Themenschwerpunkte",
            options=[
                {"key": "bqfg", "de": "Berufsqualifikationsfeststellungsgesetz", "en": ""},
                {"key": "visa", "de": "Visa", "en": ""},
            ],
        ),
    )
    for kind, label in (
        ("text", "Firma"),
        ("boolean", "Parkplatz?"),
        ("number", "Anzahl"),
        ("date", "Anreisetag"),
    ):
        add_question(event.id, QuestionData(kind, label, required=kind == "boolean"))
    # A statistics answer: his page lists his consents and offers to withdraw it.
    gender = db.session.scalar(
        select(Question).where(Question.event_id == event.id, Question.purpose == "gender")
    )
    registration, token = register(
        event.id,
        Attendee(
            "Jürgen",
            "Müller-Lüdenscheidt",
            "juergen.mueller-luedenscheidt@baeckerei-und-konditorei-mueller.example",
            organisation="Bäckerei und Konditorei Müller-Lüdenscheidt GmbH & Co. KG",
            show_in_directory=True,
            answers={
                needs.id: "Rollstuhlgerechter Zugang\n" * 5,
                topics.id: ["bqfg"],
                gender.id: "diverse",
            },
        ),
    )
    others = [
        register(event.id, Attendee("Anna", f"Beispiel {n}", f"anna{n}@example.org"))[0]
        for n in range(3)
    ]
    # Contact requests: Jürgen and one other listed, a request to Jürgen with a known link.
    registration.directory_visibility = others[0].directory_visibility = "participants"
    db.session.commit()
    contact = send_contact_request(
        others[0].id, registration.id, "Guten Tag!\nHätten Sie in der Pause Zeit? " * 8
    )
    answer_token, contact.token_hash = new_token()
    db.session.commit()
    invitation_token, _ = invite(org.id, "neue.kollegin@example.org", "organiser", admin.id)
    reset_token, reset_hash = new_token()
    db.session.add(
        PasswordReset(
            user_id=admin.id,
            token_hash=reset_hash,
            expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
        )
    )
    db.session.commit()
    # One-to-one meetings with a long room name and one meeting the organisers arranged.
    configure_meetings(
        event.id,
        enabled=True,
        slot_minutes=15,
        break_minutes=5,
        max_per_person=6,
        blocks=[(in_days(30, 12), in_days(30, 13))],
        tables=["1", "2", "Besprechungsraum Berufsanerkennungsberatung Süd"],
    )
    meeting = arrange_meeting(event.id, others[1].id, others[2].id, in_days(30, 12))
    # A meeting request to Jürgen with a known answer link.
    asked, _placement = request_meeting(others[0].id, registration.id, "Kurz zur Anerkennung?")
    meeting_answer_token, asked.answer_token_hash = new_token()
    db.session.commit()
    # The feedback survey, open, with an organiser's question of some length.
    feedback_token, feedback_hash = new_token()
    event.feedback_enabled = True
    event.feedback_questions = [
        {"label": "Wie fanden Sie die Berufsanerkennungsberatung?", "choices": ["gut", "mäßig"]},
        {"label": "Welches Thema sollen wir beim nächsten Mal aufgreifen?", "choices": []},
    ]
    db.session.add(
        FeedbackInvite(event_id=event.id, registration_id=registration.id, token_hash=feedback_hash)
    )
    db.session.commit()
    message_id = db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id))
    # A message to the attendees with a long subject, for its page in the workspace.
    attendee_message = send_message(
        event.id,
        author_id=admin.id,
        group="confirmed",
        subject="Raumänderung: Treffpunkt im Berufsanerkennungsberatungszentrum",
        body="Bitte bringen Sie **Ihren Ausweis** mit.\n\n- Einlass ab 9:30 Uhr",
        nonce="widths-message-nonce-1",
    ).message
    certificate = Certificate(
        registration_id=registration.id,
        event_id=event.id,
        code=new_code(),
        holder_name=registration.full_name,
        event_title=event.title,
        event_starts_at=event.starts_at,
        event_ends_at=event.ends_at,
    )
    db.session.add(certificate)
    db.session.add(
        EventMaterial(
            event_id=event.id,
            title="Folien: Anerkennungsberatungsverfahrensbeschleunigung im Handwerk",
            url="https://www.anerkennung-in-deutschland.de/html/de/pro/berufsqualifikation.php",
        )
    )
    db.session.commit()
    service = create_service(
        org.id,
        ServiceValues(
            title="Anerkennungsberatung für Berufsqualifikationsfeststellungsverfahren",
            category="recognition",
            description=description,
            audiences=["skilled_workers", "employers"],
            languages=["de", "en", "ar", "uk"],
            regions=["Recklinghausen", "Nördliches Ruhrgebiet"],
            website="https://www.anerkennung-in-deutschland.de/html/de/pro/berufsqualifikation.php",
            email="anerkennungsberatung@integrationszentrum-recklinghausen.example",
            by_appointment=True,
        ),
    )
    # Two one-time links to one's data: one the walk opens (its page with the button), one
    # used first to give the browser access to /privacy/my-data.
    privacy_tokens = []
    for _ in range(2):
        privacy_token, privacy_hash = new_token()
        db.session.add(
            PrivacyRequest(
                token_hash=privacy_hash,
                email_normalised=registration.email_normalised,
                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
            )
        )
        privacy_tokens.append(privacy_token)
    db.session.commit()
    return {
        "privacy.open_link:token": privacy_tokens[0],
        "privacy_access_token": privacy_tokens[1],
        "network.service:slug": service.slug,
        "manage.edit_service:entry_id": service.id,
        "slug": event.slug,
        "network.organisation:slug": org.slug,
        "org_slug": org.slug,
        "registration_id": registration.id,
        "uid": registration.uid,
        "registration_uid": registration.uid,
        "code": checkin_code(registration),
        "events.verify_certificate:code": grouped(certificate.code),
        "message_id": message_id,
        "manage.message:message_id": attendee_message.id,
        "events.my_registration:token": token,
        "token": token,  # other pages behind the private link (cancel, confirm)
        "person": others[0].id,  # a listed participant Jürgen can write to
        "meeting_id": meeting.id,
        "question_id": needs.id,
        "network.answer_request:token": answer_token,
        "network.answer_meeting:token": meeting_answer_token,
        "auth.accept_invitation:token": invitation_token,
        "auth.reset_password:token": reset_token,
        "events.feedback_survey:token": feedback_token,
    }


def pages_to_visit(app, values) -> tuple[list[tuple[str, str]], list[str]]:
    """(endpoint, path) for every GET rule that is a page; and the ones left out, why."""
    pages, skipped = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        reason = skip_reason(rule.endpoint)
        if reason:
            skipped.append(f"{rule.rule}: {reason}")
            continue
        args = {}
        for name in rule.arguments:
            key = f"{rule.endpoint}:{name}"
            value = values.get(key, values.get(name))
            assert value is not None, f"{rule.rule}: no test value for <{name}>; add one to `site`"
            args[name] = value
        with app.test_request_context():
            from flask import url_for

            pages.append((rule.endpoint, url_for(rule.endpoint, **args)))
    return pages, skipped


def overflow(page) -> list[str]:
    """What sticks out past the right edge, when the page scrolls sideways."""
    return page.evaluate(
        """() => {
        if (document.documentElement.scrollWidth <= window.innerWidth) return [];
        const wide = [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
          .map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                    + ' ' + Math.round(e.getBoundingClientRect().right));
        return [`scrollWidth ${document.documentElement.scrollWidth} > ${window.innerWidth}`,
                ...wide.slice(0, 8)];
      }"""
    )


def one_handed_checkin_problems(page, screen_height: int) -> list[str]:
    """Check-in at the door: the search field on the first screen, touch targets >= 44 px."""
    problems = []
    search = page.get_by_role("searchbox").bounding_box()
    if search["y"] + search["height"] > screen_height:
        problems.append(f"check-in: search field below the first screen: {search}")
    targets = page.locator(".checkin-search input, .checkin-search button, .checkin-list button")
    for n in range(targets.count()):
        box = targets.nth(n).bounding_box()
        if box["height"] < 44 or box["width"] < 44:
            problems.append(f"check-in: touch target {n} smaller than 44 px: {box}")
    return problems


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_and_passes_axe(app, browser, live_server, site, axe_check, width):
    pages, skipped = pages_to_visit(app, site)
    workspace = [(e, p) for e, p in pages if e.split(".")[0] in ("manage", "mail")]
    public = [(e, p) for e, p in pages if (e, p) not in workspace]
    public.append(("errors.404", "/events/gibt-es-nicht"))
    assert len(workspace) >= 12 and len(public) >= 10, (workspace, public, skipped)

    w, h = WIDTHS[width]
    context = browser.new_context(locale="de-DE", viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []

    def visit(endpoint, path):
        response = page.goto(live_server + path)
        expected = 404 if endpoint == "errors.404" else 200
        if response.status != expected or "/manage/login" in page.url and endpoint != "auth.login":
            problems.append(f"{path}: HTTP {response.status} at {page.url}")
            return
        page.wait_for_load_state("load")
        if wide := overflow(page):
            problems.append(f"{path} at {w} px: " + "; ".join(wide))
        if width == "phone":  # the narrowest phones too, without a reload
            page.set_viewport_size({"width": 320, "height": 568})
            if wide := overflow(page):
                problems.append(f"{path} at 320 px: " + "; ".join(wide))
            page.set_viewport_size({"width": w, "height": h})
        try:
            axe_check(page)
        except AssertionError as error:
            problems.append(str(error))

    # The person's own data needs the access a used link gives this browser.
    page.goto(live_server + f"/privacy/access/{site['privacy_access_token']}")
    page.get_by_role("button", name="Meine Daten anzeigen").click()
    page.wait_for_url(live_server + "/privacy/my-data")
    for endpoint, path in public:
        visit(endpoint, path)
        if endpoint == "events.event_page" and width == "phone":
            page.evaluate("window.scrollTo(0, 0)")
            box = page.get_by_role("link", name="Jetzt anmelden").bounding_box()
            if box is None or box["y"] + box["height"] > h:
                problems.append(f"{path}: register button not in the first screen: {box}")

    page.goto(live_server + "/manage/login")
    page.get_by_label("E-Mail-Adresse").fill(ADMIN)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server + "/manage/")
    for endpoint, path in workspace:
        visit(endpoint, path)
        if endpoint == "manage.checkin" and width == "phone":
            problems.extend(one_handed_checkin_problems(page, h))
    context.close()
    assert not problems, "\n".join(problems)


def test_header_menu_folds_on_a_phone(app, browser, live_server):
    """On a phone a disclosure button folds the navigation; wide, the links are all shown;
    without JavaScript the menu stays open and still fits."""
    context = browser.new_context(locale="de-DE", viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.goto(live_server + "/events/")
    menu = page.get_by_role("button", name="Menü")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "site-menu")
    login = page.get_by_role("link", name="Anmeldung für Veranstaltende")
    expect(login).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(login).to_be_visible()
    assert login.bounding_box()["height"] >= 44
    page.keyboard.press("Escape")  # focus is on the button, outside the menu: stays open
    login.focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(menu).to_be_hidden()
    expect(login).to_be_visible()
    context.close()

    no_js = browser.new_context(
        locale="de-DE", viewport={"width": 320, "height": 568}, java_script_enabled=False
    )
    page = no_js.new_page()
    page.goto(live_server + "/events/")
    expect(page.get_by_role("button", name="Menü")).to_be_hidden()
    expect(page.get_by_role("link", name="Anmeldung für Veranstaltende")).to_be_visible()
    assert overflow(page) == []
    no_js.close()
