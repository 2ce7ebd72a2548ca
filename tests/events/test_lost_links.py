""" "Send me my links": the private links of an address's registrations, again by mail."""

from __future__ import annotations

import re

import time_machine

from eventhub.models.base import utcnow
from tests.conftest import in_days

PAGE = "/my-registrations"


def links_in(outbox, row) -> list[str]:
    return re.findall(r"http://eventhub\.test(/r/\S+)", outbox.text(row))


def ask(client, email: str):
    response = client.post(PAGE, data={"email": email})
    response.close()  # as a server does once the answer is sent: the deferred work runs
    return response


def test_the_links_of_active_registrations_are_mailed(
    client, make_event, make_registration, outbox
):
    first, second, cancelled = (make_event(starts=in_days(d)) for d in (20, 10, 5))
    _r1, token = make_registration(first, email="Anna@Example.org", first_name="Anna")
    make_registration(second, email="anna@example.org", first_name="Anna")
    from eventhub.events.registration import cancel_registration

    gone, _t = make_registration(cancelled, email="anna@example.org")
    cancel_registration(gone.id)
    make_registration(first, email="someone.else@example.org")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'class="trap" aria-hidden="true"' in page.get_data(as_text=True)
    response = ask(client, "ANNA@example.org")
    assert response.headers["Location"] == PAGE
    assert "an diese Adresse geschickt" in client.get(PAGE).get_data(as_text=True)
    [row] = outbox(kind="my_links")
    assert row.recipient.lower() == "anna@example.org"
    text = outbox.text(row)
    # the upcoming ones, soonest first; not the cancelled one
    assert text.index(second.title) < text.index(first.title)
    assert cancelled.title not in text
    links = links_in(outbox, row)
    assert len(links) == 2
    for link in links:
        html = client.get(link).get_data(as_text=True)
        assert "Ihre Anmeldung" in html
    assert client.get(f"/r/{token}").status_code == 200  # the confirmation's link still works
    # asking again replaces the mailed links, not the confirmation's
    ask(client, "anna@example.org")
    new_links = links_in(outbox, outbox.last(kind="my_links"))
    assert set(new_links).isdisjoint(links)
    assert [client.get(link).status_code for link in links] == [404] * 2
    assert all(client.get(link).status_code == 200 for link in new_links)
    assert client.get(f"/r/{token}").status_code == 200
    message = outbox.parse(row)
    assert "Anmeldung öffnen" in message.get_body(("html",)).get_content()


def test_events_that_are_over_are_left_out(client, make_event, make_registration, outbox):
    soon = make_event(starts=in_days(2))
    make_registration(soon, email="anna@example.org")
    with time_machine.travel(in_days(3, 12)):
        ask(client, "anna@example.org")
    assert outbox(kind="my_links") == []


def test_unknown_address_same_answer_same_work_no_mail(
    client, make_event, make_registration, outbox, query_counter
):
    event = make_event()
    make_registration(event, email="anna@example.org")
    responses, counts = [], []
    for email in ("anna@example.org", "niemand@example.org"):
        with query_counter() as queries:
            responses.append(client.post(PAGE, data={"email": email}))
        counts.append(len(queries))
    assert outbox(kind="my_links") == []  # nothing done yet for either
    for response in responses:
        response.close()
    assert [(r.status_code, r.headers["Location"]) for r in responses] == [(303, PAGE)] * 2
    assert counts[0] == counts[1]
    assert [row.recipient for row in outbox(kind="my_links")] == ["anna@example.org"]


def test_mails_stop_at_the_inbox_limit(app, client, make_event, make_registration, outbox):
    app.config["MAILS_PER_MAILBOX_PER_HOUR"] = 3
    make_registration(make_event(), email="anna@example.org")  # the confirmation: 1
    for _ in range(4):
        ask(client, "anna@example.org")  # the same inbox each time
    assert len(outbox(kind="my_links")) == 2  # 1 confirmation + 2 link mails = the limit


def test_requests_are_limited_per_client(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, LOST_LINKS_RATELIMIT="3 per hour")
    client = app.test_client()
    statuses = [client.post(PAGE, data={"email": f"p{n}@example.org"}) for n in range(4)]
    for response in statuses:
        response.close()
    assert [r.status_code for r in statuses] == [303, 303, 303, 429]


def test_the_bot_checks_apply(app, client, make_event, make_registration, outbox):
    app.config.update(BOT_PROTECTION=True, BOT_MIN_FILL_SECONDS=3)
    make_registration(make_event(), email="anna@example.org")
    with time_machine.travel(utcnow(), tick=False) as clock:
        page = client.get(PAGE).get_data(as_text=True)
        stamp = re.search(r'name="issued" type="hidden" value="([^"]+)"', page).group(1)
        clock.shift(20)
        trapped = client.post(
            PAGE, data={"email": "anna@example.org", "issued": stamp, "leave_empty": "x"}
        )
        assert trapped.status_code == 422
        quick = client.post(PAGE, data={"email": "anna@example.org"})
        assert quick.status_code == 422
        good = client.post(PAGE, data={"email": "anna@example.org", "issued": stamp})
        good.close()
        assert good.status_code == 303
    assert len(outbox(kind="my_links")) == 1


def test_an_organiser_renewing_the_link_revokes_the_mailed_one(
    client, make_event, make_registration, outbox
):
    from eventhub.events.registration import renew_manage_link

    registration, _token = make_registration(make_event(), email="anna@example.org")
    ask(client, "anna@example.org")
    [link] = links_in(outbox, outbox.last(kind="my_links"))
    renew_manage_link(registration.id)
    assert client.get(link).status_code == 404
