"""Messages to attendees (issue 15): organisers write to one group of an event's people,
preview the mail, and send it through the outbox; only that group gets it, each person
once (double submit, two sends at once), in their language, with a copy on their private
page; the workspace counts delivered and failed mails; limits keep it from being a spam
tool; nobody of another organisation can send or read."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
import time_machine
from sqlalchemy import func, select

from eventhub.events.registration import (
    Attendee,
    cancel_registration,
    register,
    set_checked_in,
)
from eventhub.extensions import db
from eventhub.manage import attendee_messages
from eventhub.models import AttendeeMessage, AttendeeMessageRecipient, Event, Registration, User
from tests.conftest import in_days, run_together

# The real SMTP server (aiosmtpd) of the mail tests, for the delivered / failed counts.
from tests.mail.conftest import mail_app, send_mail, smtp_server  # noqa: F401
from tests.manage.conftest import hosted_by, log_in

BODY = "Liebe Teilnehmende,\n\nbitte bringen Sie **Ihren Ausweis** mit.\n\n- Einlass 9:30"


@pytest.fixture
def people(make_event):
    """An event of the organiser's organisation with people in every state, and a
    confirmed person of another event:
    anna checked in, ben confirmed, cora cancelled, wim offered a seat, wanda waiting."""
    event = make_event(hosts=hosted_by("ihk-nrw"), capacity=3, waitlist="offer", starts=in_days(10))
    other = make_event(hosts=hosted_by("ihk-nrw"), starts=in_days(10))

    def add(tag: str, language: str = "de", target=event) -> Registration:
        registration, _token = register(
            target.id,
            Attendee(tag.capitalize(), "Muster", f"{tag}@example.org", language=language),
            if_full="wait",
        )
        return registration

    found = {tag: add(tag) for tag in ("anna", "ben", "cora")}
    found.update(wim=add("wim", "en"), wanda=add("wanda"), xaver=add("xaver", target=other))
    set_checked_in(found["anna"].id, True)
    cancel_registration(found["cora"].id)  # her seat is offered to wim
    db.session.expire_all()
    assert db.session.get(Registration, found["wim"].id).status == "offered"
    return event, {tag: r.id for tag, r in found.items()}


def preview(client, event, *, group="confirmed", subject="Wichtige Hinweise", body=BODY, **extra):
    return client.post(
        f"/manage/events/{event.slug}/messages/preview",
        data={"group": group, "subject": subject, "body": body, **extra},
    )


def nonce_of(response) -> str:
    return re.search(r'name="nonce" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def send(client, event, nonce, *, group="confirmed", subject="Wichtige Hinweise", body=BODY):
    return client.post(
        f"/manage/events/{event.slug}/messages/send",
        data={"group": group, "subject": subject, "body": body, "nonce": nonce},
    )


def compose_and_send(client, event, **fields):
    response = preview(client, event, **fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    sent = send(client, event, nonce_of(response), **fields)
    assert sent.status_code == 303, sent.get_data(as_text=True)
    return sent


def received(outbox) -> Counter:
    return Counter(row.recipient for row in outbox(kind="attendee_message"))


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("confirmed", {"anna", "ben"}),
        ("waiting", {"wim", "wanda"}),
        ("checked_in", {"anna"}),
    ],
)
def test_only_the_chosen_group_receives_it_each_once(
    organiser_client, people, outbox, group, expected
):
    event, _ids = people
    compose_and_send(organiser_client, event, group=group)
    assert received(outbox) == Counter({f"{tag}@example.org": 1 for tag in expected})
    [message] = db.session.scalars(select(AttendeeMessage)).all()
    assert message.recipient_count == len(expected) and message.group == group


def test_no_shows_only_after_the_event_ended(organiser_client, people, outbox):
    event, _ids = people
    page = organiser_client.get(f"/manage/events/{event.slug}/messages").get_data(as_text=True)
    assert 'value="no_show"' not in page
    assert preview(organiser_client, event, group="no_show").status_code == 422
    with time_machine.travel(event.ends_at + dt.timedelta(hours=1), tick=False):
        page = organiser_client.get(f"/manage/events/{event.slug}/messages")
        assert 'value="no_show"' in page.get_data(as_text=True)
        compose_and_send(organiser_client, event, group="no_show")
    assert received(outbox) == Counter({"ben@example.org": 1})


def test_the_form_shows_how_many_people_each_group_has(organiser_client, people):
    event, _ids = people
    html = organiser_client.get(f"/manage/events/{event.slug}/messages").get_data(as_text=True)
    assert "Bestätigt (2)" in html
    assert "Auf der Warteliste (mit offenen Platzangeboten) (2)" in html
    assert "Eingecheckt (1)" in html


def test_preview_shows_the_mail_for_a_sample_recipient(organiser_client, people, outbox):
    event, _ids = people
    response = preview(organiser_client, event, group="waiting")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # wim is first of the group and registered in English: the frame is English
    assert "Hello Wim Muster," in html
    assert "<strong>Ihren Ausweis</strong>" in html
    assert "erika@example.org" in html  # replies go to the event's contact
    assert "An 2 Personen senden" in html
    assert outbox(kind="attendee_message") == []  # a preview sends nothing


def test_mail_frame_in_each_persons_language_with_a_fresh_private_link(
    organiser_client, client, people, outbox
):
    event, ids = people
    compose_and_send(organiser_client, event, group="waiting")
    german = outbox.last(kind="attendee_message", recipient="wanda@example.org")
    english = outbox.last(kind="attendee_message", recipient="wim@example.org")
    text_de, text_en = outbox.text(german), outbox.text(english)
    assert text_de.startswith("Guten Tag Wanda Muster,")
    assert "weil Sie auf der Warteliste für diese Veranstaltung stehen" in text_de
    assert text_en.startswith("Hello Wim Muster,")
    assert "because you are on the waiting list for this event" in text_en
    for text in (text_de, text_en):
        assert "bitte bringen Sie **Ihren Ausweis** mit." in text  # as written
    parsed = outbox.parse(english)
    assert parsed["Subject"] == "Wichtige Hinweise"
    assert parsed["Reply-To"].addresses[0].addr_spec == "erika@example.org"
    assert "<strong>Ihren Ausweis</strong>" in parsed.get_body(("html",)).get_content()
    link = re.search(r"http://eventhub\.test(/r/\S+)", text_de).group(1)
    page = client.get(link)
    assert page.status_code == 200 and "Wanda Muster" in page.get_data(as_text=True)
    registration = db.session.get(Registration, ids["wanda"])
    assert registration.resent_token_hash is not None


def test_a_message_leaves_a_seat_offers_link_working(organiser_client, client, people, outbox):
    """Wim holds a seat offer: the message to the waiting group does not replace the link
    he needs to accept it (it names that mail instead); Wanda, waiting, gets a new one."""
    event, ids = people
    offer_link = re.search(
        r"http://eventhub\.test(/r/[A-Za-z0-9_-]+)",
        outbox.text(outbox.last(kind="offered", recipient="wim@example.org")),
    ).group(1)
    response = preview(organiser_client, event, group="waiting")
    assert send(organiser_client, event, nonce_of(response), group="waiting").status_code == 303
    wim = outbox.text(outbox.last(kind="attendee_message", recipient="wim@example.org"))
    assert "/r/" not in wim and "the mail that offered it" in wim
    assert "/r/" in outbox.text(outbox.last(kind="attendee_message", recipient="wanda@example.org"))
    assert client.get(offer_link).status_code == 200
    assert client.post(offer_link + "/accept").status_code == 303
    db.session.rollback()
    assert db.session.get(Registration, ids["wim"]).status == "confirmed"


def test_copy_on_the_private_page_and_not_on_anothers(organiser_client, client, people, outbox):
    event, _ids = people
    compose_and_send(organiser_client, event, group="checked_in", subject="Danke fürs Kommen")
    anna = re.search(r"(/r/\S+)", outbox.text(outbox.last(kind="attendee_message"))).group(1)
    html = client.get(anna).get_data(as_text=True)
    assert "Nachrichten vom Veranstalter" in html and "Danke fürs Kommen" in html
    assert "<strong>Ihren Ausweis</strong>" in html
    # ben was not checked in: his page (through his confirmation's link) has no copy
    ben = re.search(
        r"(/r/\S+)", outbox.text(outbox.last(kind="confirmation", recipient="ben@example.org"))
    ).group(1)
    other = client.get(ben).get_data(as_text=True)
    assert "Ben Muster" in other and "Danke fürs Kommen" not in other
    assert "Nachrichten vom Veranstalter" not in other


def test_private_page_queries_do_not_grow_with_messages(
    organiser_client, client, people, outbox, query_counter, app
):
    event, _ids = people
    link = re.search(
        r"(/r/\S+)",
        outbox.text(outbox.last(kind="confirmation", recipient="ben@example.org")),
    ).group(1)

    def measure() -> int:
        with query_counter() as statements:
            assert client.get(link).status_code == 200
        return len(statements)

    measure()  # caches warm
    before = measure()
    app.config["ATTENDEE_MESSAGES_PER_DAY"] = 10
    for n in range(4):
        compose_and_send(organiser_client, event, subject=f"Hinweis {n}")
    html = client.get(link).get_data(as_text=True)
    assert all(f"Hinweis {n}" in html for n in range(4))
    assert measure() == before  # one query for the copies, whether none or four


def test_sending_the_same_preview_twice_sends_once(organiser_client, people, outbox):
    event, _ids = people
    response = preview(organiser_client, event)
    nonce = nonce_of(response)
    first = send(organiser_client, event, nonce)
    second = send(organiser_client, event, nonce)
    assert first.headers["Location"] == second.headers["Location"]
    follow = organiser_client.get(second.headers["Location"]).get_data(as_text=True)
    assert "bereits gesendet" in follow
    assert received(outbox) == Counter({"anna@example.org": 1, "ben@example.org": 1})
    assert db.session.scalar(select(func.count(AttendeeMessage.id))) == 1


def _send_concurrently(app, event_id: int, author_id: int, nonce) -> list[Exception]:
    def job():
        attendee_messages.send_message(
            event_id,
            author_id=author_id,
            group="confirmed",
            subject="Zweimal geklickt",
            body="Text",
            nonce=nonce() if callable(nonce) else nonce,
        )

    return run_together(app, job)


def test_two_sends_of_one_preview_at_once_send_once(app, organiser_client, people, outbox):
    event, _ids = people
    author = db.session.scalar(select(User.id))
    db.session.rollback()
    assert _send_concurrently(app, event.id, author, "same-preview-nonce-1234") == []
    assert received(outbox) == Counter({"anna@example.org": 1, "ben@example.org": 1})


def test_control_without_the_nonce_guard_the_same_load_sends_twice(
    app, organiser_client, people, outbox, monkeypatch
):
    """The guard matters: with the nonce check gone (each send its own value, as a
    form without it would be), the same two concurrent sends mail everyone twice."""
    event, _ids = people
    author = db.session.scalar(select(User.id))
    db.session.rollback()
    monkeypatch.setattr(attendee_messages, "_already_sent", lambda *_args: None)
    values = iter(["nonce-of-the-first-send", "nonce-of-the-second-send"])
    assert _send_concurrently(app, event.id, author, lambda: next(values)) == []
    assert received(outbox) == Counter({"anna@example.org": 2, "ben@example.org": 2})


def test_a_person_gets_one_recipient_row_per_message(app, organiser_client, people):
    """The database's backstop for "each once": the pair is unique."""
    from sqlalchemy.exc import IntegrityError

    event, ids = people
    compose_and_send(organiser_client, event, group="checked_in")
    db.session.rollback()
    message_id = db.session.scalar(select(AttendeeMessage.id))
    db.session.add(AttendeeMessageRecipient(message_id=message_id, registration_id=ids["anna"]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_rate_limit_per_event_per_day(organiser_client, people, outbox, app, make_event):
    event, _ids = people
    app.config["ATTENDEE_MESSAGES_PER_DAY"] = 2
    for n in range(2):
        compose_and_send(organiser_client, event, subject=f"Nummer {n}")
    refused = preview(organiser_client, event, subject="Nummer 3")
    assert refused.status_code == 429
    assert "in den letzten 24 Stunden" in refused.get_data(as_text=True)
    assert "Nummer 3" in refused.get_data(as_text=True)  # the text is kept
    # nor can a send past the preview
    assert send(organiser_client, event, "x" * 32, subject="Nummer 3").status_code == 429
    assert len(received(outbox)) == 2 and sum(received(outbox).values()) == 4
    # a day later the next one goes
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=24, minutes=1)):
        compose_and_send(organiser_client, event, subject="Nummer 3")
    assert sum(received(outbox).values()) == 6


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"subject": "   "}, "Bitte geben Sie einen Betreff ein."),
        ({"body": ""}, "Bitte schreiben Sie die Nachricht."),
        ({"body": "x" * 10_001}, "Bitte verwenden Sie höchstens 10000 Zeichen."),
        ({"subject": "x" * 151}, "Bitte verwenden Sie höchstens 150 Zeichen."),
        ({"group": "cancelled"}, "Not a valid choice"),
    ],
)
def test_bad_input_gets_a_message_and_4xx(organiser_client, people, outbox, fields, message):
    event, _ids = people
    response = preview(organiser_client, event, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bitte korrigieren Sie die markierten Felder." in html
    assert message in html or "Keine gültige Auswahl" in html
    sent = send(organiser_client, event, "n" * 32, **{"group": "confirmed", **fields})
    assert sent.status_code == 422
    assert outbox(kind="attendee_message") == []


def test_control_characters_are_refused_with_a_message(organiser_client, people, outbox):
    event, _ids = people
    response = preview(organiser_client, event, subject="Hallo\x07")
    assert response.status_code == 400 and "Steuerzeichen" in response.get_data(as_text=True)
    assert outbox(kind="attendee_message") == []


def test_a_group_without_people_cannot_be_sent_to(organiser_client, make_event, outbox):
    event = make_event(hosts=hosted_by("ihk-nrw"))
    response = preview(organiser_client, event)
    assert response.status_code == 422
    assert "Niemand ist zurzeit in dieser Gruppe." in response.get_data(as_text=True)
    assert send(organiser_client, event, "n" * 32).status_code == 422


def test_a_send_without_the_previews_value_is_refused(organiser_client, people, outbox):
    event, _ids = people
    assert send(organiser_client, event, "").status_code == 400
    assert send(organiser_client, event, "kurz").status_code == 400
    assert outbox(kind="attendee_message") == []


def test_change_the_message_from_the_preview(organiser_client, people):
    event, _ids = people
    response = preview(organiser_client, event, edit="1", subject="Entwurf")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Entwurf"' in html and "Ihren Ausweis" in html


def test_workspace_counts_delivered_and_failed(
    mail_app,  # noqa: F811
    organiser_client,
    runner,
    smtp_server,  # noqa: F811
    people,
    outbox,
):
    event, _ids = people
    send_mail(runner)  # the confirmations and the seat offer
    smtp_server.recorder.messages.clear()

    async def refuse_ben(server, session, envelope, address, rcpt_options):
        if address == "ben@example.org":
            return "550 5.1.1 Mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp_server.recorder.handle_RCPT = refuse_ben
    sent = compose_and_send(organiser_client, event, subject="Raumänderung: Saal 2")
    listing = organiser_client.get(f"/manage/events/{event.slug}/messages")
    assert re.search(
        r"Raumänderung: Saal 2</a></th>\s*<td>Bestätigt</td>\s*<td>2</td>\s*"
        r"<td>0</td>\s*<td>0</td>\s*<td>2</td>",
        listing.get_data(as_text=True),
    )
    assert "1 sent, 0 to retry, 1 failed" in send_mail(runner)
    [(rcpt, mail)] = smtp_server.recorder.messages
    assert rcpt == ["anna@example.org"]
    assert mail["Subject"] == "Raumänderung: Saal 2"
    assert "Guten Tag Anna Muster," in mail.get_body(("plain",)).get_content()
    listing = organiser_client.get(f"/manage/events/{event.slug}/messages")
    assert re.search(
        r"Raumänderung: Saal 2</a></th>\s*<td>Bestätigt</td>\s*<td>2</td>\s*<td>1</td>\s*"
        r'<td><strong class="message-failed">1</strong></td>\s*<td>0</td>',
        listing.get_data(as_text=True),
    )
    detail = organiser_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert re.search(r"Ben Muster</th><td>ben@example.org</td>\s*<td>Fehlgeschlagen", detail)


def test_list_counts_take_one_query_whatever_the_number_of_messages(
    organiser_client, people, query_counter, app
):
    event, _ids = people
    app.config["ATTENDEE_MESSAGES_PER_DAY"] = 10

    def measure() -> int:
        with query_counter() as statements:
            assert organiser_client.get(f"/manage/events/{event.slug}/messages").status_code == 200
        return len(statements)

    compose_and_send(organiser_client, event, subject="Eins")
    one = measure()
    for n in range(3):
        compose_and_send(organiser_client, event, subject=f"Mehr {n}")
    assert measure() == one


def test_wrong_organiser_can_neither_send_nor_read(app, client, people, make_organiser, outbox):
    event, _ids = people
    make_organiser("orga@ihk.example", "ihk-nrw")
    log_in(client, "orga@ihk.example")
    sent = compose_and_send(client, event, subject="Vertraulicher Betreff")
    make_organiser("b@hwk.example", "hwk-leipzig")
    client = app.test_client()  # the other organisation's organiser
    assert log_in(client, "b@hwk.example").status_code == 303
    before = len(outbox())
    base = f"/manage/events/{event.slug}/messages"
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("manage.") or "/messages" not in rule.rule:
            continue
        url = rule.build(
            {"slug": event.slug, "message_id": int(sent.headers["Location"].rsplit("/", 1)[1])},
            append_unknown=False,
        )[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(
                url,
                method=method,
                data={"group": "confirmed", "subject": "Spam", "body": "Spam", "nonce": "n" * 32},
            )
            assert response.status_code == 404, (method, url)
            assert "Vertraulicher Betreff" not in response.get_data(as_text=True)
            checked += 1
    assert checked == 4 and url.startswith(base)
    assert len(outbox()) == before


def test_messages_need_csrf(app_factory):
    from eventhub.events.records import upsert_event
    from eventhub.events.schema import EventRecord
    from eventhub.manage.accounts import create_user
    from tests.conftest import event_record

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_user(email="a@ihk.example", password="richtig-langes-passwort", org_slug="ihk-nrw")
        upsert_event(
            EventRecord.model_validate(event_record(slug="eigene", hosts=hosted_by("ihk-nrw")))
        )
        db.session.commit()
        event = db.session.scalar(select(Event))
        register(event.id, Attendee("Anna", "Muster", "anna@example.org"))
    client = app.test_client()
    page = client.get("/manage/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/manage/login",
        data={"email": "a@ihk.example", "password": "richtig-langes-passwort", "csrf_token": token},
    )
    data = {"group": "confirmed", "subject": "S", "body": "B", "nonce": "n" * 32}
    for path in ("preview", "send"):
        assert client.post(f"/manage/events/eigene/messages/{path}", data=data).status_code == 400
    form = client.get("/manage/events/eigene/messages").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    shown = client.post(
        "/manage/events/eigene/messages/preview", data={**data, "csrf_token": token}
    )
    assert shown.status_code == 200
