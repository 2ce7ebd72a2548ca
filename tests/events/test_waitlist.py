"""The waiting list, seat offers, approval and hybrid seat pools: the rules of
eventhub.events.seats and eventhub.events.waitlist, through the registration service."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import func, select

from eventhub.events.registration import (
    Attendee,
    GroupContact,
    RegistrationRefused,
    cancel_registration,
    register,
    register_group,
    release_expired_holds,
)
from eventhub.events.seats import offer_deadline
from eventhub.events.waitlist import (
    NotOffered,
    OfferExpired,
    accept_offer,
    approve,
    decline,
    move,
    promote,
)
from eventhub.extensions import db
from eventhub.models import SEAT_STATUSES, Event, OutboxMessage, Registration
from eventhub.models.base import utcnow
from tests.conftest import in_days


def person(n: int | str, **extra) -> Attendee:
    return Attendee("Person", str(n), f"p{n}@example.org", **extra)


def wait(event: Event, n: int | str, **extra):
    return register(event.id, person(n, **extra), if_full="wait")


def status(registration_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Registration, registration_id).status


def seats_held(event: Event, mode: str = "onsite") -> tuple[int, int]:
    """(registrations holding a seat, the event's counter) in one pool."""
    db.session.expire_all()
    rows = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == event.id,
            Registration.attendance == mode,
            Registration.status.in_(SEAT_STATUSES),
            Registration.role != "speaker",
        )
    )
    fresh = db.session.get(Event, event.id)
    counter = fresh.online_confirmed_count if mode == "online" else fresh.confirmed_count
    return rows, counter


def kinds(registration: Registration) -> list[str]:
    return list(
        db.session.scalars(
            select(OutboxMessage.kind)
            .where(OutboxMessage.registration_id == registration.id)
            .order_by(OutboxMessage.id)
        )
    )


def waiting_group(event: Event, **options) -> list:
    """Two colleagues registered together by their employer, asking to wait if full."""
    return register_group(
        event.id,
        [person("g1"), person("g2")],
        contact=GroupContact("Chefin", "chefin@example.org"),
        **({"if_full": "wait"} | options),
    )


@pytest.fixture
def full_event(make_event, make_registration):
    """Two seats, both taken; returns (event, [the two confirmed registrations])."""

    def factory(**overrides):
        event = make_event(capacity=overrides.pop("capacity", 2), **overrides)
        taken = [make_registration(event)[0] for _ in range(event.capacity)]
        return event, taken

    return factory


def test_a_full_event_refuses_unless_asked_to_wait(full_event):
    event, _taken = full_event()
    with pytest.raises(RegistrationRefused) as refused:
        register(event.id, person(1))
    assert refused.value.reason == "full"
    registration, _token = wait(event, 1)
    assert registration.status == "waiting"
    assert kinds(registration) == ["waiting"]
    assert seats_held(event) == (2, 2)


def test_without_a_waiting_list_a_full_event_refuses_even_when_asked(full_event):
    event, _taken = full_event(waitlist="off")
    with pytest.raises(RegistrationRefused):
        wait(event, 1)


def test_a_freed_seat_goes_to_the_head_of_the_list_at_once(full_event):
    event, taken = full_event()
    first, _ = wait(event, 1)
    second, _ = wait(event, 2)
    cancel_registration(taken[0].id)
    assert (status(first.id), status(second.id)) == ("confirmed", "waiting")
    assert kinds(first) == ["waiting", "confirmation"]
    assert seats_held(event) == (2, 2)


def test_a_group_at_the_head_that_does_not_fit_is_not_skipped(full_event):
    event, taken = full_event(capacity=3)
    group = waiting_group(event)
    single, _ = wait(event, "s")
    cancel_registration(taken[0].id)  # one seat: the group of two does not fit
    assert [status(r.id) for r, _ in group] == ["waiting", "waiting"]
    assert status(single.id) == "waiting", "the single behind the group skipped it"
    # A newcomer does not take the free seat either: they queue behind.
    newcomer, _ = wait(event, "new")
    assert newcomer.status == "waiting"
    cancel_registration(taken[1].id)  # two seats: the group gets them, together
    assert [status(r.id) for r, _ in group] == ["confirmed", "confirmed"]
    assert status(single.id) == "waiting"
    assert seats_held(event) == (3, 3)


def test_fill_with_whoever_fits_lets_smaller_entries_move_up(full_event):
    event, taken = full_event(capacity=3, waitlist_fill=True)
    group = waiting_group(event)
    single, _ = wait(event, "s")
    cancel_registration(taken[0].id)
    assert status(single.id) == "confirmed"
    assert [status(r.id) for r, _ in group] == ["waiting", "waiting"]
    assert seats_held(event) == (3, 3)


def test_a_capacity_raise_serves_the_list_in_order(app, make_event, full_event):
    from eventhub.events.records import event_to_dict, upsert_event
    from eventhub.events.schema import EventRecord

    event, _taken = full_event()
    waiting = [wait(event, n)[0] for n in range(5)]
    record = {**event_to_dict(db.session.get(Event, event.id)), "capacity": 5}
    upsert_event(EventRecord.model_validate(record))
    db.session.commit()
    assert [status(r.id) for r in waiting] == ["confirmed"] * 3 + ["waiting"] * 2
    assert seats_held(event) == (5, 5)


def test_someone_who_left_the_list_is_never_promoted(full_event):
    event, taken = full_event()
    leaver, _ = wait(event, "leaver")
    stayer, _ = wait(event, "stayer")
    cancel_registration(leaver.id)
    assert status(leaver.id) == "cancelled"
    assert kinds(leaver) == ["waiting", "left"]
    cancel_registration(taken[0].id)
    assert status(leaver.id) == "cancelled"
    assert status(stayer.id) == "confirmed"


def test_one_active_registration_per_person_while_waiting(full_event):
    event, _taken = full_event()
    wait(event, 1)
    with pytest.raises(RegistrationRefused) as refused:
        wait(event, 1)
    assert refused.value.reason == "duplicate"


# --- offers ------------------------------------------------------------------------


def test_offer_mode_offers_the_seat_and_accepting_confirms(full_event):
    event, taken = full_event(waitlist="offer")
    waiting, token = wait(event, 1)
    cancel_registration(taken[0].id)
    db.session.expire_all()
    offered = db.session.get(Registration, waiting.id)
    assert offered.status == "offered"
    assert offered.offer_expires_at is not None
    assert seats_held(event) == (2, 2), "the offered seat is held"
    # Nobody else takes the held seat meanwhile.
    with pytest.raises(RegistrationRefused):
        register(event.id, person("other"))
    accept_offer(waiting.id, token)
    assert status(waiting.id) == "confirmed"
    assert kinds(waiting) == ["waiting", "offered", "confirmation"]
    # A second click (another tab) changes nothing and sends nothing.
    accept_offer(waiting.id, token)
    assert kinds(waiting) == ["waiting", "offered", "confirmation"]


def test_an_expired_offer_goes_to_the_next_and_a_late_accept_is_refused(full_event):
    event, taken = full_event(waitlist="offer")
    first, first_token = wait(event, 1)
    second, _ = wait(event, 2)
    cancel_registration(taken[0].id)
    db.session.expire_all()
    deadline = db.session.get(Registration, first.id).offer_expires_at
    with time_machine.travel(deadline + dt.timedelta(minutes=1), tick=False):
        assert release_expired_holds() == 1
        assert status(first.id) == "cancelled"
        assert db.session.get(Registration, first.id).status_reason == "offer_expired"
        assert status(second.id) == "offered"
        with pytest.raises(OfferExpired):
            accept_offer(first.id, first_token)
    assert kinds(first) == ["waiting", "offered", "offer_expired"]
    assert seats_held(event) == (2, 2)


def test_a_late_accept_is_refused_even_before_the_scheduled_job_ran(full_event):
    event, taken = full_event(waitlist="offer")
    first, token = wait(event, 1)
    cancel_registration(taken[0].id)
    db.session.expire_all()
    deadline = db.session.get(Registration, first.id).offer_expires_at
    with (
        time_machine.travel(deadline + dt.timedelta(seconds=1), tick=False),
        pytest.raises(OfferExpired),
    ):
        accept_offer(first.id, token)
    assert status(first.id) == "cancelled"


def test_declining_an_offer_passes_it_on(full_event):
    event, taken = full_event(waitlist="offer")
    first, _ = wait(event, 1)
    second, _ = wait(event, 2)
    cancel_registration(taken[0].id)
    cancel_registration(first.id)  # "no, thanks"
    assert kinds(first) == ["waiting", "offered", "left"]
    assert status(second.id) == "offered"
    assert seats_held(event) == (2, 2)


def test_accepting_without_an_offer_is_refused(full_event):
    event, _taken = full_event(waitlist="offer")
    waiting, token = wait(event, 1)
    with pytest.raises(NotOffered):
        accept_offer(waiting.id, token)


def test_offers_are_shorter_when_the_event_is_close(make_event):
    event = make_event(waitlist="offer", offer_hours=24, starts=in_days(10))
    now = utcnow()
    assert offer_deadline(event, now) == now + dt.timedelta(hours=24)
    event.starts_at = now + dt.timedelta(hours=6)
    assert offer_deadline(event, now) == now + dt.timedelta(hours=3)
    event.starts_at = now + dt.timedelta(minutes=20)
    assert offer_deadline(event, now) == now + dt.timedelta(minutes=30)


def test_events_that_confirm_addresses_offer_rather_than_confirm(full_event):
    """Accepting by the link in the mail proves the address, as confirming it would."""
    event, taken = full_event(confirm_email=True)
    waiting, _ = register(
        event.id, person(1, source="api"), if_full="wait"
    )  # not "web": no address hold for the first step
    cancel_registration(taken[0].id)
    assert status(waiting.id) == "offered"


def test_the_list_is_not_served_once_the_event_has_started(full_event):
    event, taken = full_event(starts=in_days(1))
    waiting, _ = wait(event, 1)
    with time_machine.travel(event.starts_at + dt.timedelta(minutes=5), tick=False):
        cancel_registration(taken[0].id)
    assert status(waiting.id) == "waiting"


# --- the organisers' hand ------------------------------------------------------------


def test_move_reorders_and_tells_those_whose_place_changed(full_event):
    event, taken = full_event()
    people = [wait(event, n)[0] for n in range(3)]
    assert move(event.id, people[2].id, 1) == 1
    assert kinds(people[2])[-1] == "position"
    assert kinds(people[0])[-1] == "position"
    cancel_registration(taken[0].id)
    assert [status(p.id) for p in people] == ["waiting", "waiting", "confirmed"]


def test_promote_by_hand_gives_a_free_seat_or_makes_them_next(full_event):
    event, taken = full_event(capacity=3)
    group = waiting_group(event)
    single, _ = wait(event, "s")
    later, _ = wait(event, "later")
    assert promote(event.id, later.id) == "head"
    cancel_registration(taken[0].id)  # one seat: the new head takes it, the group waits
    assert status(later.id) == "confirmed"
    assert status(single.id) == "waiting"
    assert [status(r.id) for r, _ in group] == ["waiting", "waiting"]


# --- approval ------------------------------------------------------------------------


def test_approval_holds_no_seat_until_approved(make_event):
    event = make_event(capacity=2, approval=True)
    pending, _ = register(event.id, person(1))
    assert pending.status == "pending"
    assert kinds(pending) == ["pending"]
    assert seats_held(event) == (0, 0)
    decisions = approve(event.id, [pending.id])
    assert decisions.confirmed == [pending.id]
    assert status(pending.id) == "confirmed"
    assert kinds(pending) == ["pending", "confirmation"]
    assert seats_held(event) == (1, 1)
    assert approve(event.id, [pending.id]).skipped == [pending.id]


def test_organisers_registrations_skip_approval(make_event):
    event = make_event(capacity=2, approval=True)
    registration, _ = register(event.id, person(1, source="manual"))
    assert registration.status == "confirmed"


def test_approval_when_full_puts_people_on_the_waiting_list_in_arrival_order(make_event):
    event = make_event(capacity=1, approval=True)
    first, second, third = (register(event.id, person(n))[0] for n in range(3))
    decisions = approve(event.id, [third.id, second.id, first.id])
    assert decisions.confirmed == [first.id]
    assert decisions.waiting == [second.id, third.id]
    assert [status(r.id) for r in (first, second, third)] == ["confirmed", "waiting", "waiting"]
    assert seats_held(event) == (1, 1)


def test_approval_without_a_waiting_list_leaves_the_rest_pending(make_event):
    event = make_event(capacity=1, approval=True, waitlist="off")
    first, second = (register(event.id, person(n))[0] for n in range(2))
    decisions = approve(event.id, [first.id, second.id])
    assert (decisions.confirmed, decisions.still_pending) == ([first.id], [second.id])
    assert status(second.id) == "pending"


def test_decline_sends_the_note_and_frees_nothing(make_event, outbox):
    event = make_event(capacity=1, approval=True)
    pending, _ = register(event.id, person(1))
    quiet, _ = register(event.id, person(2))
    assert decline(event.id, [pending.id], note="Leider nur für Mitglieder.") == 1
    assert decline(event.id, [quiet.id], notify=False) == 1
    assert status(pending.id) == "declined"
    assert kinds(pending) == ["pending", "declined"]
    assert kinds(quiet) == ["pending"]
    assert "Leider nur für Mitglieder." in outbox.text(outbox.last(kind="declined"))


def test_withdrawing_while_pending(make_event):
    event = make_event(capacity=1, approval=True)
    pending, _ = register(event.id, person(1))
    cancel_registration(pending.id)
    assert status(pending.id) == "cancelled"
    assert kinds(pending) == ["pending", "withdrawn"]
    assert seats_held(event) == (0, 0)


# --- hybrid --------------------------------------------------------------------------


def test_hybrid_pools_fill_and_wait_separately(make_event):
    event = make_event(
        capacity=1, hybrid=True, online_capacity=1, online_url="https://meet.example.org/x"
    )
    online = register(event.id, person("on1", attendance="online"))[0]
    online_waiting, _ = wait(event, "on2", attendance="online")
    assert online_waiting.status == "waiting"
    onsite, _ = register(event.id, person("site1"))  # on site is still open
    assert onsite.status == "confirmed"
    site_waiting, _ = wait(event, "site2")
    cancel_registration(onsite.id)  # an on-site seat: the online list does not move
    assert status(online_waiting.id) == "waiting"
    assert status(site_waiting.id) == "confirmed"
    cancel_registration(online.id)
    assert status(online_waiting.id) == "confirmed"
    assert seats_held(event, "online") == (1, 1)
    assert seats_held(event, "onsite") == (1, 1)


def test_an_attendance_the_event_does_not_offer_is_refused(make_event):
    event = make_event(capacity=5)
    with pytest.raises(RegistrationRefused) as refused:
        register(event.id, person(1, attendance="online"))
    assert refused.value.reason == "attendance"


def test_someone_waiting_who_registers_again_is_told_by_mail(full_event, outbox):
    event, _taken = full_event()
    waiting, _ = wait(event, 1)
    with pytest.raises(RegistrationRefused):
        wait(event, 1)
    assert outbox.last(kind="already_registered").registration_id == waiting.id


def test_a_lapsed_offer_shows_as_expired_before_the_job_ran(client, full_event):
    event, taken = full_event(waitlist="offer")
    waiting, token = wait(event, 1)
    cancel_registration(taken[0].id)
    db.session.expire_all()
    deadline = db.session.get(Registration, waiting.id).offer_expires_at
    with time_machine.travel(deadline + dt.timedelta(minutes=1), tick=False):
        page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Ihr Platzangebot ist abgelaufen" in page
    assert "Platz annehmen" not in page


def test_a_blocking_group_that_leaves_lets_the_next_move_up(full_event):
    event, taken = full_event(capacity=3)
    group = waiting_group(event)
    single, _ = wait(event, "s")
    cancel_registration(taken[0].id)  # one seat; the group at the head does not fit
    assert status(single.id) == "waiting"
    cancel_registration(group[0][0].id)  # one of the two leaves: the rest fits the seat
    assert status(group[1][0].id) == "confirmed", "the rest of the group fits and moves up"
    assert status(single.id) == "waiting"
    cancel_registration(taken[1].id)
    assert status(single.id) == "confirmed"
    assert seats_held(event) == (3, 3)


def test_a_group_that_leaves_entirely_lets_the_next_move_up(full_event):
    event, taken = full_event(capacity=3)
    group = waiting_group(event)
    single, _ = wait(event, "s")
    cancel_registration(taken[0].id)
    from eventhub.events.registration import cancel_registrations

    cancel_registrations(event.id, [r.id for r, _ in group], notify=True)
    assert status(single.id) == "confirmed", "the free seat waited behind a group now gone"


def test_approving_one_person_of_a_group_approves_the_group(make_event):
    event = make_event(capacity=5, approval=True)
    group = waiting_group(event, if_full="refuse")
    assert [r.status for r, _ in group] == ["pending", "pending"]
    decisions = approve(event.id, [group[0][0].id])
    assert sorted(decisions.confirmed) == sorted(r.id for r, _ in group)
    assert seats_held(event) == (2, 2)


def test_a_list_switched_off_takes_nobody_new_but_serves_those_on_it(app, full_event):
    from eventhub.events.records import event_to_dict, upsert_event
    from eventhub.events.schema import EventRecord

    event, taken = full_event()
    waiting, _ = wait(event, 1)
    record = {**event_to_dict(db.session.get(Event, event.id)), "waitlist": "off"}
    upsert_event(EventRecord.model_validate(record))
    db.session.commit()
    with pytest.raises(RegistrationRefused):
        wait(event, 2)
    cancel_registration(taken[0].id)
    assert status(waiting.id) == "confirmed"
    with pytest.raises(RegistrationRefused):
        register(event.id, person(3))


def test_the_event_page_says_full_while_a_waiting_group_blocks_the_free_seat(client, full_event):
    event, taken = full_event(capacity=3)
    waiting_group(event)
    cancel_registration(taken[0].id)  # one seat free, the group of two at the head
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Ausgebucht – Warteliste offen" in page
    assert "1 Platz frei" not in page and "Jetzt anmelden" not in page
    assert "Auf die Warteliste" in page


def test_an_online_participant_sees_the_link_not_the_venue(client, make_event):
    event = make_event(
        capacity=5, hybrid=True, online_capacity=5, online_url="https://meet.example.org/x"
    )
    _online, token = register(event.id, person("net", attendance="online"))
    _onsite, site_token = register(event.id, person("site"))
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert 'href="https://meet.example.org/x"' in page and "Lohnhalle" not in page
    assert "Lohnhalle" in client.get(f"/r/{site_token}").get_data(as_text=True)
