"""The public organisation profile /organisations/<slug>."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, select

from eventhub.extensions import db
from eventhub.models import Event, EventHost, Organisation, ServiceEntry, ServiceTag
from eventhub.models.base import utcnow
from eventhub.network.organisations import PROFILE_EVENT_LIMIT, set_profile_hidden, update_profile
from tests.conftest import in_days

GIB = [{"name": "G.I.B. NRW", "slug": "gib", "role": "host"}]


def organisation(slug: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def add_service(org_slug: str, title: str, *, hidden: bool = False, audiences=("employers",)):
    add_services(org_slug, [title], hidden=hidden, audiences=audiences)


def add_services(org_slug: str, titles, *, hidden: bool = False, audiences=("employers",)):
    org = organisation(org_slug)
    first = db.session.scalar(select(func.count()).select_from(ServiceEntry)) + 1
    for n, title in enumerate(titles, start=first):
        db.session.add(
            ServiceEntry(
                slug=f"service-{n}",
                organisation_id=org.id,
                title=title,
                category="recognition",
                hidden_at=utcnow() if hidden else None,
                tags=[ServiceTag(kind="audience", value=a, value_folded=a) for a in audiences]
                + [ServiceTag(kind="language", value="de", value_folded="de")],
            )
        )
    db.session.commit()


def add_events(org_slug: str, count: int, *, start_in_days: int = 40) -> None:
    """Many published events hosted by the organisation, written directly (fast)."""
    org = organisation(org_slug)
    now = utcnow()
    for n in range(count):
        starts = in_days(start_in_days + n % 50)
        event = Event(
            slug=f"bulk-{org_slug}-{n}",
            title=f"Sammelveranstaltung {n}",
            format="info",
            status="published",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            venue_city="Essen",
        )
        event.hosts.append(EventHost(organisation_id=org.id, role="host", accepted_at=now))
        db.session.add(event)
    db.session.commit()


def page(client, slug: str, lang: str = "de") -> str:
    response = client.get(f"/organisations/{slug}?lang={lang}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_profile_shows_who_they_are(client, make_event):
    make_event(title="Fachtagung Bottrop", hosts=GIB)
    update_profile(
        organisation("gib").id,
        kind="agency",
        region="Nordrhein-Westfalen",
        description="Berät das Land zur **Arbeitsmarktpolitik**.",
        website="https://www.gib.nrw.de",
    )
    html = page(client, "gib")
    assert "<h1>G.I.B. NRW</h1>" in html
    assert "Agentur" in html  # kind, in German
    assert "Nordrhein-Westfalen" in html
    assert "<strong>Arbeitsmarktpolitik</strong>" in html
    assert 'href="https://www.gib.nrw.de"' in html
    assert "Fachtagung Bottrop" in html
    english = page(client, "gib", lang="en")
    assert "Agency" in english
    assert "Upcoming events" in english


def test_unknown_and_hidden_profiles_are_404(client, make_event):
    event = make_event(hosts=GIB)
    assert client.get("/organisations/niemand").status_code == 404
    assert client.get("/organisations/%00").status_code == 404
    api = client.get("/api/v1/organisations/gib").get_json()
    assert api["profile_url"].endswith("/organisations/gib")
    set_profile_hidden(organisation("gib").id, True)
    assert client.get("/organisations/gib").status_code == 404
    # The API lists it for its public events, without the hidden profile.
    assert client.get("/api/v1/organisations/gib").get_json()["profile_url"] is None
    # Its events stay public, and the event page no longer links to the hidden profile.
    event_page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "G.I.B. NRW" in event_page
    assert "/organisations/gib" not in event_page
    assert "/organisations/gib" not in client.get("/events/").get_data(as_text=True)
    set_profile_hidden(organisation("gib").id, False)
    assert client.get("/organisations/gib").status_code == 200


def test_only_accepted_hosts_cohosts_and_partners_show_events(client, make_event):
    hosts = [
        {"name": "IHK NRW", "slug": "ihk-nrw", "role": "host"},
        {"name": "G.I.B. NRW", "slug": "gib", "role": "cohost"},
    ]
    make_event(title="Gemeinsam veranstaltet", hosts=hosts)
    make_event(
        title="Als Partner genannt",
        hosts=[hosts[0], {"name": "G.I.B. NRW", "slug": "gib", "role": "partner"}],
    )
    make_event(
        title="Nur gefördert",
        hosts=[hosts[0], {"name": "G.I.B. NRW", "slug": "gib", "role": "funder"}],
    )
    make_event(
        title="Noch nicht zugestimmt",
        hosts=[hosts[0], {"name": "G.I.B. NRW", "slug": "gib", "role": "cohost", "pending": True}],
    )
    html = page(client, "gib")
    assert "Gemeinsam veranstaltet" in html
    assert "Als Partner genannt" in html
    assert "Nur gefördert" not in html
    assert "Noch nicht zugestimmt" not in html


def test_past_draft_and_cancelled_events_are_not_shown(client, make_event):
    make_event(title="Kommt bald", hosts=GIB)
    make_event(title="Schon vorbei", hosts=GIB, starts=in_days(-3))
    make_event(title="Noch ein Entwurf", hosts=GIB, status="draft")
    make_event(title="Leider abgesagt", hosts=GIB, status="cancelled")
    html = page(client, "gib")
    assert "Kommt bald" in html
    for title in ("Schon vorbei", "Noch ein Entwurf", "Leider abgesagt"):
        assert title not in html


def test_a_profile_is_public_once_something_of_it_is(client, make_event):
    make_event(hosts=GIB, status="draft")
    make_event(
        hosts=[
            *GIB,
            {"name": "HWK Leipzig", "slug": "hwk-leipzig", "role": "partner", "pending": True},
        ]
    )
    # Drafts only, or named without consent: as unknown as a slug that does not exist.
    assert client.get("/organisations/hwk-leipzig").status_code == 404
    make_event(hosts=[{"name": "Welcome", "slug": "welcome", "role": "host"}], status="draft")
    assert client.get("/organisations/welcome").status_code == 404
    # A member fills in the profile: now it is public, without any event.
    update_profile(
        organisation("welcome").id,
        kind="welcome_center",
        region="Bochum",
        description="",
        website=None,
    )
    html = page(client, "welcome")
    assert "Zurzeit keine kommenden Veranstaltungen." in html
    # A visible service entry is enough too.
    make_event(hosts=[{"name": "ZAW", "slug": "zaw", "role": "host"}], status="draft")
    assert client.get("/organisations/zaw").status_code == 404
    add_service("zaw", "Weiterbildungsberatung")
    assert "Weiterbildungsberatung" in page(client, "zaw")


def test_visible_services_are_listed_and_hidden_ones_are_not(client, make_event):
    make_event(hosts=GIB)
    add_service("gib", "Anerkennungsberatung", audiences=("skilled_workers", "employers"))
    add_service("gib", "Geheimes Angebot", hidden=True)
    html = page(client, "gib")
    assert 'href="/services/service-1"' in html
    assert "Anerkennungsberatung" in html
    assert "Fachkräfte" in html and "Arbeitgeber" in html  # audiences, translated
    assert "Anerkennung" in html  # the category
    assert "Geheimes Angebot" not in html
    assert "/services/service-2" not in html


def test_description_is_sanitised(client, make_event):
    make_event(hosts=GIB)
    update_profile(
        organisation("gib").id,
        kind="agency",
        region="",
        description='<script>alert(1)</script><img src=x onerror="alert(2)">'
        "[Klick](javascript:alert(3)) *gut*",
        website=None,
    )
    html = page(client, "gib")
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<em>gut</em>" in html


def test_feed_links_subscribe_to_the_host_feed(client, make_event):
    make_event(title="Im Feed", hosts=GIB)
    html = page(client, "gib")
    assert 'href="webcal://eventhub.test/calendar.ics?host=gib"' in html
    assert 'href="http://eventhub.test/calendar.ics?host=gib"' in html
    google = re.search(r'href="(https://calendar\.google\.com/[^"]+)"', html).group(1)
    cid = parse_qs(urlsplit(google.replace("&amp;", "&")).query)["cid"][0]
    assert unquote(cid) == "webcal://eventhub.test/calendar.ics?host=gib"
    outlook = re.search(r'href="(https://outlook\.live\.com/[^"]+)"', html).group(1)
    query = parse_qs(urlsplit(outlook.replace("&amp;", "&")).query)
    assert query["url"] == ["http://eventhub.test/calendar.ics?host=gib"]
    assert query["name"] == ["G.I.B. NRW"]
    # The feed the links name holds the organisation's event.
    assert "SUMMARY:Im Feed" in client.get("/calendar.ics?host=gib").get_data(as_text=True)


def test_a_long_event_list_is_cut_with_a_link_to_the_catalogue(client, make_event):
    make_event(hosts=GIB)
    add_events("gib", PROFILE_EVENT_LIMIT + 5)
    html = page(client, "gib")
    assert html.count('class="card-title"') == PROFILE_EVENT_LIMIT
    assert 'href="/events/?host=gib"' in html


def test_profile_runs_a_fixed_number_of_queries(client, make_event, query_counter):
    make_event(hosts=GIB, topics=["A", "B"])
    add_service("gib", "Erstes Angebot")

    def measure() -> int:
        with query_counter() as statements:
            assert client.get("/organisations/gib").status_code == 200
        return len(statements)

    small = measure()
    add_events("gib", 300)
    add_services("gib", [f"Angebot {n}" for n in range(300)], audiences=("employers", "refugees"))
    html = page(client, "gib")
    assert html.count('href="/services/') == 301
    assert measure() == small
    assert small <= 6


def test_event_page_and_catalogue_link_hosts_to_their_profiles(client, make_event):
    hosts = [
        {"name": "G.I.B. NRW", "slug": "gib", "role": "host"},
        {"name": "HWK Leipzig", "slug": "hwk-leipzig", "role": "partner", "pending": True},
    ]
    event = make_event(hosts=hosts)
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert '<a href="/organisations/gib">G.I.B. NRW</a>' in html
    # Named without consent yet: the name only.
    assert "/organisations/hwk-leipzig" not in html
    assert "HWK Leipzig" in html
    catalogue = client.get("/events/").get_data(as_text=True)
    assert '<a href="/organisations/gib">G.I.B. NRW</a>' in catalogue


def test_hosts_on_the_catalogue_add_no_queries(client, make_event, query_counter):
    make_event(hosts=GIB)

    def measure() -> int:
        with query_counter() as statements:
            assert client.get("/events/").status_code == 200
        return len(statements)

    client.get("/events/")  # the filter choices are kept per worker once built
    small = measure()
    for n in range(5):
        make_event(hosts=[{"name": f"Kammer {n}", "slug": f"kammer-{n}", "role": "host"}])
    set_profile_hidden(organisation("kammer-1").id, True)
    html = client.get("/events/").get_data(as_text=True)
    assert '<a href="/organisations/kammer-0">' in html
    assert '<a href="/organisations/kammer-1">' not in html
    assert measure() == small


def test_profile_service_refuses_what_the_form_would(make_event):
    from eventhub.network.organisations import ProfileError

    make_event(hosts=GIB)
    org_id = organisation("gib").id
    bad = [
        ({"kind": "sekte"}, "kind:invalid"),
        ({"website": "javascript:alert(1)"}, "website:invalid"),
        ({"website": "https://exa mple.de"}, "website:invalid"),
        ({"website": "https://localhost"}, "website:invalid"),
        ({"website": "https://" + "a" * 300 + ".de"}, "website:too_long"),
        ({"region": "R" * 101}, "region:too_long"),
        ({"description": "a\x07b"}, "description:invalid"),
        ({"name": "   "}, "name:missing"),
    ]
    for change, reason in bad:
        values = {"kind": "agency", "region": "", "description": "", "website": None, **change}
        try:
            update_profile(org_id, **values)
        except ProfileError as exc:
            assert str(exc) == reason, change
        else:
            raise AssertionError(change)
    assert organisation("gib").kind != "sekte"
    update_profile(
        org_id, name="G.I.B.", kind="agency", region="  NRW  ", description="", website=""
    )
    saved = organisation("gib")
    assert (saved.name, saved.region, saved.website) == ("G.I.B.", "NRW", None)


def test_demo_fills_the_profiles_and_keeps_members_edits(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    orgs = {o.slug: o for o in db.session.scalars(select(Organisation))}
    for slug in ("welcome-office-bochum", "nrw-fachkraefteagentur-international"):
        assert slug in orgs
    assert orgs["welcome-office-bochum"].name == "Welcome Office Bochum"
    assert orgs["nrw-fachkraefteagentur-international"].name == (
        "NRW Fachkräfteagentur International"
    )
    assert all(o.description for o in orgs.values())
    assert all(o.region for slug, o in orgs.items() if slug != "esf")
    assert orgs["welcome-center-der-region"].region == "Braunschweig, Wolfsburg"
    html = page(client, "welcome-center-der-region")
    assert "Braunschweig und Wolfsburg" in html
    assert client.get("/organisations/welcome-office-bochum").status_code == 200

    # A member's edit survives running the demo again; empty fields are filled again.
    update_profile(
        orgs["gib"].id,
        kind="education",
        region="Bottrop",
        description="Selbst geschrieben.",
        website="https://gib.example",
    )
    welcome = organisation("welcome-office-bochum")
    welcome.region = ""
    db.session.commit()
    assert runner.invoke(args=["demo"]).exit_code == 0
    db.session.rollback()
    gib = organisation("gib")
    assert (gib.kind, gib.region, gib.description, gib.website) == (
        "education",
        "Bottrop",
        "Selbst geschrieben.",
        "https://gib.example",
    )
    assert organisation("welcome-office-bochum").region == "Bochum"
