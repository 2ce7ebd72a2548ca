"""Public pages kept for anonymous visitors (eventhub/page_cache.py): what lags, by how
much, and who never gets a kept page; the HTTP caching headers."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import sqlalchemy as sa
import time_machine

from eventhub.manage.accounts import create_user
from eventhub.models import Event
from eventhub.models.event import EVENTS_COUNTER, ChangeCounter
from tests.conftest import REGISTRATION_FORM, IsolatedClient, in_days
from tests.manage.conftest import PASSWORD

LAG = 2  # the default PAGE_CACHE_SECONDS, as the README states


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock the page cache and the events counter's readers use, moved by
    hand: `clock.advance(seconds)`."""

    class Clock:
        now = time.monotonic()

        def advance(self, seconds: float) -> None:
            self.now += seconds

    moved = Clock()
    monkeypatch.setattr(time, "monotonic", lambda: moved.now)
    return moved


@pytest.fixture
def other_host(app):
    """Writes to the database as another host's process would: past this process's ORM
    session, so nothing here learns of them but by reading the database."""
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def write(*statements) -> None:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(statement)

    yield write
    engine.dispose()


def _take_seats(event_id: int, seats: int):
    return sa.update(Event).where(Event.id == event_id).values(confirmed_count=seats)


def _raise_counter():
    counter = ChangeCounter.__table__
    return (
        sa.update(counter).where(counter.c.name == EVENTS_COUNTER).values(value=counter.c.value + 1)
    )


def page(client, path: str, **headers) -> tuple[str, dict]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.get_data(as_text=True), response.headers


def test_seats_taken_elsewhere_show_after_the_lag_not_before(client, make_event, other_host, clock):
    event = make_event(capacity=10)
    path = f"/events/{event.slug}"
    assert "10 Plätze frei" in page(client, path)[0]
    assert "10 Plätze frei" in page(client, "/events/")[0]
    other_host(_take_seats(event.id, 3))  # seat counts are no part of the events counter

    clock.advance(LAG - 0.5)
    html, headers = page(client, path)
    assert "10 Plätze frei" in html  # kept: stale, within the lag
    # A shared cache may keep it only for what is left of the lag (half a second: 0).
    assert headers["Cache-Control"] == "public, max-age=0"
    assert "10 Plätze frei" in page(client, "/events/")[0]
    clock.advance(0.5)
    assert "7 Plätze frei" in page(client, path)[0]
    assert "7 Plätze frei" in page(client, "/events/")[0]


def test_a_registration_on_this_worker_shows_at_once(client, make_event, register_by_form):
    event = make_event(capacity=10)
    assert "10 Plätze frei" in page(client, f"/events/{event.slug}")[0]
    assert register_by_form(event).status_code == 303
    assert "9 Plätze frei" in page(client, f"/events/{event.slug}")[0]


def test_cancelled_elsewhere_shows_within_the_lag(client, make_event, other_host, clock):
    event = make_event(capacity=10)
    path = f"/events/{event.slug}"
    assert "Jetzt anmelden" in page(client, path)[0]
    other_host(
        sa.update(Event).where(Event.id == event.id).values(status="cancelled"), _raise_counter()
    )
    clock.advance(LAG)
    html = page(client, path)[0]
    assert "Diese Veranstaltung wurde abgesagt." in html and "Jetzt anmelden" not in html
    assert "Abgesagt" in page(client, "/events/")[0]


def test_unpublished_elsewhere_leaves_within_the_lag(client, make_event, other_host, clock):
    event = make_event(title="Bald kein Entwurf mehr")
    assert "Bald kein Entwurf mehr" in page(client, "/events/")[0]
    other_host(
        sa.update(Event).where(Event.id == event.id).values(status="draft"), _raise_counter()
    )
    clock.advance(LAG)
    assert client.get(f"/events/{event.slug}").status_code == 404
    assert "Bald kein Entwurf mehr" not in page(client, "/events/")[0]


def test_a_change_on_this_worker_shows_at_once(client, make_event):
    event = make_event(title="Alter Titel")
    assert "Alter Titel" in page(client, f"/events/{event.slug}")[0]
    make_event(slug=event.slug, title="Neuer Titel")
    html = page(client, f"/events/{event.slug}")[0]
    assert "Neuer Titel" in html and "Alter Titel" not in html


def test_a_passed_deadline_shows_within_the_lag(client, make_event):
    closes = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    event = make_event(registration_closes_at=closes.isoformat(), starts=in_days(10))
    path = f"/events/{event.slug}"
    assert "Jetzt anmelden" in page(client, path)[0]
    with time_machine.travel(closes + dt.timedelta(seconds=LAG), tick=False):
        html = page(client, path)[0]
    assert "Anmeldung geschlossen" in html and "Jetzt anmelden" not in html


def test_a_logged_in_organiser_never_gets_a_kept_page_nor_keeps_one(app, client, make_event):
    event = make_event()
    path = f"/events/{event.slug}"
    anonymous, headers = page(client, path)
    assert "Abmelden" not in anonymous and headers["Cache-Control"].startswith("public")
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    organiser = app.test_client()
    organiser.post("/manage/login", data={"email": "orga@ihk.example", "password": PASSWORD})
    for _ in range(2):  # neither the kept anonymous page nor one kept from the first
        html, headers = page(organiser, path)
        assert "Abmelden" in html
        assert headers["Cache-Control"] == "private, no-store"
    assert "Abmelden" not in page(client, path)[0]
    assert "Abmelden" not in page(app.test_client(), path)[0]


def test_a_flashed_message_is_shown_to_its_visitor_only(app, client, make_event):
    event = make_event()
    path = f"/events/{event.slug}"
    page(client, path)  # kept for anonymous visitors
    flashed = app.test_client()
    with flashed.session_transaction() as session:
        session["_flashes"] = [("info", "Nur für diesen Besuch")]
    html, headers = page(flashed, path)
    assert "Nur für diesen Besuch" in html
    assert headers["Cache-Control"] == "private, no-store"
    assert "Nur für diesen Besuch" not in page(client, path)[0]
    assert "Nur für diesen Besuch" not in page(app.test_client(), path)[0]


def test_each_language_gets_its_own_page(app, client, make_event):
    event = make_event()
    path = f"/events/{event.slug}"
    german, english = app.test_client(), app.test_client()
    for _ in range(2):
        assert 'lang="de"' in page(german, path)[0]
        html, headers = page(english, path, **{"Accept-Language": "en"})
        assert 'lang="en"' in html and "Registration" in html
        assert headers["Vary"] == "Accept-Language, Cookie"
    chosen = app.test_client()
    response = chosen.get(f"{path}?lang=en")
    assert 'lang="en"' in response.get_data(as_text=True)
    assert "lang=en" in response.headers["Set-Cookie"]  # set again on a kept page
    assert 'lang="en"' in page(chosen, path)[0]  # by the cookie now
    assert 'lang="de"' in page(german, path)[0]
    assert 'lang="de"' in page(german, "/events/")[0]
    assert 'lang="en"' in page(english, "/events/", **{"Accept-Language": "en"})[0]


def test_etag_and_not_modified(client, make_event):
    event = make_event()
    path = f"/events/{event.slug}"
    _html, headers = page(client, path)
    etag = headers["ETag"]
    assert headers["Cache-Control"] == f"public, max-age={LAG}"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Vary"] == "Accept-Language, Cookie"
    english = client.get(path, headers={"If-None-Match": etag, "Accept-Language": "en"})
    assert english.status_code == 200 and english.headers["ETag"] != etag
    make_event(slug=event.slug, title="Geänderter Titel")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Geänderter Titel" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_a_kept_page_answers_304_to_the_weak_etag_nginx_gzip_makes(client, make_event):
    event = make_event()
    path = f"/events/{event.slug}"
    _html, headers = page(client, path)  # now kept
    weak = "W/" + headers["ETag"]
    again = client.get(path, headers={"If-None-Match": weak})
    assert again.status_code == 304


def test_cache_control_of_public_and_personal_pages(client, make_event, make_registration):
    event = make_event()
    for path in ("/events/", "/events/archive", f"/events/{event.slug}", "/events/?region=x"):
        headers = page(client, path)[1]
        assert headers["Cache-Control"] == f"public, max-age={LAG}", path
        assert headers["Vary"] == "Accept-Language, Cookie"
    _registration, token = make_registration(event)
    personal = client.get(f"/r/{token}")
    assert personal.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in personal.headers


def test_the_lag_is_configurable(app_factory, make_event, other_host):
    app = app_factory(PAGE_CACHE_SECONDS=0)
    app.test_client_class = IsolatedClient
    with app.app_context():
        event = make_event(capacity=10)
        client = app.test_client()
        assert "10 Plätze frei" in page(client, f"/events/{event.slug}")[0]
        other_host(_take_seats(event.id, 4))
        html, headers = page(client, f"/events/{event.slug}")
        assert "6 Plätze frei" in html
        assert headers["Cache-Control"] == "public, max-age=0"


def test_the_public_feed_varies_by_language(client, make_event):
    make_event()
    german = client.get("/calendar.ics")
    english = client.get("/calendar.ics", headers={"Accept-Language": "en"})
    assert german.headers["ETag"] != english.headers["ETag"]
    for response in (german, english):
        assert set(response.headers["Vary"].split(", ")) >= {"Accept-Language", "Cookie"}
        assert response.headers["Cache-Control"] == "public, max-age=300"
    again = client.get("/calendar.ics", headers={"If-None-Match": german.headers["ETag"]})
    assert again.status_code == 304 and "Accept-Language" in again.headers["Vary"]


# --- the registration form, kept with holes for each visitor's token and stamp -------

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_STAMP = re.compile(r'name="issued" type="hidden" value="([^"]+)"')


@pytest.fixture
def protected(app, client):
    """The app with CSRF and bot protection on, as in production (no minimum fill time)."""
    app.config.update(WTF_CSRF_ENABLED=True, BOT_PROTECTION=True, BOT_MIN_FILL_SECONDS=0)
    return app


def form(client, event) -> tuple[str, dict]:
    return page(client, f"/events/{event.slug}/register")


def reads_of_events(statements: list[str]) -> list[str]:
    # The events counter's own read (at most once a second) is not a read of the event.
    return [s for s in statements if "FROM events" in s]


def fully_booked(html: str) -> bool:
    # "Ausgebucht – die Warteliste ist offen." or "... ist ausgebucht."
    return "usgebucht" in html


def fields_of(html: str, email: str) -> dict:
    return {
        **REGISTRATION_FORM,
        "email": email,
        "csrf_token": _CSRF.search(html).group(1),
        "issued": _STAMP.search(html).group(1),
    }


def test_a_kept_form_carries_each_visitors_own_token_and_stamp(
    protected, make_event, query_counter
):
    event = make_event(capacity=500)
    first, second, third = (protected.test_client() for _ in range(3))
    first_html, headers = form(first, event)
    with query_counter() as statements:
        second_html, second_headers = form(second, event)
    assert reads_of_events(statements) == []  # served kept: no read of the event
    # Personal (a token of the visitor's session): never for a shared cache.
    for answer in (headers, second_headers):
        assert answer["Cache-Control"] == "private, no-store" and "ETag" not in answer
        assert any(c.startswith("session=") for c in answer.getlist("Set-Cookie"))
    assert _CSRF.search(first_html).group(1) != _CSRF.search(second_html).group(1)
    # The rest is the page (the stamps differ too once a second has passed between them).
    assert _STAMP.sub("", _CSRF.sub("", first_html)) == _STAMP.sub("", _CSRF.sub("", second_html))

    # The kept page's holes hold working values: each visitor's own token passes...
    path = f"/events/{event.slug}/register"
    swapped = second.post(path, data=fields_of(first_html, "swap@example.org"))
    assert swapped.status_code == 400  # ... and no one else's
    assert second.post(path, data=fields_of(second_html, "b@example.org")).status_code == 303
    third_html = form(third, event)[0]
    assert third.post(path, data=fields_of(third_html, "c@example.org")).status_code == 303


def test_a_kept_form_hands_out_a_fresh_time_stamp(protected, make_event):
    protected.config.update(BOT_MIN_FILL_SECONDS=3)
    event = make_event(capacity=500)
    visitor, later = protected.test_client(), protected.test_client()
    form(visitor, event)  # now kept
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1), tick=False):
        html = form(later, event)[0]  # kept, handed out a second later
    path = f"/events/{event.slug}/register"
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2.5), tick=False):
        quick = later.post(path, data=fields_of(html, "quick@example.org"))
    assert quick.status_code == 422 and "sehr schnell" in quick.get_data(as_text=True)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5), tick=False):
        assert later.post(path, data=fields_of(html, "ok@example.org")).status_code == 303


def test_seats_taken_elsewhere_show_on_the_form_after_the_lag(
    protected, make_event, other_host, clock
):
    event = make_event(capacity=10)
    visitor = protected.test_client()
    assert not fully_booked(form(visitor, event)[0])
    other_host(_take_seats(event.id, 10))
    clock.advance(LAG - 0.5)
    assert not fully_booked(form(visitor, event)[0])  # kept: stale, within the lag
    clock.advance(0.5)
    assert fully_booked(form(visitor, event)[0])


def test_cancelled_elsewhere_closes_the_form_within_the_lag(
    protected, make_event, other_host, clock
):
    event = make_event(capacity=500)
    visitor = protected.test_client()
    assert _CSRF.search(form(visitor, event)[0])
    other_host(
        sa.update(Event).where(Event.id == event.id).values(status="cancelled"), _raise_counter()
    )
    clock.advance(LAG)
    html = form(visitor, event)[0]
    assert "abgesagt" in html and not _CSRF.search(html)


def test_the_last_seats_taken_on_this_worker_show_on_the_form_at_once(protected, make_event):
    event = make_event(capacity=2)
    visitor = protected.test_client()
    path = f"/events/{event.slug}/register"
    for email in ("a@example.org", "b@example.org"):
        html = form(visitor, event)[0]
        assert not fully_booked(html)
        assert visitor.post(path, data=fields_of(html, email)).status_code == 303
    assert fully_booked(form(visitor, event)[0])


def test_a_form_with_plenty_of_seats_outlives_registrations_on_this_worker(
    protected, make_event, query_counter
):
    event = make_event(capacity=500)
    visitor = protected.test_client()
    path = f"/events/{event.slug}/register"
    html = form(visitor, event)[0]
    assert visitor.post(path, data=fields_of(html, "a@example.org")).status_code == 303
    with query_counter() as statements:
        form(visitor, event)
    assert reads_of_events(statements) == []  # 499 seats left: nothing it shows changed


def test_a_logged_in_organiser_never_gets_a_kept_form(protected, make_event):
    event = make_event(capacity=500)
    form(protected.test_client(), event)  # kept for anonymous visitors
    create_user(email="orga@ihk.example", password=PASSWORD, org_slug="ihk-nrw")
    organiser = protected.test_client()
    login = organiser.get("/manage/login").get_data(as_text=True)
    organiser.post(
        "/manage/login",
        data={
            "email": "orga@ihk.example",
            "password": PASSWORD,
            "csrf_token": _CSRF.search(login).group(1),
        },
    )
    for _ in range(2):
        assert "Abmelden" in form(organiser, event)[0]
    assert "Abmelden" not in form(protected.test_client(), event)[0]


def test_a_token_carried_in_the_url_is_never_copied_to_another_visitor(protected, make_event):
    """The language links repeat the query: a visitor's own token put into the URL is
    in the page twice; such a page is not kept, so no one else gets their token there."""
    event = make_event(capacity=500)
    attacker, victim = protected.test_client(), protected.test_client()
    # Within one second the attacker's session signs its token the same way again.
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False):
        own = _CSRF.search(form(attacker, event)[0]).group(1)
        path = f"/events/{event.slug}/register?q={own}"
        assert page(attacker, path)[0].count(own) > 1
    html = page(victim, path)[0]
    token = _CSRF.search(html).group(1)
    assert token != own and html.count(token) == 1  # in the form only, not in a link
