"""Certificates of attendance (issue 15): the PDF from the private page shows the person's
name in any script, only people who came get one and only once the event is over, and
the public check at /certificates/<code> says valid (name, event, date only) or not
valid, for revoked, forged and malformed codes alike."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pypdf
import pytest
import time_machine
from sqlalchemy import select

from eventhub.events.certificates import (
    CODE_ALPHABET,
    certificate_of,
    grouped,
    normalise_code,
    revoke,
)
from eventhub.events.registration import Attendee, register, set_checked_in
from eventhub.extensions import db
from eventhub.models import Certificate, Event

BERLIN = ZoneInfo("Europe/Berlin")
STARTS = dt.datetime(2027, 1, 13, 10, 0, tzinfo=BERLIN)  # four hours, 10:00-14:00
AFTER = STARTS + dt.timedelta(days=1)


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def attendee(first: str, last: str, email: str, language: str = "de") -> Attendee:
    return Attendee(first, last, email, organisation="Muster GmbH", language=language)


@pytest.fixture
def event_with_people(make_event):
    """An event on 13 January 2027 with three people checked in and one who stayed away;
    returns (event, {email: token})."""
    people = [
        attendee("Jürgen", "Müßig", "juergen@example.org"),
        attendee("محمد", "العلي", "mohammed@example.org", "en"),
        attendee("Élodie", "Brûlé", "elodie@example.org"),
        attendee("Nina", "Nichtda", "nina@example.org"),
    ]
    with at(STARTS - dt.timedelta(days=20)):
        event = make_event(starts=STARTS, title="Fachkräfte-Tag Bottrop", capacity=None)
        tokens = {}
        for person in people:
            registration, token = register(event.id, person)
            tokens[person.email] = token
            if person.last_name != "Nichtda":
                with at(STARTS + dt.timedelta(minutes=5)):
                    set_checked_in(registration.id, True)
    return event, tokens


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


@pytest.mark.parametrize(
    ("email", "name", "heading"),
    [
        ("juergen@example.org", "Jürgen Müßig", "Teilnahmebescheinigung"),
        ("mohammed@example.org", "محمد العلي", "Certificate of attendance"),
        ("elodie@example.org", "Élodie Brûlé", "Teilnahmebescheinigung"),
    ],
)
def test_the_pdf_shows_the_persons_name_in_their_language(
    client, event_with_people, email, name, heading
):
    event, tokens = event_with_people
    with at(AFTER):
        page = client.get(f"/r/{tokens[email]}").get_data(as_text=True)
        assert f"/r/{tokens[email]}/certificate.pdf" in page
        response = client.get(f"/r/{tokens[email]}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    # The Arabic name comes out of pypdf in logical order: the same string as stored.
    assert name in text
    assert heading in text and "Fachkräfte-Tag Bottrop" in text and "G.I.B. NRW" in text
    code = db.session.scalar(select(Certificate.code).where(Certificate.holder_name == name))
    assert grouped(code) in text
    assert f"http://eventhub.test/certificates/{grouped(code)}" in text
    if heading == "Teilnahmebescheinigung":
        assert "13. Januar 2027" in text and "Dauer: 4 Stunden" in text
    else:
        assert "January 13, 2027" in text and "Duration: 4 hours" in text


def test_the_same_certificate_on_every_download(client, event_with_people):
    event, tokens = event_with_people
    token = tokens["juergen@example.org"]
    with at(AFTER):
        first = pdf_text(client.get(f"/r/{token}/certificate.pdf").data)
        second = pdf_text(client.get(f"/r/{token}/certificate.pdf").data)
    assert first == second
    assert db.session.scalar(select(db.func.count(Certificate.id))) == 1


def test_a_person_who_did_not_attend_gets_none(client, event_with_people):
    event, tokens = event_with_people
    token = tokens["nina@example.org"]
    with at(AFTER):
        page = client.get(f"/r/{token}").get_data(as_text=True)
        response = client.get(f"/r/{token}/certificate.pdf")
    assert "certificate.pdf" not in page and "Teilnahmebescheinigung" not in page
    assert response.status_code == 403
    assert "für Personen, die bei der Veranstaltung eingecheckt wurden" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(Certificate.id)) is None


def test_none_before_the_event_is_over(client, event_with_people):
    event, tokens = event_with_people
    token = tokens["juergen@example.org"]
    with at(STARTS + dt.timedelta(hours=3)):  # running: checked in, not over yet
        page = client.get(f"/r/{token}").get_data(as_text=True)
        response = client.get(f"/r/{token}/certificate.pdf")
    assert "certificate.pdf" not in page
    assert response.status_code == 403
    assert "sobald die Veranstaltung vorbei ist" in response.get_data(as_text=True)


def test_an_unknown_private_link_is_404(client):
    assert client.get("/r/" + "x" * 43 + "/certificate.pdf").status_code == 404


def issued_code(client, token: str) -> str:
    with at(AFTER):
        assert client.get(f"/r/{token}/certificate.pdf").status_code == 200
    db.session.rollback()
    return db.session.scalar(select(Certificate.code).order_by(Certificate.id.desc()))


def test_the_check_shows_name_event_and_date_only(client, event_with_people):
    event, tokens = event_with_people
    code = issued_code(client, tokens["juergen@example.org"])
    for typed in (grouped(code), code.lower(), " ".join(grouped(code).split("-"))):
        response = client.get(f"/certificates/{typed}")
        body = response.get_data(as_text=True)
        assert response.status_code == 200, typed
        assert response.headers["X-Robots-Tag"] == "noindex"
        assert "Diese Bescheinigung ist gültig." in body
        assert "Jürgen Müßig" in body and "Fachkräfte-Tag Bottrop" in body
        assert "13. Januar 2027" in body
        assert "juergen@example.org" not in body and "Muster GmbH" not in body


def test_the_check_form_leads_to_the_check(client, event_with_people):
    event, tokens = event_with_people
    code = issued_code(client, tokens["juergen@example.org"])
    assert client.get("/certificates/").status_code == 200
    response = client.get("/certificates/", query_string={"code": code.lower()})
    assert response.headers["Location"] == f"/certificates/{grouped(code)}"
    assert client.get(response.headers["Location"]).status_code == 200
    typo = client.get("/certificates/", query_string={"code": "ab/c"})
    assert typo.status_code == 404
    assert "Diese Bescheinigung ist nicht gültig." in typo.get_data(as_text=True)


def test_revoked_forged_and_malformed_codes_are_not_valid(client, event_with_people):
    event, tokens = event_with_people
    code = issued_code(client, tokens["juergen@example.org"])
    forged = ("0" if code[0] != "0" else "1") + code[1:]
    revoke(certificate_of_code(code).id, "Nicht anwesend gewesen")
    for typed in (code, forged, "abc", "%3Cscript%3E", "Z" * 60, "U" * 16):
        response = client.get(f"/certificates/{typed}")
        body = response.get_data(as_text=True)
        assert response.status_code == 404, typed
        assert "Diese Bescheinigung ist nicht gültig." in body
        assert "Jürgen" not in body and "<script>" not in body
    with at(AFTER):
        refused = client.get(f"/r/{tokens['juergen@example.org']}/certificate.pdf")
    assert refused.status_code == 403 and "zurückgezogen" in refused.get_data(as_text=True)
    english = client.get(f"/certificates/{code}?lang=en").get_data(as_text=True)
    assert "This certificate is not valid." in english


def certificate_of_code(code: str) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def test_the_check_keeps_what_was_certified_after_edits(client, event_with_people):
    event, tokens = event_with_people
    code = issued_code(client, tokens["juergen@example.org"])
    db.session.get(Event, event.id).title = "Neuer Titel"
    db.session.commit()
    body = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "Fachkräfte-Tag Bottrop" in body and "Neuer Titel" not in body


def test_codes_are_long_random_and_typeable(client, event_with_people):
    event, tokens = event_with_people
    codes = {issued_code(client, t) for e, t in tokens.items() if e != "nina@example.org"}
    assert len(codes) == 3
    for code in codes:
        assert len(code) == 16 and set(code) <= set(CODE_ALPHABET)
        assert normalise_code(grouped(code).lower().replace("0", "o")) == code


def test_checking_codes_in_bulk_is_limited(app_factory, make_event):
    app = app_factory(RATELIMIT_ENABLED=True, CERTIFICATE_CHECK_RATELIMIT="5 per hour")
    client = app.test_client()
    with app.app_context():
        statuses = [client.get(f"/certificates/{n:016d}").status_code for n in range(6)]
    assert statuses == [404] * 5 + [429]


def test_a_registration_is_checked_once_per_person(app, event_with_people, client):
    """The unique key: a person never has two certificates."""
    from sqlalchemy.exc import IntegrityError

    event, tokens = event_with_people
    issued_code(client, tokens["juergen@example.org"])
    certificate = db.session.scalar(select(Certificate))
    db.session.add(
        Certificate(
            registration_id=certificate.registration_id,
            event_id=event.id,
            code="0" * 16,
            holder_name="x",
            event_title="x",
            event_starts_at=STARTS,
            event_ends_at=STARTS,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert certificate_of(certificate.registration_id).code == certificate.code


@pytest.mark.parametrize(
    ("starts", "ends", "hours"),
    [
        ((2027, 1, 13, 10), (2027, 1, 13, 14), 4),  # one day
        ((2027, 1, 13, 9), (2027, 1, 14, 17), 16),  # two days of 9:00-17:00, not 32 h
        ((2027, 3, 27, 9), (2027, 3, 28, 17), 16),  # across the change to summer time
        ((2027, 1, 13, 19), (2027, 1, 14, 1), 6),  # an evening into the night
    ],
)
def test_the_hours_of_an_event_over_several_days_leave_out_the_nights(starts, ends, hours):
    from types import SimpleNamespace

    from eventhub.events.certificates import certificate_minutes

    event = SimpleNamespace(
        certificate_minutes=None,
        tz=BERLIN,
        starts_at=dt.datetime(*starts, tzinfo=BERLIN).astimezone(dt.UTC),
        ends_at=dt.datetime(*ends, tzinfo=BERLIN).astimezone(dt.UTC),
    )
    assert certificate_minutes(event) == hours * 60
