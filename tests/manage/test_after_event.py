"""After the event (issue 15): organisers issue and withdraw certificates by hand, the
scheduler mails each certificate once (even with two schedulers at once) with the PDF
attached, and the materials organisers share appear on the event page after the event
and reach the people who came by mail, each link once."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from sqlalchemy import func, select

from eventhub.events import certificates as certificate_rules
from eventhub.events.registration import Attendee, register, set_checked_in
from eventhub.extensions import db
from eventhub.manage.scheduled import run_scheduled
from eventhub.models import (
    Certificate,
    Event,
    EventMaterial,
    Organisation,
    OutboxMessage,
    Registration,
)
from tests.conftest import in_days, run_together
from tests.manage.conftest import hosted_by, log_in
from tests.manage.test_events import event_form, org_id

BERLIN = ZoneInfo("Europe/Berlin")
# Soon, so a login made now is still valid then (sessions last 31 days).
STARTS = in_days(10)
AFTER = STARTS + dt.timedelta(days=1)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def past_event(make_event):
    """An IHK NRW event in ten days (10:00-14:00): Anna and Bernd checked in, Carla
    confirmed but not scanned; returns (event, {last name: registration id})."""

    def build(count: int = 0, **overrides):
        with at(STARTS - dt.timedelta(days=20)):
            event = make_event(
                starts=STARTS, hosts=hosted_by("ihk-nrw"), capacity=None, **overrides
            )
            ids = {}
            names = ["Anna", "Bernd", "Carla"] + [f"P{n}" for n in range(count)]
            for name in names:
                registration, _ = register(
                    event.id, Attendee("Dana", name, f"{name.lower()}@example.org")
                )
                ids[name] = registration.id
                if name != "Carla":
                    with at(STARTS + dt.timedelta(minutes=10)):
                        set_checked_in(registration.id, True)
        return event, ids

    return build


def schedule(runner) -> str:
    result = runner.invoke(args=["mail", "scheduled"])
    assert result.exit_code == 0, result.output
    return result.output


# --- issuing and withdrawing by hand -----------------------------------------------------


def test_issue_by_hand_and_withdraw(organiser_client, past_event, client):
    event, ids = past_event()
    base = f"/manage/events/{event.slug}/certificates"
    with at(AFTER):
        page = organiser_client.get(base).get_data(as_text=True)
        assert "Müller" not in page and "Nichtda" not in page
        assert "Carla, Dana" in page and "Bescheinigung ausstellen" in page
        response = organiser_client.post(f"{base}/{ids['Carla']}/issue")
        assert response.headers["Location"] == base
        page = organiser_client.get(base).get_data(as_text=True)
    assert "von Hand ausgestellt" in page
    db.session.rollback()
    carla = db.session.scalar(
        select(Certificate).where(Certificate.registration_id == ids["Carla"])
    )
    old_code = carla.code
    assert carla.source == "manual" and carla.issued_by_id is not None
    assert client.get(f"/certificates/{carla.code}").status_code == 200

    with at(AFTER):
        organiser_client.post(f"{base}/{ids['Carla']}/revoke", data={"reason": "Verwechselt"})
        page = organiser_client.get(base).get_data(as_text=True)
    assert "zurückgezogen: Verwechselt" in page
    assert client.get(f"/certificates/{carla.code}").status_code == 404

    with at(AFTER):  # issued again: a new code, the old one stays void
        organiser_client.post(f"{base}/{ids['Carla']}/issue")
    db.session.rollback()
    again = db.session.scalar(
        select(Certificate).where(Certificate.registration_id == ids["Carla"])
    )
    assert again.code != old_code and again.valid
    assert client.get(f"/certificates/{old_code}").status_code == 404
    assert client.get(f"/certificates/{again.code}").status_code == 200


def test_no_certificate_by_hand_before_the_end(organiser_client, past_event):
    event, ids = past_event()
    base = f"/manage/events/{event.slug}/certificates"
    with at(STARTS + dt.timedelta(hours=1)):
        response = organiser_client.post(f"{base}/{ids['Carla']}/issue", follow_redirects=True)
    assert "sobald die Veranstaltung vorbei ist" in response.get_data(as_text=True)
    assert db.session.scalar(select(Certificate.id)) is None


def test_every_new_route_is_404_for_another_organisation(
    client, make_organiser, past_event, make_event
):
    event, ids = past_event()
    with at(AFTER):
        mine = make_event(hosts=hosted_by("hwk-leipzig", "HWK Leipzig"))
    make_organiser("other@hwk.example", "hwk-leipzig")
    log_in(client, "other@hwk.example")
    db.session.add(EventMaterial(event_id=event.id, title="Folien", url="https://example.org/f"))
    db.session.commit()
    material = db.session.scalar(select(EventMaterial.id))
    base = f"/manage/events/{event.slug}"
    with at(AFTER):
        assert client.get(f"/manage/events/{mine.slug}/materials").status_code == 200
        for method, path in [
            ("get", f"{base}/certificates"),
            ("post", f"{base}/certificates/{ids['Carla']}/issue"),
            ("post", f"{base}/certificates/{ids['Anna']}/revoke"),
            ("get", f"{base}/materials"),
            ("post", f"{base}/materials"),
            ("post", f"{base}/materials/{material}/remove"),
            # their own event, the other's registration and link
            ("post", f"/manage/events/{mine.slug}/certificates/{ids['Carla']}/issue"),
            ("post", f"/manage/events/{mine.slug}/materials/{material}/remove"),
        ]:
            data = {"title": "x", "url": "https://example.org"} if method == "post" else None
            response = getattr(client, method)(path, data=data)
            assert response.status_code == 404, path
    db.session.rollback()
    assert db.session.scalar(select(Certificate.id)) is None
    assert db.session.scalar(select(func.count(EventMaterial.id))) == 1


# --- the mail after the event ------------------------------------------------------------


def test_certificates_are_mailed_once_to_the_people_who_came(past_event, runner, outbox):
    event, ids = past_event(certificate_mail=True, certificate_hours=6.5)
    with at(STARTS + dt.timedelta(hours=3)):
        schedule(runner)
    assert outbox(kind="certificate") == []  # not over yet
    with at(AFTER):
        assert "2 certificates" in schedule(runner)
        schedule(runner)
    rows = outbox(kind="certificate")
    assert sorted(r.recipient for r in rows) == ["anna@example.org", "bernd@example.org"]
    mail = outbox.parse(rows[0])
    assert mail["Subject"] == f"Ihre Teilnahmebescheinigung: {event.title}"
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(attachment.get_content())).pages[0].extract_text()
    assert "Dana Anna" in text and "Dauer: 6,5 Stunden" in text
    code = re.search(r"Prüfcode: (\S+)", outbox.text(rows[0])).group(1)
    assert code in text


def test_a_certificate_issued_by_hand_later_is_mailed_too(past_event, runner, outbox):
    event, ids = past_event(certificate_mail=True)
    with at(AFTER):
        schedule(runner)
        certificate_rules.issue_by_hand(ids["Carla"], user_id=None)
        schedule(runner)
        schedule(runner)
    assert Counter(r.recipient for r in outbox(kind="certificate")) == Counter(
        {"anna@example.org": 1, "bernd@example.org": 1, "carla@example.org": 1}
    )


def test_no_mail_unless_the_organisers_want_it(past_event, runner, outbox):
    past_event(certificate_mail=False)
    with at(AFTER):
        schedule(runner)
    assert outbox(kind="certificate") == []
    assert db.session.scalar(select(Certificate.id)) is None


def count_certificate_mails() -> Counter:
    db.session.rollback()
    return Counter(
        db.session.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.kind == "certificate")
        ).all()
    )


def build_for_race(past_event, downloaded: bool) -> None:
    """Ten people checked in; `downloaded`: each fetched the certificate already, so the
    schedulers race on the mail alone (else on issuing and mailing)."""
    event, ids = past_event(count=8, certificate_mail=True)
    if downloaded:
        with at(AFTER):
            for registration_id in ids.values():
                registration = db.session.get(Registration, registration_id)
                if registration.checked_in_at:
                    certificate_rules.certificate_for(registration)
    db.session.commit()


@pytest.mark.parametrize("downloaded", [False, True], ids=["issue-and-mail", "mail"])
def test_two_schedulers_at_once_mail_each_certificate_once(app, past_event, downloaded):
    build_for_race(past_event, downloaded)
    moment = AFTER.astimezone(dt.UTC)
    errors = run_together(app, lambda: run_scheduled(moment), count=2)
    assert errors == []
    mails = count_certificate_mails()
    assert len(mails) == 10 and set(mails.values()) == {1}
    assert db.session.scalar(select(func.count(Certificate.id))) == 10


def test_a_certificate_revoked_while_its_mail_is_built_is_not_mailed(past_event, monkeypatch):
    """The PDFs are built without the lock and written under it: the write checks again."""
    from eventhub.manage import scheduled

    event, ids = past_event(certificate_mail=True)
    build = scheduled.compose_certificate_mails

    def revoke_meanwhile(*args, **kwargs):
        composed = build(*args, **kwargs)
        bernd = certificate_rules.certificate_of(ids["Bernd"])
        certificate_rules.revoke(bernd.id, "Doppelt ausgestellt")
        db.session.commit()
        return composed

    monkeypatch.setattr(scheduled, "compose_certificate_mails", revoke_meanwhile)
    assert run_scheduled(AFTER.astimezone(dt.UTC)).certificates == 1
    assert count_certificate_mails() == Counter({"anna@example.org": 1})


def remove_the_guard(monkeypatch) -> None:
    """What mailing would be without the guard: no event lock, no write lock first, and
    'not mailed yet' read and then written (a check-then-act)."""
    import functools

    from eventhub.database import write_transaction
    from eventhub.manage import scheduled

    def unguarded_claim(certificate_id: int, now: dt.datetime) -> bool:
        certificate = db.session.get(Certificate, certificate_id)
        if certificate.mailed_at is not None:
            return False
        time.sleep(0.05)  # the time composing a mail takes, made visible
        certificate.mailed_at = now
        return True

    monkeypatch.setattr(certificate_rules, "claim_mail", unguarded_claim)
    monkeypatch.setattr(
        scheduled, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    monkeypatch.setattr(
        scheduled, "_locked_event", lambda session, event_id: session.get(Event, event_id)
    )


def test_control_without_the_guard_certificates_go_out_twice(app, past_event, monkeypatch, caplog):
    """Shows the test above can fail: without the guard two schedulers mail the same
    certificates twice (PostgreSQL), or one of them fails on the database lock (SQLite,
    whose unguarded transactions cannot both write)."""
    build_for_race(past_event, downloaded=True)
    remove_the_guard(monkeypatch)
    moment = AFTER.astimezone(dt.UTC)
    errors = run_together(app, lambda: run_scheduled(moment), count=2)
    mails = count_certificate_mails()
    failed = [r for r in caplog.records if "mail after event" in r.getMessage()]
    if db.engine.dialect.name == "postgresql":
        assert max(mails.values(), default=0) > 1, mails
    else:
        assert errors or failed or max(mails.values(), default=0) > 1, mails


# --- materials ---------------------------------------------------------------------------


def test_materials_on_the_page_after_the_event_and_mailed_once(
    organiser_client, past_event, client, runner, outbox
):
    event, ids = past_event()
    base = f"/manage/events/{event.slug}/materials"
    with at(STARTS - dt.timedelta(days=1)):
        response = organiser_client.post(
            base,
            data={
                "title": "Folien Keynote",
                "url": "https://example.org/folien.pdf",
                "description": "Präsentation von Frau Öztürk",
            },
        )
        assert response.headers["Location"] == base
        assert "Folien Keynote" in organiser_client.get(base).get_data(as_text=True)
        assert "Folien Keynote" not in client.get(f"/events/{event.slug}").get_data(as_text=True)
        schedule(runner)
    assert outbox(kind="materials") == []
    with at(AFTER):
        page = client.get(f"/events/{event.slug}").get_data(as_text=True)
        schedule(runner)
        schedule(runner)
    assert '<h2 id="materials-heading">Materialien</h2>' in page
    assert '<a href="https://example.org/folien.pdf" rel="noopener noreferrer">' in page
    # Only the people who came (Carla was not checked in), once each.
    rows = outbox(kind="materials")
    assert sorted(r.recipient for r in rows) == ["anna@example.org", "bernd@example.org"]
    assert "https://example.org/folien.pdf" in outbox.text(rows[0])

    with at(AFTER + dt.timedelta(days=3)):  # a link added later goes out on its own
        organiser_client.post(base, data={"title": "Protokoll", "url": "http://example.org/p"})
        schedule(runner)
    later = outbox(kind="materials")[2:]
    assert len(later) == 2
    assert "http://example.org/p" in outbox.text(later[0])
    assert "folien.pdf" not in outbox.text(later[0])


def test_without_check_in_every_confirmed_person_gets_the_links(make_event, runner, outbox):
    with at(STARTS - dt.timedelta(days=5)):
        event = make_event(starts=STARTS, capacity=None)
        for name in ("a", "b"):
            register(event.id, Attendee("Dana", name, f"{name}@example.org"))
        db.session.add(EventMaterial(event_id=event.id, title="Doku", url="https://x.example/d"))
        db.session.commit()
    with at(AFTER):
        schedule(runner)
    assert sorted(r.recipient for r in outbox(kind="materials")) == [
        "a@example.org",
        "b@example.org",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "/relative",
        "ftp://x.y",
        "https://",
        "https://www.ihk.de@evil.example/folien",
        "https://user:pw@example.com/x",
    ],
)
def test_only_web_links_are_accepted(organiser_client, past_event, url):
    event, ids = past_event()
    response = organiser_client.post(
        f"/manage/events/{event.slug}/materials", data={"title": "Böse", "url": url}
    )
    assert response.status_code == 422
    assert "Bitte geben Sie eine Webadresse ein, die mit https:// oder http:// beginnt." in (
        response.get_data(as_text=True)
    )
    assert db.session.scalar(select(EventMaterial.id)) is None


def test_remove_a_link(organiser_client, past_event, client):
    event, ids = past_event()
    base = f"/manage/events/{event.slug}/materials"
    organiser_client.post(base, data={"title": "Folien", "url": "https://example.org/f"})
    db.session.rollback()
    material = db.session.scalar(select(EventMaterial.id))
    assert material is not None
    response = organiser_client.post(f"{base}/{material}/remove")
    assert response.headers["Location"] == base
    db.session.rollback()
    assert db.session.scalar(select(EventMaterial.id)) is None


# --- the event form ----------------------------------------------------------------------


def test_the_event_form_saves_the_certificate_settings(organiser_client):
    data = event_form(
        org_id("ihk-nrw"),
        certificate_mail="y",
        certificate_hours="4,5",
        certificate_signatory="Dr. Erika Muster",
        certificate_signatory_role="Geschäftsführerin",
    )
    response = organiser_client.post("/manage/events/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.rollback()
    event = db.session.scalar(select(Event).order_by(Event.id.desc()))
    assert event.certificate_mail and event.certificate_minutes == 270
    assert event.certificate_signatory_role == "Geschäftsführerin"
    page = organiser_client.get(f"/manage/events/{event.slug}/edit").get_data(as_text=True)
    assert 'value="4.50"' in page and "Dr. Erika Muster" in page
    bad = organiser_client.post("/manage/events/new", data={**data, "certificate_hours": "0"})
    assert bad.status_code == 422
    assert "Bitte geben Sie 0,25 bis 1000 Stunden an." in bad.get_data(as_text=True)


def test_the_signatory_is_on_the_certificate(past_event, client):
    event, ids = past_event(certificate_signatory="Dr. Erika Muster")
    registration = db.session.get(Registration, ids["Anna"])
    with at(AFTER):
        certificate = certificate_rules.certificate_for(registration)
        pdf = certificate_rules.certificate_file(certificate, registration.event, "de")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Dr. Erika Muster" in text and "IHK NRW" in text


# --- the host organisation's logo ---------------------------------------------------------


def image_bytes(kind: str, size=(240, 120)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 79, 138)).save(buffer, format=kind)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "logo.png"):
    return client.post(
        "/manage/organisations/ihk-nrw/logo",
        data={"logo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def images_on_certificate(registration_id: int) -> int:
    db.session.rollback()
    registration = db.session.get(Registration, registration_id)
    with at(AFTER):
        certificate = certificate_rules.certificate_for(registration)
        pdf = certificate_rules.certificate_file(certificate, registration.event, "de")
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images)


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_the_host_organisations_logo_is_on_the_certificate(organiser_client, past_event, kind):
    event, ids = past_event()
    assert images_on_certificate(ids["Anna"]) == 1  # the QR code
    response = upload(organiser_client, image_bytes(kind), f"logo.{kind.lower()}")
    assert response.headers["Location"] == "/manage/organisations/ihk-nrw#logo"
    assert images_on_certificate(ids["Anna"]) == 2
    page = organiser_client.get("/manage/organisations/ihk-nrw").get_data(as_text=True)
    assert "Logo entfernen" in page
    organiser_client.post("/manage/organisations/ihk-nrw/logo", data={"remove": "1"})
    assert images_on_certificate(ids["Anna"]) == 1


def test_a_photo_like_logo_just_under_the_limit_is_taken(organiser_client):
    """A real logo (noise does not compress) of about 150 kB: more than the form's memory
    limit for other routes, within the logo's own."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (230, 230), os.urandom(230 * 230 * 3)).save(buffer, format="PNG")
    data = buffer.getvalue()
    assert 120 * 1024 < len(data) < 200 * 1024
    assert upload(organiser_client, data).status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Organisation.logo.is_not(None))) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (image_bytes("GIF"), "als PNG- oder JPEG-Bild"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "als PNG- oder JPEG-Bild"),
        (image_bytes("PNG")[:60], "als PNG- oder JPEG-Bild"),  # cut off
        (image_bytes("PNG", (3200, 10)), "höchstens 3000 Pixel"),
        (b"\x89PNG" + bytes(210 * 1024), "höchstens 200 kB"),
    ],
    ids=["gif", "svg", "truncated", "too-wide", "too-big"],
)
def test_only_small_png_or_jpeg_logos(organiser_client, data, message):
    response = upload(organiser_client, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Organisation.logo.is_not(None))) == 0


def test_another_organisations_logo_is_404(client, make_organiser):
    make_organiser()
    make_organiser("other@hwk.example", "hwk-leipzig")
    log_in(client, "other@hwk.example")
    assert upload(client, image_bytes("PNG")).status_code == 404
    response = client.post("/manage/organisations/ihk-nrw/logo", data={"remove": "1"})
    assert response.status_code == 404
