"""The participant directory: who sees whom, profiles, suggestions, bad input, the
organisers' view, and that no contact data ever leaks."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from sqlalchemy import insert, select, update

from eventhub.events.registration import cancel_registration, registration_by_token
from eventhub.extensions import db
from eventhub.models import (
    Event,
    NetworkProfile,
    NetworkTag,
    Organisation,
    Registration,
    ServiceEntry,
    ServiceTag,
)
from eventhub.models.base import utcnow
from eventhub.network.directory import ProfileError, save_profile, set_visibility
from tests.manage.conftest import hosted_by, log_in, make_organiser  # noqa: F401

# The people listed (or not) at the event, by what their page should reveal.
TARGETS = {
    "Hanna Verborgen": "hidden",
    "Paula Teilnehmend": "participants",
    "Rita Angemeldet": "registered",
    "Carl Storniert": "registered",  # cancelled afterwards: never seen
    "Ulla Unbestaetigt": "registered",  # address unconfirmed: never seen
}


def page_text(response) -> str:
    return response.get_data(as_text=True)


def shown(text: str) -> set[str]:
    return {name for name in TARGETS if name in text}


def checked(text: str, name: str) -> set[str]:
    """The values of the checked checkboxes or radio buttons called `name`."""
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', text)
    return {re.search(r'value="([^"]*)"', tag).group(1) for tag in tags if " checked" in tag}


@pytest.fixture
def scene(app, client, make_event, make_registration):
    """One event with a person of each visibility and state, the viewers, and a second
    event with its own listed participant."""
    event = make_event(hosts=hosted_by("ihk-nrw"))
    other_event = make_event(hosts=hosted_by("ihk-nrw"))
    tokens, emails = {}, {}

    def person(name, visibility, at=event):
        first, last = name.split()
        email = f"{first.lower()}.{last.lower()}@geheim.example"
        registration, token = make_registration(
            at, first_name=first, last_name=last, email=email, organisation=f"{last} AG"
        )
        set_visibility(registration.id, visibility)
        save_profile(
            registration.id,
            offers=["recognition"],
            seeks=["recruiting"],
            offers_text=f"Beratung von {first}",
            seeks_text="",
            organisation=f"{last} AG",
            job_title="Leitung",
        )
        tokens[name], emails[name] = token, email
        return registration

    for name, visibility in TARGETS.items():
        person(name, visibility)
    person("Nora Ungelistet", "hidden")
    person("Lena Gelistet", "participants")
    person("Otto Anderswo", "registered", at=other_event)
    carl = db.session.scalar(select(Registration).where(Registration.first_name == "Carl"))
    cancel_registration(carl.id)
    db.session.execute(
        update(Registration).where(Registration.first_name == "Ulla").values(status="unverified")
    )
    db.session.commit()
    return event, tokens, emails


# viewer → the visibilities of TARGETS they see (cancelled and unverified people never).
MATRIX = {
    "Nora Ungelistet": {"Rita Angemeldet"},
    "Lena Gelistet": {"Paula Teilnehmend", "Rita Angemeldet"},
    "Paula Teilnehmend": {"Rita Angemeldet"},
    "Rita Angemeldet": {"Paula Teilnehmend"},
    "Hanna Verborgen": {"Rita Angemeldet"},
    "Otto Anderswo": set(),
    "Carl Storniert": set(),
    "Ulla Unbestaetigt": set(),
}


@pytest.mark.parametrize("viewer", sorted(MATRIX))
def test_visibility_matrix_for_participants(client, scene, viewer):
    _event, tokens, emails = scene
    response = client.get(f"/r/{tokens[viewer]}/network")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    text = page_text(response)
    assert shown(text) - {viewer} == MATRIX[viewer]
    assert not [email for email in emails.values() if email in text]
    if viewer in ("Carl Storniert", "Ulla Unbestaetigt"):
        assert 'name="action"' not in text  # no forms, no directory
    for name in MATRIX[viewer]:  # each with the link to request contact
        assert re.search(rf'href="/r/{tokens[viewer]}/network/contact/\d+">[^<]*{name}', text)


def test_cancelled_and_unverified_are_told_why(client, scene):
    _event, tokens, _emails = scene
    cancelled = page_text(client.get(f"/r/{tokens['Carl Storniert']}/network"))
    assert "storniert" in cancelled and "Teilnehmendenverzeichnis" in cancelled
    unverified = page_text(client.get(f"/r/{tokens['Ulla Unbestaetigt']}/network"))
    assert "bestätigen Sie zuerst" in unverified
    # Any other state that holds no seat (a waiting list, an approval) is not "cancelled".
    ulla = registration_by_token(tokens["Ulla Unbestaetigt"])
    ulla.status = "waiting"
    db.session.commit()
    waiting = page_text(client.get(f"/r/{tokens['Ulla Unbestaetigt']}/network"))
    assert "sobald Ihre Anmeldung bestätigt ist" in waiting and "storniert" not in waiting
    response = client.post(
        f"/r/{tokens['Carl Storniert']}/network",
        data={"action": "visibility", "visibility": "registered"},
    )
    assert response.status_code == 409 and "storniert" in page_text(response)


@pytest.mark.parametrize("token", ["", "x" * 43, "nicht-vorhanden"])
def test_anonymous_and_bad_tokens_see_nothing(client, scene, token):
    response = client.get(f"/r/{token}/network", follow_redirects=True)
    assert response.status_code == 404
    assert not shown(page_text(response))


def test_organiser_of_the_event_sees_everyone_listed(app, client, scene, make_organiser):  # noqa: F811
    event, _tokens, emails = scene
    make_organiser("orga@ihk.example", "ihk-nrw")
    log_in(client, "orga@ihk.example")
    response = client.get(f"/manage/events/{event.slug}/network")
    assert response.status_code == 200
    text = page_text(response)
    assert shown(text) == {"Paula Teilnehmend", "Rita Angemeldet"}
    assert "Lena Gelistet" in text and "Nora Ungelistet" not in text
    assert "Beratung von Paula" in text and "Anerkennung ausländischer Abschlüsse" in text
    assert not [email for email in emails.values() if email in text]
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", text))
    assert counts["Sichtbar insgesamt"] == "3"  # Paula, Lena (participants), Rita (registered)
    assert counts["Nicht sichtbar"] == "2"  # Hanna, Nora; Carl and Ulla are not confirmed
    # The event page links to it.
    assert f"/manage/events/{event.slug}/network" in page_text(
        client.get(f"/manage/events/{event.slug}")
    )


def test_organiser_of_another_organisation_gets_404(client, scene, make_organiser):  # noqa: F811
    event, _tokens, _emails = scene
    make_organiser("b@hwk.example", "hwk-leipzig")
    log_in(client, "b@hwk.example")
    response = client.get(f"/manage/events/{event.slug}/network")
    assert response.status_code == 404
    assert not shown(page_text(response))


def test_the_organisers_page_needs_a_login(client, scene):
    event, _tokens, _emails = scene
    response = client.get(f"/manage/events/{event.slug}/network")
    assert "/manage/login" in response.headers["Location"]


def test_no_public_page_feed_json_or_mail_holds_a_listed_persons_address(client, scene, outbox):
    event, tokens, emails = scene
    # (path, whose private page it is: their own address may appear there, nobody else's)
    paths = [
        (path, None)
        for path in (
            "/events/",
            f"/events/{event.slug}",
            f"/events/{event.slug}/register",
            f"/events/{event.slug}.ics",
            "/calendar.ics",
            "/api/v1/events",
            f"/api/v1/events/{event.slug}",
        )
    ]
    for viewer in ("Nora Ungelistet", "Lena Gelistet"):
        paths.append((f"/r/{tokens[viewer]}/network", viewer))
        own_page = page_text(client.get(f"/r/{tokens[viewer]}"))
        assert f"/r/{tokens[viewer]}/network" in own_page  # the private page links here
        paths.append((re.search(r"/feeds/[^\"']+\.ics", own_page).group(0), viewer))
    for path, owner in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = page_text(response)
        leaked = [name for name, email in emails.items() if name != owner and email in body]
        assert not leaked, (path, leaked)
    for row in outbox():
        text = outbox.parse(row).as_string()
        for email in emails.values():
            if email != row.recipient:
                assert email not in text, (row.kind, row.recipient)


def test_withdrawing_removes_the_person_everywhere_at_once(client, scene, make_organiser):  # noqa: F811
    event, tokens, _emails = scene
    nora = f"/r/{tokens['Nora Ungelistet']}/network"
    lena = f"/r/{tokens['Lena Gelistet']}/network"
    assert "Rita Angemeldet" in page_text(client.get(nora))
    response = client.post(
        f"/r/{tokens['Rita Angemeldet']}/network",
        data={"action": "visibility", "visibility": "hidden"},
    )
    assert response.headers["Location"].endswith(f"/r/{tokens['Rita Angemeldet']}/network")
    assert "Rita Angemeldet" not in page_text(client.get(nora))
    assert "Rita Angemeldet" not in page_text(client.get(lena))
    make_organiser("orga@ihk.example", "ihk-nrw")
    organiser = client.application.test_client()
    log_in(organiser, "orga@ihk.example")
    assert "Rita Angemeldet" not in page_text(organiser.get(f"/manage/events/{event.slug}/network"))


def test_the_visibility_choice_round_trips_on_the_page(client, scene):
    _event, tokens, _emails = scene
    path = f"/r/{tokens['Nora Ungelistet']}/network"
    text = page_text(client.get(path))
    assert checked(text, "visibility") == {"hidden"}
    client.post(path, data={"action": "visibility", "visibility": "participants"})
    text = page_text(client.get(path))
    assert checked(text, "visibility") == {"participants"}
    assert shown(text) == {"Paula Teilnehmend", "Rita Angemeldet"}  # seeing is mutual
    assert "Nora Ungelistet" in page_text(client.get(f"/r/{tokens['Paula Teilnehmend']}/network"))


def test_the_profile_is_saved_and_shown_to_others(client, scene):
    _event, tokens, _emails = scene
    response = client.post(
        f"/r/{tokens['Rita Angemeldet']}/network",
        data={
            "action": "profile",
            "offers": ["german_courses", "housing"],
            "seeks": ["qualification"],
            "offers_text": "Sprachkurse ab A1\nauch abends",
            "seeks_text": "Partner für Weiterbildung",
            "organisation": "Sprachschule  Süd",
            "job_title": "Geschäftsführerin",
        },
    )
    assert response.status_code == 303
    seen = page_text(client.get(f"/r/{tokens['Nora Ungelistet']}/network"))
    for expected in (
        "Deutschkurse",
        "Wohnen",
        "Qualifizierung und Weiterbildung",
        "Sprachkurse ab A1",
        "Partner für Weiterbildung",
        "Sprachschule Süd",
        "Geschäftsführerin",
    ):
        assert expected in seen, expected
    own = page_text(client.get(f"/r/{tokens['Rita Angemeldet']}/network"))
    assert checked(own, "offers") == {"german_courses", "housing"}  # replaced, not added
    assert checked(own, "seeks") == {"qualification"}
    # Organisation and role are the registration's own: the private page shows them too.
    assert "Sprachschule Süd" in page_text(client.get(f"/r/{tokens['Rita Angemeldet']}"))


def _registration(first_name: str) -> Registration:
    db.session.rollback()
    return db.session.scalar(select(Registration).where(Registration.first_name == first_name))


def test_suggestions_rank_by_overlap_and_say_why(client, app, make_event, make_registration):
    event = make_event()
    people = {}
    for name, offers, seeks in (
        ("Ich", ["recruiting"], ["recognition", "work_permits"]),
        ("Beide", ["recognition", "work_permits"], ["recruiting"]),
        ("Bietet", ["recognition"], []),
        ("Sucht", [], ["recruiting"]),
        ("Nichts", ["housing"], ["german_courses"]),
    ):
        registration, token = make_registration(event, first_name=name, last_name="Muster")
        set_visibility(registration.id, "participants")
        save_profile(
            registration.id,
            offers=offers,
            seeks=seeks,
            offers_text="",
            seeks_text="",
            organisation="",
            job_title="",
        )
        people[name] = token
    text = page_text(client.get(f"/r/{people['Ich']}/network"))
    suggestions = text.split("Vorschläge für Sie")[1].split("</ol>")[0]
    order = re.findall(r'class="card-title">(\w+) Muster<', suggestions)
    assert order == ["Beide", "Bietet", "Sucht"]
    first = suggestions.split('<li class="card">')[1]
    assert "bietet: Anerkennung ausländischer Abschlüsse" in first
    assert "bietet: Arbeitserlaubnis und Aufenthalt" in first
    assert "sucht: Unterstützung für Arbeitgeber bei der Fachkräftegewinnung" in first
    assert "Nichts Muster" not in suggestions
    english = page_text(client.get(f"/r/{people['Ich']}/network?lang=en"))
    assert "offers: Recognition of foreign qualifications" in english


def test_matching_services_prefer_the_events_region(client, app, make_event, make_registration):
    event = make_event()  # in the region "Ruhrgebiet"
    near = Organisation(slug="near", name="Beratung Ruhr", region="Ruhrgebiet")
    far = Organisation(slug="far", name="Beratung Sachsen", region="Sachsen")
    hidden_org = Organisation(
        slug="weg", name="Versteckte Stelle", region="Ruhrgebiet", profile_hidden_at=utcnow()
    )
    db.session.add_all([near, far, hidden_org])
    db.session.flush()
    for n, (org, category, title, hidden) in enumerate(
        [
            (far, "recognition", "A Anerkennung Sachsen", False),
            (near, "recognition", "B Anerkennung Ruhr", False),
            (near, "recognition", "C Gesperrter Eintrag", True),
            (hidden_org, "recognition", "D Versteckte Organisation", False),
            (near, "housing", "E Wohnen Ruhr", False),
        ]
    ):
        entry = ServiceEntry(
            slug=f"service-{n}",
            organisation_id=org.id,
            title=title,
            category=category,
            hidden_at=utcnow() if hidden else None,
        )
        db.session.add(entry)
    far_entry = ServiceEntry(
        slug="tagged", organisation_id=far.id, title="F Anerkennung mobil", category="recognition"
    )
    far_entry.tags.append(ServiceTag(kind="region", value="Ruhrgebiet", value_folded="ruhrgebiet"))
    db.session.add(far_entry)
    db.session.commit()
    registration, token = make_registration(event)
    save_profile(
        registration.id,
        offers=[],
        seeks=["recognition"],
        offers_text="",
        seeks_text="",
        organisation="",
        job_title="",
    )
    text = page_text(client.get(f"/r/{token}/network"))
    services = text.split("Unterstützungsangebote")[1]
    titles = re.findall(r'href="/services/[^"]+">([^<]+)</a>', services)
    assert titles == ["B Anerkennung Ruhr", "F Anerkennung mobil", "A Anerkennung Sachsen"]


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"action": "profile", "offers_text": "x" * 501}, 422, "höchstens 500 Zeichen"),
        ({"action": "profile", "organisation": "y" * 201}, 422, "höchstens 200 Zeichen"),
        ({"action": "profile", "offers": ["astrologie"]}, 422, "nur aus den angebotenen"),
        ({"action": "profile", "seeks_text": "Hallo\x07Welt"}, 400, "Steuerzeichen"),
        ({"action": "profile", "job_title": "Chef\u0085in"}, 400, "Steuerzeichen"),
        ({"action": "visibility", "visibility": "public"}, 422, "nur aus den angebotenen"),
        ({"action": "visibility"}, 422, "nur aus den angebotenen"),
        ({"action": "delete-everything"}, 400, "Anfrage"),
    ],
)
def test_bad_input_gets_a_clear_message(
    client, make_event, make_registration, data, status, message
):
    registration, token = make_registration(make_event())
    response = client.post(f"/r/{token}/network", data=data)
    assert response.status_code == status
    assert message in page_text(response)
    assert _registration(registration.first_name).directory_visibility == "hidden"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"offers_text": "a\x00b"}, "offers_text"),
        ({"seeks_text": "x" * 501}, "seeks_text"),
        ({"offers": ["recognition", "nope"]}, "offers"),
        ({"job_title": "\x1b[31m"}, "job_title"),
    ],
)
def test_the_service_refuses_what_the_form_would(
    app, make_event, make_registration, changes, field
):
    registration, _token = make_registration(make_event())
    values = {
        "offers": [],
        "seeks": [],
        "offers_text": "",
        "seeks_text": "",
        "organisation": "",
        "job_title": "",
        **changes,
    }
    with pytest.raises(ProfileError) as error:
        save_profile(registration.id, **values)
    assert error.value.field == field
    with pytest.raises(ProfileError):
        set_visibility(registration.id, "everyone")


def _bulk_listed(event: Event, count: int, first_name: str) -> None:
    """`count` confirmed, listed participants with profiles (inserted directly, for size)."""
    now = utcnow()
    registrations = [
        {
            "uid": uuid.uuid4().hex,
            "event_id": event.id,
            "status": "confirmed",
            "first_name": first_name,
            "last_name": f"Person {n:04d}",
            "email": f"{first_name.lower()}{n}@geheim.example",
            "email_normalised": f"{first_name.lower()}{n}@geheim.example",
            "organisation": f"Firma {n}",
            "job_title": "Personal",
            "search_text": "",
            "directory_visibility": ("participants", "registered")[n % 2],
            "language": "de",
            "token_hash": hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
            "sequence": 0,
            "source": "web",
            "created_at": now,
            "updated_at": now,
        }
        for n in range(count)
    ]
    db.session.commit()  # end a stale read: the organiser's page since wrote its audit entry
    db.session.execute(insert(Registration), registrations)
    ids = db.session.scalars(
        select(Registration.id).where(Registration.first_name == first_name)
    ).all()
    db.session.execute(
        insert(NetworkProfile),
        [
            {"registration_id": rid, "offers_text": "Wir bilden aus.", "seeks_text": ""}
            for rid in ids
        ],
    )
    profiles = db.session.scalars(
        select(NetworkProfile.id).where(NetworkProfile.registration_id.in_(ids))
    ).all()
    db.session.execute(
        insert(NetworkTag),
        [{"profile_id": pid, "side": "offers", "category": "recognition"} for pid in profiles]
        + [{"profile_id": pid, "side": "seeks", "category": "recruiting"} for pid in profiles],
    )
    db.session.commit()


def test_the_directory_page_runs_a_fixed_number_of_queries(
    client,
    make_event,
    make_registration,
    query_counter,
    make_organiser,  # noqa: F811
):
    event = make_event(capacity=None)
    viewer, token = make_registration(event)
    save_profile(
        viewer.id,
        offers=["recruiting"],
        seeks=["recognition"],
        offers_text="",
        seeks_text="",
        organisation="",
        job_title="",
    )
    set_visibility(viewer.id, "participants")
    make_organiser("orga@ihk.example", "gib")
    organiser = client.application.test_client()
    log_in(organiser, "orga@ihk.example")

    def counted(path, http):
        with query_counter() as statements:
            response = http.get(path)
        assert response.status_code == 200
        return len(statements), page_text(response)

    _bulk_listed(event, 3, "Wenige")
    few, _ = counted(f"/r/{token}/network", client)
    few_organiser, _ = counted(f"/manage/events/{event.slug}/network", organiser)
    _bulk_listed(event, 300, "Viele")
    many, text = counted(f"/r/{token}/network", client)
    many_organiser, organiser_text = counted(f"/manage/events/{event.slug}/network", organiser)
    # everyone in the directory, the best ten again as suggestions
    assert text.count("Kontakt mit ") == 303 + 10
    assert organiser_text.count(" Person 0") == 303
    assert many == few
    assert many_organiser == few_organiser
    assert "viele1@geheim.example" not in text + organiser_text


def test_the_registration_checkbox_lists_the_person_for_other_listed_participants(
    client, make_event, make_registration, register_by_form
):
    event = make_event()
    form = page_text(client.get(f"/events/{event.slug}/register"))
    assert "andere Teilnehmende, die ebenfalls sichtbar" in form and "jederzeit" in form
    listed, token = make_registration(event)
    set_visibility(listed.id, "participants")
    register_by_form(event, show_in_directory="y", email="jm@geheim.example")
    registration = _registration("Jürgen")
    assert registration.directory_visibility == "participants"
    text = page_text(client.get(f"/r/{token}/network"))
    assert "Jürgen Müller-Lüdenscheidt" in text
    assert "jm@geheim.example" not in text
