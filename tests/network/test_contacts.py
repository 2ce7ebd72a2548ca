"""Contact requests: what the recipient is mailed (never the sender's address), answers
that reveal both addresses exactly once, limits, blocks, ended requests and bad input."""

from __future__ import annotations

import datetime as dt
import functools
import re

import pytest
import time_machine
from sqlalchemy import func, select, update

from eventhub.database import write_transaction
from eventhub.events.registration import cancel_registration
from eventhub.extensions import db
from eventhub.models import Registration
from eventhub.models.base import utcnow
from eventhub.models.network import ContactBlock, ContactRequest
from eventhub.network import contacts
from eventhub.network.contacts import ContactRefused, send_contact_request
from eventhub.tokens import hash_token
from tests.conftest import run_together

MESSAGE = "Guten Tag, wir suchen Auszubildende im Handwerk. Sprechen wir in der Pause?"


@pytest.fixture
def person(make_registration):
    """A confirmed participant of `event` with the given visibility; returns
    (registration, private token)."""

    def factory(event, visibility="participants", **fields):
        registration, token = make_registration(event, **fields)
        registration.directory_visibility = visibility
        db.session.commit()
        return registration, token

    return factory


@pytest.fixture
def pair(make_event, person):
    """Two listed participants of one event: Anna (sender) and Bernd (recipient)."""
    event = make_event()
    anna = person(
        event,
        first_name="Anna",
        last_name="Absender",
        email="anna.secret@example.org",
        organisation="Bäckerei Absender GmbH",
        job_title="Ausbildungsleiterin",
    )
    bernd = person(
        event,
        first_name="Bernd",
        last_name="Empfänger",
        email="bernd.hidden@example.org",
        organisation="Welcome Center",
        job_title="Berater",
    )
    return event, anna, bernd


def write(client, token, person_id, message=MESSAGE):
    return client.post(f"/r/{token}/network/contact/{person_id}", data={"message": message})


def answer_token(outbox) -> str:
    """The token in the link of the last contact-request mail."""
    text = outbox.text(outbox.last(kind="contact_request"))
    return re.search(r"/network/requests/([A-Za-z0-9_-]+)\?answer=accept", text).group(1)


def all_mail_text(outbox, **filters) -> str:
    """Every header and body of the matching mails (decoded), for "never in it" checks."""
    parts = []
    for message in outbox.emails(**filters):
        parts += [f"{k}: {v}" for k, v in message.items()]
        for part in message.walk():
            if part.get_content_maintype() == "text":
                parts.append(part.get_content())
    return "\n".join(parts)


def request_ids() -> list[int]:
    db.session.rollback()  # see what the requests committed
    return list(db.session.scalars(select(ContactRequest.id).order_by(ContactRequest.id)))


def status_of(request_id: int) -> str:
    db.session.rollback()
    return db.session.get(ContactRequest, request_id, populate_existing=True).status


# --- the happy path ---------------------------------------------------------------------


def test_request_mails_the_recipient_without_the_senders_address(client, pair, outbox):
    event, (anna, anna_token), (bernd, _) = pair
    page = client.get(f"/r/{anna_token}/network/contact/{bernd.id}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert "Bernd Empfänger" in html and "Welcome Center" in html and "Berater" in html
    assert "bernd.hidden@example.org" not in html

    response = write(client, anna_token, bernd.id)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{anna_token}/network/requests")

    [row] = outbox(kind="contact_request")
    assert row.recipient == "bernd.hidden@example.org"
    everything = all_mail_text(outbox, kind="contact_request")
    raw = row.message.decode("utf-8", "replace")
    for secret in ("anna.secret", "anna.secret@example.org"):
        assert secret not in everything and secret not in raw
    for shown in ("Anna Absender", "Bäckerei Absender GmbH", "Ausbildungsleiterin", MESSAGE):
        assert shown in everything
    message = outbox.parse(row)
    assert message["Reply-To"] is None
    token = answer_token(outbox)
    for answer in ("accept", "decline", "block"):
        assert f"/network/requests/{token}?answer={answer}" in everything
    stored = db.session.scalar(select(ContactRequest))
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    assert stored.status == "pending" and stored.message == MESSAGE

    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bernd Empfänger" in follow and "wartet auf Antwort" in follow
    assert "bernd.hidden@example.org" not in follow


def test_accepting_mails_both_sides_the_others_address(client, pair, outbox):
    event, (anna, anna_token), (bernd, bernd_token) = pair
    write(client, anna_token, bernd.id)
    token = answer_token(outbox)
    page = client.get(f"/network/requests/{token}?answer=accept")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert "anna.secret@example.org" not in page.get_data(as_text=True)

    response = client.post(f"/network/requests/{token}", data={"answer": "accept"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/network/requests/{token}")

    to_anna = outbox.text(outbox.last(kind="contact_accepted", recipient=anna.email))
    to_bernd = outbox.text(outbox.last(kind="contact_accepted", recipient=bernd.email))
    assert "bernd.hidden@example.org" in to_anna and "Welcome Center" in to_anna
    assert "anna.secret@example.org" in to_bernd and "Bäckerei Absender GmbH" in to_bernd
    assert len(outbox(kind="contact_accepted")) == 2

    mine = client.get(f"/r/{anna_token}/network/requests").get_data(as_text=True)
    assert "bernd.hidden@example.org" in mine
    theirs = client.get(f"/r/{bernd_token}/network/requests").get_data(as_text=True)
    assert "anna.secret@example.org" in theirs

    again = client.post(f"/network/requests/{token}", data={"answer": "accept"})
    assert again.status_code == 409
    assert "bereits beantwortet" in again.get_data(as_text=True)
    assert len(outbox(kind="contact_accepted")) == 2


def test_declining_tells_the_sender_politely_and_nothing_else(client, pair, outbox):
    event, (anna, anna_token), (bernd, bernd_token) = pair
    write(client, anna_token, bernd.id)
    [request_id] = request_ids()
    response = client.post(
        f"/r/{bernd_token}/network/requests/{request_id}", data={"answer": "decline"}
    )
    assert response.status_code == 303
    [row] = outbox(kind="contact_declined")
    assert row.recipient == anna.email
    text = all_mail_text(outbox, kind="contact_declined")
    assert "bernd.hidden@example.org" not in text and "Welcome Center" not in text
    assert "nicht angenommen" in text
    assert outbox(kind="contact_accepted") == []
    mine = client.get(f"/r/{anna_token}/network/requests").get_data(as_text=True)
    assert "nicht angenommen" in mine and "bernd.hidden@example.org" not in mine


def test_mails_are_in_the_readers_language(client, make_event, person, outbox):
    event = make_event()
    anna, anna_token = person(event, language="de")
    bernd, _ = person(event, language="en")
    write(client, anna_token, bernd.id)
    row = outbox.last(kind="contact_request")
    assert "would like to get in touch" in outbox.text(row)
    client.post(f"/network/requests/{answer_token(outbox)}", data={"answer": "accept"})
    assert "Kontakt" in outbox.last(kind="contact_accepted", recipient=anna.email).subject
    assert "Contact" in outbox.last(kind="contact_accepted", recipient=bernd.email).subject


def test_opening_the_mail_links_changes_nothing(client, pair, outbox):
    event, (anna, anna_token), (bernd, _) = pair
    write(client, anna_token, bernd.id)
    token = answer_token(outbox)
    before = len(outbox())
    for answer in ("accept", "decline", "block", "", "nonsense"):
        page = client.get(f"/network/requests/{token}?answer={answer}")
        assert page.status_code == 200
        assert 'name="answer" value="accept"' in page.get_data(as_text=True)
    [request_id] = request_ids()
    assert status_of(request_id) == "pending"  # (status_of sees what was committed)
    assert db.session.scalar(select(func.count()).select_from(ContactBlock)) == 0
    assert len(outbox()) == before


# --- exactly once -----------------------------------------------------------------------

ACCEPTS = 8


def _pending_request(app, make_event, person) -> tuple[int, int]:
    event = make_event()
    anna, _ = person(event)
    bernd, _ = person(event)
    request = send_contact_request(anna.id, bernd.id, MESSAGE)
    return request.id, bernd.id


def _accept_concurrently(app, request_id: int, recipient_id: int) -> list[Exception]:
    return run_together(
        app,
        lambda: contacts.answer_contact_request(request_id, recipient_id, accept=True),
        ACCEPTS,
    )


@pytest.mark.slow
def test_concurrent_accepts_reveal_the_addresses_exactly_once(app, make_event, person, outbox):
    request_id, recipient_id = _pending_request(app, make_event, person)
    errors = _accept_concurrently(app, request_id, recipient_id)
    assert len(outbox(kind="contact_accepted")) == 2  # one to each side
    assert [e.reason for e in errors] == ["answered"] * (ACCEPTS - 1), errors
    assert status_of(request_id) == "accepted"


def remove_the_answer_guard(monkeypatch) -> None:
    """Answering without the guard: a deferred transaction and a check of the status read
    before, then an unconditional write."""

    def claim_unguarded(request_id: int, status: str) -> bool:
        current = db.session.get(ContactRequest, request_id, populate_existing=True)
        if current.status != "pending":
            return False
        db.session.execute(
            update(ContactRequest)
            .where(ContactRequest.id == request_id)
            .values(status=status, answered_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return True

    monkeypatch.setattr(
        contacts, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    monkeypatch.setattr(contacts, "_claim_answer", claim_unguarded)


@pytest.mark.slow
def test_control_without_the_guard_concurrent_accepts_break_the_rule(
    app, make_event, person, outbox, monkeypatch
):
    """Shows the test above can fail: with the guard off, the addresses go out more than
    once (PostgreSQL), or answers fail with lost writes ("database is locked", SQLite)."""
    request_id, recipient_id = _pending_request(app, make_event, person)
    remove_the_answer_guard(monkeypatch)
    errors = _accept_concurrently(app, request_id, recipient_id)
    mails = len(outbox(kind="contact_accepted"))
    unexpected = [e for e in errors if not isinstance(e, ContactRefused)]
    assert mails > 2 or unexpected, f"the race did not show: {mails} mails, {errors}"


# --- limits -----------------------------------------------------------------------------


def test_rate_limit_per_hour_and_sender(client, app, make_event, person, outbox):
    app.config.update(NETWORK_CONTACT_REQUESTS_PER_HOUR=2, NETWORK_CONTACT_REQUESTS_PER_EVENT=20)
    event = make_event()
    anna, anna_token = person(event)
    others = [person(event)[0] for _ in range(4)]
    with time_machine.travel(utcnow(), tick=False) as clock:
        assert write(client, anna_token, others[0].id).status_code == 303
        assert write(client, anna_token, others[1].id).status_code == 303
        refused = write(client, anna_token, others[2].id)
        assert refused.status_code == 429
        assert "2 Kontaktanfragen pro Stunde" in refused.get_data(as_text=True)
        clock.shift(dt.timedelta(minutes=59))
        assert write(client, anna_token, others[2].id).status_code == 429
        clock.shift(dt.timedelta(minutes=2))
        assert write(client, anna_token, others[2].id).status_code == 303
    assert len(outbox(kind="contact_request")) == 3
    # The limit is the sender's: someone else can still write.
    other_token = person(event)[1]
    assert write(client, other_token, others[3].id).status_code == 303


def test_total_limit_per_event_counts_every_request(client, app, make_event, person):
    app.config.update(NETWORK_CONTACT_REQUESTS_PER_HOUR=100, NETWORK_CONTACT_REQUESTS_PER_EVENT=2)
    event = make_event()
    anna, anna_token = person(event)
    bernd, bernd_token = person(event)
    carla, _ = person(event)
    dora, _ = person(event)
    assert write(client, anna_token, bernd.id).status_code == 303
    [request_id] = request_ids()
    client.post(f"/r/{bernd_token}/network/requests/{request_id}", data={"answer": "decline"})
    assert write(client, anna_token, carla.id).status_code == 303
    with time_machine.travel(utcnow() + dt.timedelta(days=2), tick=False):
        refused = write(client, anna_token, dora.id)
    assert refused.status_code == 429
    assert "alle 2 Kontaktanfragen" in refused.get_data(as_text=True)


CONCURRENT_SENDS = 8
TOTAL = 3


def _senders_burst(app, make_event, person) -> tuple[int, list[int]]:
    app.config.update(
        NETWORK_CONTACT_REQUESTS_PER_HOUR=100, NETWORK_CONTACT_REQUESTS_PER_EVENT=TOTAL
    )
    event = make_event()
    anna, _ = person(event)
    return anna.id, [person(event)[0].id for _ in range(CONCURRENT_SENDS)]


def _send_to_all(app, sender_id: int, recipients: list[int]) -> list[Exception]:
    queue = list(recipients)

    def send():
        send_contact_request(sender_id, queue.pop(), MESSAGE)

    return run_together(app, send, len(recipients))


def _sent(sender_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).where(ContactRequest.sender_id == sender_id))


@pytest.mark.slow
def test_concurrent_sends_never_pass_the_total(app, make_event, person, outbox):
    sender_id, recipients = _senders_burst(app, make_event, person)
    errors = _send_to_all(app, sender_id, recipients)
    assert _sent(sender_id) == TOTAL
    assert len(outbox(kind="contact_request")) == TOTAL
    assert [e.reason for e in errors] == ["total"] * (CONCURRENT_SENDS - TOTAL), errors


@pytest.mark.slow
def test_control_without_the_lock_concurrent_sends_pass_the_total(
    app, make_event, person, outbox, monkeypatch
):
    sender_id, recipients = _senders_burst(app, make_event, person)
    monkeypatch.setattr(
        contacts, "write_transaction", functools.partial(write_transaction, immediate=False)
    )
    monkeypatch.setattr(
        contacts, "_locked_sender", lambda sender_id: db.session.get(Registration, sender_id)
    )
    errors = _send_to_all(app, sender_id, recipients)
    unexpected = [e for e in errors if not isinstance(e, ContactRefused)]
    assert _sent(sender_id) > TOTAL or unexpected, f"the race did not show: {errors}"


def _write_to_each_other(app, make_event, person) -> list[Exception]:
    event = make_event()
    ids = [person(event)[0].id for _ in range(4)]
    pairs = [(a, b) for a in ids for b in ids if a != b]
    count = len(pairs)

    def send():
        sender, recipient = pairs.pop()
        send_contact_request(sender, recipient, MESSAGE)

    return run_together(app, send, count)


@pytest.mark.slow
def test_people_writing_to_each_other_at_once_do_not_deadlock(app, make_event, person, outbox):
    """Each send locks its sender; the request's foreign keys lock both people for key
    share, which FOR NO KEY UPDATE allows. Of two people writing to each other, the later
    one is told to answer the request they already have (unless both got in at once)."""
    errors = _write_to_each_other(app, make_event, person)
    assert all(isinstance(e, ContactRefused) and e.reason == "asked_you" for e in errors), errors
    assert 6 <= len(outbox(kind="contact_request")) == 12 - len(errors)


@pytest.mark.slow
def test_control_with_for_update_people_writing_to_each_other_deadlock(
    app, backend, make_event, person, monkeypatch
):
    """Shows the test above can fail: with FOR UPDATE, A→B and B→A at once deadlock
    (PostgreSQL; SQLite has no row locks, its write lock orders the sends)."""
    if backend != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    monkeypatch.setattr(
        contacts,
        "_locked_sender",
        lambda sender_id: db.session.get(
            Registration, sender_id, populate_existing=True, with_for_update=True
        ),
    )
    errors = _write_to_each_other(app, make_event, person)
    assert any("deadlock" in str(e) for e in errors), errors


# --- blocks -----------------------------------------------------------------------------


def test_a_block_holds_and_the_sender_cannot_tell(app, client, make_event, person, outbox):
    his_browser = app.test_client()  # flashes live in the browser's session
    event = make_event()
    anna, anna_token = person(event, email="anna@example.org")
    bernd, bernd_token = person(event, email="bernd@example.org")
    write(client, anna_token, bernd.id)
    [first] = request_ids()
    blocked = his_browser.post(
        f"/r/{bernd_token}/network/requests/{first}", data={"answer": "block"}
    )
    assert blocked.status_code == 303
    # Anna is told exactly what a decline tells her.
    [declined] = outbox(kind="contact_declined")
    assert declined.recipient == "anna@example.org"
    assert "block" not in outbox.text(declined).lower() and "sperr" not in outbox.text(declined)

    # Her next request looks sent, but Bernd is not mailed and does not see it.
    again = write(client, anna_token, bernd.id, "Noch einmal: haben Sie Zeit?")
    assert again.status_code == 303
    assert len(outbox(kind="contact_request", recipient="bernd@example.org")) == 1
    hers = client.get(f"/r/{anna_token}/network/requests").get_data(as_text=True)
    assert "wartet auf Antwort" in hers and "blockiert" not in hers.lower()
    his = his_browser.get(f"/r/{bernd_token}/network/requests").get_data(as_text=True)
    assert "Noch einmal" not in his
    assert "Blockierte Personen" in his and anna.full_name in his

    # Unblocking: the held request is declined silently, new ones arrive again.
    response = his_browser.post(f"/r/{bernd_token}/network/blocked/{anna.id}")
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ContactBlock)) == 0
    assert len(outbox(kind="contact_declined")) == 1
    assert write(client, anna_token, bernd.id, "Ein drittes Mal").status_code == 303
    assert len(outbox(kind="contact_request", recipient="bernd@example.org")) == 2


def test_block_from_the_mail_link(client, pair, outbox):
    event, (anna, anna_token), (bernd, _) = pair
    write(client, anna_token, bernd.id)
    token = answer_token(outbox)
    assert client.post(f"/network/requests/{token}", data={"answer": "block"}).status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(ContactBlock.blocked_id)) == anna.id
    write(client, anna_token, bernd.id, "Hallo?")
    assert len(outbox(kind="contact_request")) == 1


# --- ended requests ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["sender", "recipient"])
def test_a_cancelled_registration_ends_its_requests(client, pair, outbox, who):
    event, (anna, anna_token), (bernd, bernd_token) = pair
    write(client, anna_token, bernd.id)
    [request_id] = request_ids()
    token = answer_token(outbox)
    cancel_registration((anna if who == "sender" else bernd).id)

    theirs = client.get(f"/r/{bernd_token}/network/requests").get_data(as_text=True)
    assert MESSAGE not in theirs  # no longer open
    mine = client.get(f"/r/{anna_token}/network/requests").get_data(as_text=True)
    assert "beendet" in mine

    page = client.get(f"/network/requests/{token}").get_data(as_text=True)
    assert 'value="accept"' not in page and "beendet" in page
    refused = client.post(f"/network/requests/{token}", data={"answer": "accept"})
    assert refused.status_code == 409
    assert "nicht mehr zur Veranstaltung angemeldet" in refused.get_data(as_text=True)
    assert status_of(request_id) == "ended"
    assert outbox(kind="contact_accepted") == []


# --- bad input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "status", "says"),
    [
        ("", 422, "kurze Nachricht"),
        ("   \n  ", 422, "kurze Nachricht"),
        ("x" * 1001, 422, "höchstens 1000 Zeichen"),
        ("Hallo\x07 Welt", 400, "Steuerzeichen"),  # refused before any view runs
        ("Hallo\u202e Welt", 400, "Steuerzeichen"),  # a bidi override: the same rule
    ],
)
def test_bad_messages_are_refused_clearly(client, pair, outbox, message, status, says):
    event, (anna, anna_token), (bernd, _) = pair
    response = write(client, anna_token, bernd.id, message)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    assert outbox(kind="contact_request") == []


def test_the_service_refuses_bad_messages_too(pair):
    event, (anna, _), (bernd, _) = pair
    for message, reason in (("", "empty"), ("x" * 1001, "too_long"), ("a\x00b", "control")):
        with pytest.raises(ContactRefused) as refused:
            send_contact_request(anna.id, bernd.id, message)
        assert refused.value.reason == reason
    # Newlines (CRLF from browsers counting once) are fine up to the limit.
    assert send_contact_request(anna.id, bernd.id, "a\r\n" * 333 + "b").status == "pending"


def test_a_message_of_the_longest_length_with_line_breaks_is_sent(client, pair):
    event, (anna, anna_token), (bernd, _) = pair
    assert write(client, anna_token, bernd.id, ("x" * 99 + "\r\n") * 10).status_code == 303


def test_who_cannot_be_written_to(client, make_event, person, outbox):
    event = make_event()
    anna, anna_token = person(event, visibility="participants")
    shy, _ = person(event, visibility="participants")
    hidden, _ = person(event, visibility="hidden")
    cancelled, _ = person(event, visibility="registered")
    cancel_registration(cancelled.id)
    elsewhere, _ = person(make_event(), visibility="registered")
    viewer_hidden, viewer_hidden_token = person(event, visibility="hidden")

    myself = write(client, anna_token, anna.id)
    assert myself.status_code == 400 and "an sich selbst" in myself.get_data(as_text=True)
    for target in (hidden, cancelled, elsewhere):
        for response in (
            client.get(f"/r/{anna_token}/network/contact/{target.id}"),
            write(client, anna_token, target.id),
        ):
            assert response.status_code == 404
            assert "nicht möglich" in response.get_data(as_text=True)
    # "participants" is mutual: someone not listed themselves cannot write to them.
    assert write(client, viewer_hidden_token, shy.id).status_code == 404
    for path in (
        f"/r/{anna_token}/network/contact/999999",
        f"/r/{anna_token}/network/contact/99999999999999",
        f"/r/{anna_token}/network/contact/abc",
        "/r/not-a-token/network/contact/1",
        "/r/not-a-token/network/requests",
    ):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"message": MESSAGE}).status_code in (404, 405)
    assert outbox(kind="contact_request") == []


def test_a_cancelled_participant_cannot_write(client, pair):
    event, (anna, anna_token), (bernd, _) = pair
    cancel_registration(anna.id)
    response = write(client, anna_token, bernd.id)
    assert response.status_code == 409
    assert "bestätigten Anmeldung" in response.get_data(as_text=True)


def test_no_second_open_request_and_none_once_in_contact(client, pair, outbox):
    event, (anna, anna_token), (bernd, bernd_token) = pair
    assert write(client, anna_token, bernd.id).status_code == 303
    twice = write(client, anna_token, bernd.id)
    assert twice.status_code == 409 and "bereits eine Anfrage" in twice.get_data(as_text=True)
    client.post(f"/network/requests/{answer_token(outbox)}", data={"answer": "accept"})
    for token, other in ((anna_token, bernd), (bernd_token, anna)):
        connected = write(client, token, other.id)
        assert connected.status_code == 409
        assert "bereits in Kontakt" in connected.get_data(as_text=True)


def test_answers_with_bad_tokens_ids_and_values(client, make_event, person, pair, outbox):
    event, (anna, anna_token), (bernd, bernd_token) = pair
    write(client, anna_token, bernd.id)
    token = answer_token(outbox)
    [request_id] = request_ids()
    for path in (
        "/network/requests/unknown-token",
        f"/network/requests/{token[:-1]}",
        "/network/requests/" + "a" * 101,
        "/network/requests/bad!token",
    ):
        for response in (client.get(path), client.post(path, data={"answer": "accept"})):
            assert response.status_code == 404
    unknown = client.get("/network/requests/unknown-token").get_data(as_text=True)
    assert "existiert nicht" in unknown
    # Only the recipient answers: the sender's private link cannot accept their own request.
    response = client.post(
        f"/r/{anna_token}/network/requests/{request_id}", data={"answer": "accept"}
    )
    assert response.status_code == 404
    for path in (
        f"/r/{bernd_token}/network/requests/999999",
        f"/r/{bernd_token}/network/requests/99999999999999",
    ):
        assert client.post(path, data={"answer": "accept"}).status_code == 404
    for answer in ("", "yes", "ACCEPT"):
        for path in (
            f"/network/requests/{token}",
            f"/r/{bernd_token}/network/requests/{request_id}",
        ):
            response = client.post(path, data={"answer": answer})
            assert response.status_code == 400
    assert status_of(request_id) == "pending"
    assert client.post(f"/r/{bernd_token}/network/blocked/999999").status_code == 303


def test_buttons_need_the_csrf_token(app_factory, make_event):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        from eventhub.events.registration import Attendee, register

        event = make_event()
        anna, anna_token = register(event.id, Attendee("Anna", "A", "a@example.org"))
        bernd, _ = register(event.id, Attendee("Bernd", "B", "b@example.org"))
        for person_ in (anna, bernd):
            person_.directory_visibility = "participants"
        db.session.commit()
        request = send_contact_request(anna.id, bernd.id, MESSAGE)
        request_id, bernd_id = request.id, bernd.id
    client = app.test_client()
    response = client.post(f"/r/{anna_token}/network/contact/{bernd_id}", data={"message": "x"})
    assert response.status_code in (400, 422)
    assert (
        client.post(
            f"/r/{anna_token}/network/requests/{request_id}", data={"answer": "accept"}
        ).status_code
        == 400
    )


def test_the_message_form_has_the_bot_checks(app, client, pair, outbox):
    app.config.update(BOT_PROTECTION=True, BOT_MIN_FILL_SECONDS=3)
    event, (anna, anna_token), (bernd, _) = pair
    path = f"/r/{anna_token}/network/contact/{bernd.id}"
    with time_machine.travel(utcnow(), tick=False) as clock:
        page = client.get(path).get_data(as_text=True)
        assert 'class="trap" aria-hidden="true"' in page
        stamp = re.search(r'name="issued" type="hidden" value="([^"]+)"', page).group(1)
        quick = client.post(path, data={"message": MESSAGE, "issued": stamp})
        assert quick.status_code == 422 and outbox(kind="contact_request") == []
        clock.shift(30)
        trapped = client.post(path, data={"message": MESSAGE, "issued": stamp, "leave_empty": "x"})
        assert trapped.status_code == 422 and outbox(kind="contact_request") == []
        sent = client.post(path, data={"message": MESSAGE, "issued": stamp})
    assert sent.status_code == 303
    assert len(outbox(kind="contact_request")) == 1


def test_posts_are_rate_limited_per_client(app, app_factory, make_event):
    limited_app = app_factory(RATELIMIT_ENABLED=True, NETWORK_CONTACT_RATELIMIT="2 per minute")
    with limited_app.app_context():
        event = make_event()
        from eventhub.events.registration import Attendee, register

        anna, anna_token = register(event.id, Attendee("Anna", "A", "a@example.org"))
        bernd, _ = register(event.id, Attendee("Bernd", "B", "b@example.org"))
        path = f"/r/{anna_token}/network/contact/{bernd.id}"
    client = limited_app.test_client()
    statuses = [client.post(path, data={"message": MESSAGE}).status_code for _ in range(3)]
    assert statuses[-1] == 429 and 429 not in statuses[:2]
    assert client.get(path).status_code != 429  # reading is never limited


# --- the requests page ------------------------------------------------------------------


def test_requests_page_runs_a_fixed_number_of_queries(
    client, app, make_event, person, bulk_registrations, query_counter
):
    app.config.update(NETWORK_CONTACT_REQUESTS_PER_HOUR=100, NETWORK_CONTACT_REQUESTS_PER_EVENT=100)
    event = make_event(capacity=None)
    me, my_token = person(event)
    bulk_registrations(event, 40)
    db.session.execute(
        update(Registration)
        .where(Registration.id != me.id)
        .values(directory_visibility="participants")
    )
    db.session.commit()
    others = iter(db.session.scalars(select(Registration.id).where(Registration.id != me.id)))

    def measure() -> int:
        with query_counter() as statements:
            response = client.get(f"/r/{my_token}/network/requests")
        assert response.status_code == 200
        return len(statements)

    def add(n: int) -> None:
        """n requests each way; of those to me, one accepted and one blocked."""
        for _ in range(n):
            send_contact_request(me.id, next(others), MESSAGE)
            incoming = send_contact_request(next(others), me.id, MESSAGE)
        contacts.answer_contact_request(incoming.id, me.id, accept=True)
        blocked = send_contact_request(next(others), me.id, MESSAGE)
        contacts.block_sender(blocked.id, me.id)

    add(1)
    small = measure()
    add(12)
    page = client.get(f"/r/{my_token}/network/requests").get_data(as_text=True)
    assert page.count('value="accept"') == 11  # 13 to me, two of them accepted
    assert page.count("mailto:") == 2 and page.count("Blockierung aufheben") >= 2
    assert measure() == small


# --- a person, not a registration -----------------------------------------------------


def test_block_and_limits_hold_when_the_sender_cancels_and_registers_again(
    app, make_event, person, outbox
):
    """Blocks and limits follow the address within the event: a new registration of the
    same person starts where the cancelled one left off."""
    app.config.update(NETWORK_CONTACT_REQUESTS_PER_HOUR=100, NETWORK_CONTACT_REQUESTS_PER_EVENT=3)
    event = make_event(capacity=None)
    fritz, _ = person(event, email="fritz@example.org")
    dieter, _ = person(event, email="dieter@example.org")
    others = [person(event)[0].id for _ in range(2)]
    request = send_contact_request(fritz.id, dieter.id, MESSAGE)
    contacts.block_sender(request.id, dieter.id)
    for other in others:
        send_contact_request(fritz.id, other, MESSAGE)
    cancel_registration(fritz.id)
    again, _ = person(event, email="Fritz@Example.org")

    with pytest.raises(ContactRefused) as refused:
        send_contact_request(again.id, person(event)[0].id, MESSAGE)
    assert refused.value.reason == "total"

    app.config["NETWORK_CONTACT_REQUESTS_PER_EVENT"] = 10
    mails = len(outbox(kind="contact_request"))
    send_contact_request(again.id, dieter.id, MESSAGE)  # looks sent ...
    assert len(outbox(kind="contact_request")) == mails  # ... but the block holds


def test_two_people_who_asked_each_other_are_connected_once(pair, outbox):
    _event, (anna, _), (bernd, _) = pair
    first = send_contact_request(anna.id, bernd.id, MESSAGE)
    with pytest.raises(ContactRefused) as refused:
        send_contact_request(bernd.id, anna.id, MESSAGE)
    assert refused.value.reason == "asked_you"
    assert refused.value.status == 409

    # Both got in at the same moment (the check could not see the other's request):
    crossing = ContactRequest(
        event_id=anna.event_id,
        sender_id=bernd.id,
        recipient_id=anna.id,
        message=MESSAGE,
        token_hash=hash_token("crossing"),
    )
    db.session.add(crossing)
    db.session.commit()
    contacts.answer_contact_request(first.id, bernd.id, accept=True)
    assert status_of(crossing.id) == "accepted"  # in contact: the other request is settled
    with pytest.raises(ContactRefused) as refused:
        contacts.answer_contact_request(crossing.id, anna.id, accept=True)
    assert refused.value.reason == "answered"
    assert len(outbox(kind="contact_accepted")) == 2  # one pair of addresses, not two
    overview = contacts.contact_overview(db.session.get(Registration, anna.id))
    assert [entry.other.id for entry in overview.contacts] == [bernd.id]


def test_the_directory_offers_no_new_request_to_a_contact(client, pair, outbox):
    _event, (anna, anna_token), (bernd, _) = pair
    page = client.get(f"/r/{anna_token}/network").get_data(as_text=True)
    assert f"/network/contact/{bernd.id}" in page
    request = send_contact_request(anna.id, bernd.id, MESSAGE)
    contacts.answer_contact_request(request.id, bernd.id, accept=True)
    page = client.get(f"/r/{anna_token}/network").get_data(as_text=True)
    assert f"/network/contact/{bernd.id}" not in page
    assert "Sie stehen in Kontakt." in page and f"/r/{anna_token}/network/requests" in page
