"""An event fills, a person joins the waiting list, someone cancels, the offer arrives in
the development mailbox and the person accepts it on their private page; axe-checked at
phone and desktop widths."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from eventhub.events.registration import cancel_registration

pytestmark = pytest.mark.e2e


@pytest.fixture
def backend():
    return "sqlite"


@pytest.mark.parametrize("width", [360, 1280])
def test_join_the_waiting_list_and_accept_the_offer(
    app, page, live_server, make_event, make_registration, axe_check, width
):
    app.debug = True  # the development mailbox
    page.set_viewport_size({"width": width, "height": 800})
    event = make_event(title="Fachkräfte sichern", capacity=1, waitlist="offer")
    first, _token = make_registration(event, email="erste@example.org")

    page.goto(f"{live_server}/events/{event.slug}")
    expect(page.get_by_text("Ausgebucht – Warteliste offen")).to_be_visible()
    page.get_by_role("link", name="Auf die Warteliste setzen", exact=True).click()
    expect(page.get_by_text("Ausgebucht – die Warteliste ist offen.")).to_be_visible()
    axe_check(page)
    page.get_by_label("Vorname").fill("Leyla")
    page.get_by_label("Nachname").fill("Öztürk")
    page.get_by_label("E-Mail-Adresse").fill("leyla@example.org")
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_role("button", name="Auf die Warteliste setzen").click()
    expect(page.get_by_role("heading", name="Platz 1 auf der Warteliste")).to_be_visible()
    expect(page.get_by_role("button", name="Warteliste verlassen")).to_be_visible()
    axe_check(page)

    cancel_registration(first.id)  # someone cancels: the seat is offered to Leyla

    page.goto(f"{live_server}/dev/mailbox/?to=leyla@example.org")
    page.get_by_role("link", name=re.compile("Ein Platz ist für Sie frei")).click()
    text = page.locator("pre").first.inner_text()
    link = re.search(r"http://127\.0\.0\.1:\d+/r/[A-Za-z0-9_-]+", text).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Ein Platz ist für Sie frei")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Platz annehmen").click()
    expect(page.get_by_text("Sie haben den Platz angenommen")).to_be_visible()
    expect(page.get_by_role("link", name="In den Kalender eintragen (.ics)")).to_be_visible()
    axe_check(page)


def no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [360, 1280])
def test_hybrid_form_and_the_full_group_form(
    page, live_server, make_event, make_registration, axe_check, width
):
    page.set_viewport_size({"width": width, "height": 800})
    event = make_event(
        capacity=3, hybrid=True, online_capacity=1, online_url="https://meet.example.org/x"
    )
    make_registration(event, email="online@example.org", attendance="online")
    page.goto(f"{live_server}/events/{event.slug}/register")
    expect(page.get_by_text("Online – ausgebucht, Warteliste offen")).to_be_visible()
    no_horizontal_scroll(page)
    axe_check(page)
    page.get_by_label("Vorname").fill("Jörg")
    page.get_by_label("Nachname").fill("Schäfer")
    page.get_by_label("E-Mail-Adresse").fill("joerg@example.org")
    page.get_by_label("Online – ausgebucht, Warteliste offen").check()
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_role("button", name="Auf die Warteliste setzen").click()
    expect(page.get_by_role("heading", name="Platz 1 auf der Warteliste")).to_be_visible()
    no_horizontal_scroll(page)
    axe_check(page)

    make_registration(event, email="a@example.org")
    make_registration(event, email="b@example.org")
    page.goto(f"{live_server}/events/{event.slug}/register/group")
    page.get_by_label("Ihr Name").fill("Petra Personal")
    page.get_by_label("Ihre E-Mail-Adresse").fill("petra@example.org")
    page.get_by_label("Vor Ort – 1 Platz frei").check()
    for row, name in enumerate(("Ayşe", "Mia")):
        person = page.locator(f"#person-{row + 1}")
        person.get_by_label("Vorname").fill(name)
        person.get_by_label("Nachname").fill("Muster")
        person.get_by_label("E-Mail-Adresse").fill(f"{name.lower()}@example.org")
    page.get_by_label("Ich habe die Datenschutzhinweise gelesen", exact=False).check()
    page.get_by_role("button", name="Alle anmelden").click()
    expect(page.locator("#refusal")).to_contain_text("nur noch 1 Platz frei")
    no_horizontal_scroll(page)
    axe_check(page)
    page.get_by_role("button", name="Gruppe auf die Warteliste setzen").click()
    expect(page.get_by_role("heading", name="Ihre Gruppe steht auf der Warteliste")).to_be_visible()
    axe_check(page)
