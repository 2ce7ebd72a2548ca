"""Access on request (Art. 15): a one-time link by mail, then the person's data as a page
and as JSON: all of it, and nothing of anyone else."""

from __future__ import annotations

import json
import re

import time_machine

from eventhub.models.base import utcnow
from tests.conftest import run_together
from tests.privacy.seeding import ANNA, BERND, seed_people

PAGE = "/privacy"


def ask(client, email: str):
    return client.post(PAGE, data={"email": email})


def mailed_link(outbox) -> str:
    row = outbox.last(kind="privacy_link")
    return re.search(r"http://eventhub\.test(/privacy/access/\S+)", outbox.text(row)).group(1)


def open_data(client, outbox, email: str):
    ask(client, email)
    link = mailed_link(outbox)
    return client.post(link)


def test_the_link_opens_everything_stored_for_the_address_and_nothing_else(
    client, make_event, outbox
):
    seed_people(make_event)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'class="trap" aria-hidden="true"' in page.get_data(as_text=True)
    response = ask(client, "Anna.Auskunft@Example.org")
    assert response.status_code == 303
    assert "Link an diese Adresse geschickt" in client.get(PAGE).get_data(as_text=True)
    link = mailed_link(outbox)
    # A GET (a mail scanner's prefetch) shows the button and uses nothing.
    for _ in range(2):
        shown = client.get(link)
        assert shown.status_code == 200
        assert "Meine Daten anzeigen" in shown.get_data(as_text=True)
    used = client.post(link)
    assert used.headers["Location"] == "/privacy/my-data"
    shown = client.get("/privacy/my-data")
    assert shown.headers["Cache-Control"] == "private, no-store"
    html = shown.get_data(as_text=True)
    download = client.get("/privacy/my-data.json")
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.headers["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(download.get_data(as_text=True))
    seen = html + json.dumps(data, ensure_ascii=False)
    for item in (
        "Annabella",
        "Auskunftsreich",
        "Anna Metallbau KG",
        "Ausbilderin",
        "Laktosefrei-Anna",  # the sensitive answer: her own
        "Annas Frage zur Anerkennung",
        "Anna bietet Ausbildungsplätze",
        "Hallo Carla, Anna hier",
        "Carla Kontaktfreudig",  # as Anna saw her
        "carla.kontakt@example.org",  # shared: the request was accepted
        "Annas Notiz zum Treffen",
        "Tisch Annex",
        "Annas benannter Kommentar",
        "ANNACERT01",
        "Anmeldung bestätigt",  # the confirmation mail's subject
    ):
        assert item in seen, item
    # Anything of anyone else: not a trace.
    for foreign in (
        "Berndolin",
        "Zweitmann",
        BERND,
        "Bernd",
        "Vegan-Bernd",
        "Carlas Nachricht an Anna",  # Carla's words, not Anna's
        "anonymer Kommentar",
        "Dora",
        "Ernst",
        "dora@example.org",
    ):
        assert foreign not in seen, foreign
    [main, waiting] = data["registrations"]
    assert main["status"] == "confirmed"
    assert {a["answer"] for a in main["answers"]} == {
        "Laktosefrei-Anna",
        "Annas Frage zur Anerkennung",
    }
    assert main["directory_profile"]["offers"] == ["apprenticeship_study"]
    assert [c["direction"] for c in main["contact_requests"]] == ["sent", "received"]
    assert main["contact_requests"][1]["message"] is None
    assert main["contact_requests"][1]["email_of_other"] is None  # pending: not shared
    assert [m["note"] for m in main["meetings"]] == ["Annas Notiz zum Treffen"]
    assert main["meetings"][0]["email_of_other"] is None  # not accepted by the partner
    assert [c["purpose"] for c in main["consents"]] == [
        "registration",
        "directory",
    ]  # the first by registering
    assert main["feedback"][0]["rating"] == 4
    assert main["feedback_invitation"]["answered"] is True
    assert len(main["unavailable_for_meetings"]) == 1
    assert waiting["status"] == "waiting" and waiting["waiting_position"] == 2
    assert data["participant_feed"] is not None
    assert len(data["access_requests"]) == 1 and data["access_requests"][0]["used_at"]
    assert {m["kind"] for m in data["mails"]} >= {"confirmation", "waiting", "privacy_link"}
    assert all(m["subject"] for m in data["mails"])
    assert "Anonymes Feedback" in html
    # Codes read as words in the page's language.
    for label in ("angenommen", "Teilnehmendenverzeichnis: erteilt", "Ausbildung und Studium"):
        assert label in html, label  # says why anonymous feedback is not shown


def test_the_page_queries_stay_flat(client, make_event, outbox, query_counter):
    """One query per kind of record: a person with more of everything costs no more."""
    seed_people(make_event)
    open_data(client, outbox, "nobody@example.org")
    with query_counter() as empty:
        assert client.get("/privacy/my-data.json").status_code == 200
    open_data(client, outbox, ANNA)
    with query_counter() as full:
        assert client.get("/privacy/my-data.json").status_code == 200
    assert len(full) == len(empty)


def test_unknown_and_known_addresses_get_the_same_answer_and_the_same_work(
    client, make_event, outbox, query_counter
):
    seed_people(make_event)
    answers, counts = [], []
    for email in (ANNA, "niemand@example.org"):
        with query_counter() as queries:
            response = ask(client, email)
        answers.append((response.status_code, response.headers["Location"]))
        counts.append(len(queries))
        answers.append(client.get(PAGE).get_data(as_text=True).count("Link an diese Adresse"))
    assert answers[0:2] == answers[2:4]
    assert counts[0] == counts[1]
    mails = outbox(kind="privacy_link")
    assert [m.recipient for m in mails] == [ANNA, "niemand@example.org"]
    # The unknown address's link opens a page that says nothing is stored.
    client.post(mailed_link(outbox))
    html = client.get("/privacy/my-data").get_data(as_text=True)
    assert "Über diese Adresse ist nichts gespeichert" in html
    data = json.loads(client.get("/privacy/my-data.json").get_data(as_text=True))
    assert data["registrations"] == [] and data["participant_feed"] is None


def test_the_link_works_once(client, outbox):
    ask(client, "anna@example.org")
    link = mailed_link(outbox)
    assert client.post(link).status_code == 303
    again = client.post(link)
    assert again.status_code == 410
    assert "bereits benutzt" in again.get_data(as_text=True)
    assert client.get(link).status_code == 410
    assert client.get("/privacy/access/nichtunsergeheimnis").status_code == 404


def test_two_uses_at_once_let_one_through(app, client, outbox):
    ask(client, "anna@example.org")
    link = mailed_link(outbox)
    statuses = []

    def use():
        statuses.append(app.test_client().post(link).status_code)

    assert run_together(app, use, 6) == []
    assert sorted(statuses) == [303] + [410] * 5


def test_the_link_expires_and_so_does_the_access(app, client, outbox):
    app.config.update(PRIVACY_LINK_MINUTES=60, PRIVACY_ACCESS_MINUTES=30)
    with time_machine.travel(utcnow(), tick=False) as clock:
        ask(client, "anna@example.org")
        link = mailed_link(outbox)
        clock.shift(61 * 60)
        expired = client.post(link)
        assert expired.status_code == 410
        assert "abgelaufen" in expired.get_data(as_text=True)
        assert client.get("/privacy/my-data").status_code == 403
        ask(client, "anna@example.org")
        assert client.post(mailed_link(outbox)).status_code == 303
        assert client.get("/privacy/my-data").status_code == 200
        clock.shift(31 * 60)
        ended = client.get("/privacy/my-data.json")
        assert ended.status_code == 403
        assert "anna@example.org" not in ended.get_data(as_text=True)


def test_another_browser_gets_nothing(app, client, outbox):
    open_data(client, outbox, "anna@example.org")
    stranger = app.test_client()
    assert stranger.get("/privacy/my-data").status_code == 403
    assert stranger.get("/privacy/my-data.json").status_code == 403
    assert stranger.post("/privacy/my-data/erase", data={"confirm": "y"}).status_code == 403


def test_requests_are_limited_per_client(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, PRIVACY_REQUEST_RATELIMIT="3 per hour")
    client = app.test_client()
    statuses = [ask(client, f"p{n}@example.org").status_code for n in range(4)]
    assert statuses == [303, 303, 303, 429]


def test_mails_stop_at_the_inbox_limit(app, client, outbox, make_event, register_by_form):
    app.config["PRIVACY_LINKS_PER_MAILBOX_PER_HOUR"] = 2
    statuses = [ask(client, "anna+x@example.org").status_code for _ in range(2)]
    statuses += [ask(client, "anna@example.org").status_code]
    assert statuses == [303] * 3  # the page never tells
    assert len(outbox(kind="privacy_link")) == 2
    # Counted apart: links asked for in someone's name do not block their registration.
    app.config["MAILS_PER_MAILBOX_PER_HOUR"] = 2
    response = register_by_form(make_event(), client=client, email="anna@example.org")
    assert response.status_code == 303


def test_bad_input_is_answered_in_the_users_language(app, client, outbox):
    refused = ask(client, "kein-adresse")
    assert refused.status_code == 422
    assert "gültige E-Mail-Adresse" in refused.get_data(as_text=True)
    english = client.post(PAGE + "?lang=en", data={"email": ""})
    assert english.status_code == 422
    assert "Please enter your email address." in english.get_data(as_text=True)
    app.config.update(BOT_PROTECTION=True)
    trapped = client.post(PAGE, data={"email": "anna@example.org", "leave_empty": "x"})
    assert trapped.status_code == 422
    assert outbox(kind="privacy_link") == []


def test_ending_the_access_holds_for_a_copied_session_cookie(app, client, outbox):
    open_data(client, outbox, "anna@example.org")
    assert client.get("/privacy/my-data").status_code == 200
    copied = client.get_cookie("session").value
    assert client.post("/privacy/my-data/end").status_code == 303
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/privacy/my-data").status_code == 403
    assert thief.get("/privacy/my-data.json").status_code == 403
