"""The meeting scheduler: every plan re-checked from scratch by an independent checker,
small instances with a known optimum (some beyond the greedy baseline), and generated
instances of the issue's size."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from bench.instances import generate
from eventhub.network.scheduling import (
    MeetingRequest,
    PlacedMeeting,
    Placement,
    SchedulePlan,
    SchedulingProblem,
    greedy_baseline,
    schedule,
    upper_bound,
)


def check_plan(problem: SchedulingProblem, plan: SchedulePlan) -> None:
    """Re-check every rule from the problem alone; knows nothing of the scheduler."""
    requests = {request.request_id: request for request in problem.requests}
    placed_ids = [placement.request_id for placement in plan.placements]
    everything = sorted(map(repr, placed_ids + list(plan.unplaced)))
    assert everything == sorted(map(repr, requests)), "not exactly once placed or unplaced"
    slots, tables = set(problem.slots), set(problem.tables)

    person_slot: Counter = Counter()
    table_slot: Counter = Counter()
    meetings: Counter = Counter()
    for meeting in problem.placed:
        meetings.update([meeting.person_a, meeting.person_b])
        if meeting.slot in slots:
            person_slot.update([(meeting.person_a, meeting.slot), (meeting.person_b, meeting.slot)])
            table_slot[(meeting.table, meeting.slot)] += 1
    for placement in plan.placements:
        request = requests[placement.request_id]
        assert placement.slot in slots and placement.table in tables, "unknown slot or table"
        for person in (request.person_a, request.person_b):
            assert placement.slot not in set(problem.unavailable.get(person, ())), (
                f"{person} placed in a slot they marked unavailable"
            )
            person_slot[(person, placement.slot)] += 1
            meetings[person] += 1
        table_slot[(placement.table, placement.slot)] += 1
    assert max(person_slot.values(), default=0) <= 1, "a person in two meetings at once"
    assert max(table_slot.values(), default=0) <= 1, "two meetings at one table in one slot"
    for person, total in meetings.items():
        cap = problem.caps.get(person, problem.default_cap)
        new = total - sum(person in (m.person_a, m.person_b) for m in problem.placed)
        if cap is not None and new:
            assert total <= cap, f"{person} over their cap"

    outcomes = {outcome.person: outcome for outcome in plan.people}
    for person in {p for r in problem.requests for p in (r.person_a, r.person_b)}:
        mine = [r.request_id for r in problem.requests if person in (r.person_a, r.person_b)]
        outcome = outcomes[person]
        assert outcome.requested == len(mine)
        assert outcome.placed == sum(request_id in placed_ids for request_id in mine)
        assert outcome.got_nothing == (
            outcome.placed == 0
            and not any(person in (m.person_a, m.person_b) for m in problem.placed)
        )


def optimum(problem: SchedulingProblem) -> int:
    """Exhaustive search (tiny instances only): the most meetings any valid plan places."""
    requests = list(problem.requests)
    unavailable = {person: set(slots) for person, slots in problem.unavailable.items()}
    free_tables = {
        slot: len(problem.tables) - sum(m.slot == slot for m in problem.placed)
        for slot in problem.slots
    }
    busy = {(p, m.slot) for m in problem.placed for p in (m.person_a, m.person_b)}
    count = Counter(p for m in problem.placed for p in (m.person_a, m.person_b))

    def cap(person):
        value = problem.caps.get(person, problem.default_cap)
        return len(problem.slots) + len(problem.placed) if value is None else value

    best = 0

    def search(i: int, placed: int) -> None:
        nonlocal best
        if placed + len(requests) - i <= best:
            return
        if i == len(requests):
            best = placed
            return
        people = (requests[i].person_a, requests[i].person_b)
        for slot in problem.slots:
            if (
                free_tables[slot]
                and all((p, slot) not in busy for p in people)
                and all(slot not in unavailable.get(p, ()) for p in people)
                and all(count[p] < cap(p) for p in people)
            ):
                free_tables[slot] -= 1
                busy.update((p, slot) for p in people)
                count.update(people)
                search(i + 1, placed + 1)
                count.subtract(people)
                busy.difference_update((p, slot) for p in people)
                free_tables[slot] += 1
        search(i + 1, placed)

    search(0, 0)
    return best


def requests_of(*pairs, preferred=None):
    preferred = preferred or {}
    return [
        MeetingRequest(f"r{i}", a, b, tuple(preferred.get(f"r{i}", ())))
        for i, (a, b) in enumerate(pairs, start=1)
    ]


# Hand-made instances ------------------------------------------------------------------


def test_order_trap_where_greedy_loses_one():
    # Anna–Ben first takes 16:00, the only slot Cem can do, so greedy cannot seat Anna–Cem.
    problem = SchedulingProblem(
        slots=["16:00", "16:15"],
        tables=["T1"],
        requests=requests_of(("Anna", "Ben"), ("Anna", "Cem")),
        unavailable={"Cem": ["16:15"]},
    )
    greedy, plan = greedy_baseline(problem), schedule(problem)
    check_plan(problem, greedy)
    check_plan(problem, plan)
    assert greedy.placed_count == 1
    assert plan.placed_count == 2 == optimum(problem)
    assert plan.placement_of("r2").slot == "16:00"


def test_cap_trap_where_greedy_loses_one():
    # Anna and Ben may have one meeting each: Anna–Cem plus Ben–Dana beats Anna–Ben.
    problem = SchedulingProblem(
        slots=["16:00", "16:15"],
        tables=["T1", "T2"],
        requests=requests_of(("Anna", "Ben"), ("Anna", "Cem"), ("Ben", "Dana")),
        caps={"Anna": 1, "Ben": 1},
    )
    greedy, plan = greedy_baseline(problem), schedule(problem)
    check_plan(problem, plan)
    assert greedy.placed_count == 1
    assert plan.placed_count == 2 == optimum(problem)
    assert plan.unplaced == ("r1",)


def test_one_meeting_in_the_way_of_two():
    # Ben and Cem can only meet at 16:15; Ben–Anna sitting there shuts out Anna–Cem and
    # Dana–Ben, which fit together at the two tables.
    problem = SchedulingProblem(
        slots=["16:00", "16:15"],
        tables=["T1", "T2"],
        requests=requests_of(("Ben", "Anna"), ("Anna", "Cem"), ("Dana", "Ben")),
        unavailable={"Ben": ["16:00"], "Cem": ["16:00"]},
    )
    greedy, plan = greedy_baseline(problem), schedule(problem)
    check_plan(problem, plan)
    assert greedy.placed_count == 1
    assert plan.placed_count == 2 == optimum(problem)
    assert plan.unplaced == ("r1",)


def test_full_tables_are_the_limit():
    # Five people, everyone wants to meet everyone, two slots with one table each.
    people = ["A", "B", "C", "D", "E"]
    pairs = [(a, b) for i, a in enumerate(people) for b in people[i + 1 :]]
    problem = SchedulingProblem(["s1", "s2"], ["T1"], requests_of(*pairs))
    plan = schedule(problem)
    check_plan(problem, plan)
    assert plan.placed_count == 2 == upper_bound(problem)
    assert {p.table for p in plan.placements} == {"T1"}


def test_caps_count_meetings_already_placed():
    problem = SchedulingProblem(
        slots=["s1", "s2", "s3"],
        tables=["T1", "T2"],
        requests=requests_of(("Anna", "Cem"), ("Anna", "Ben"), ("Cem", "Emil")),
        placed=[PlacedMeeting("Anna", "Dana", "s1", "T1")],
        caps={"Anna": 2},
        default_cap=1,
    )
    plan = schedule(problem)
    check_plan(problem, plan)
    # Anna has one meeting already and room for one more; Cem for one: Anna–Cem would
    # leave Ben and Emil with nothing.
    assert plan.placed_count == 2 == optimum(problem)
    assert plan.unplaced == ("r1",)
    outcomes = {o.person: o for o in plan.people}
    assert outcomes["Anna"].already == 1 and outcomes["Anna"].placed == 1
    assert "Dana" not in outcomes  # only people named in a request are reported


def test_cap_reached_by_placed_meetings_leaves_request_out():
    problem = SchedulingProblem(
        slots=["s1", "s2"],
        tables=["T1"],
        requests=requests_of(("Anna", "Ben")),
        placed=[PlacedMeeting("Anna", "Dana", "elsewhere", "T9")],  # another block
        caps={"Anna": 1},
    )
    plan = schedule(problem)
    check_plan(problem, plan)
    assert plan.unplaced == ("r1",)
    assert plan.people_without_meeting == ("Ben",)


def test_unavailable_everywhere_means_unplaced_and_reported():
    problem = SchedulingProblem(
        slots=["s1", "s2"],
        tables=["T1", "T2"],
        requests=requests_of(("Anna", "Ben"), ("Cem", "Dana")),
        unavailable={"Anna": ["s1"], "Ben": ["s2"]},
    )
    plan = schedule(problem)
    check_plan(problem, plan)
    assert plan.unplaced == ("r1",)
    assert set(plan.people_without_meeting) == {"Anna", "Ben"}
    assert upper_bound(problem) == 1


def test_placed_meetings_stay_and_keep_their_tables():
    placed = [
        PlacedMeeting("Anna", "Ben", "s1", "T1"),
        PlacedMeeting("Cem", "Dana", "s2", "T2"),
    ]
    problem = SchedulingProblem(
        slots=["s1", "s2"],
        tables=["T1", "T2"],
        requests=requests_of(("Anna", "Emil"), ("Cem", "Fay"), ("Emil", "Fay")),
        placed=placed,
    )
    plan = schedule(problem)
    check_plan(problem, plan)
    assert plan.placed_count == 2 == optimum(problem)
    assert plan.placement_of("r1") == Placement("r1", "s2", "T1")
    assert plan.placement_of("r2") == Placement("r2", "s1", "T2")
    assert plan.unplaced == ("r3",)
    assert plan.people_without_meeting == ()


def test_preferred_slots_are_honoured_when_free():
    problem = SchedulingProblem(
        slots=["s1", "s2", "s3", "s4"],
        tables=["T1", "T2"],
        requests=requests_of(
            ("Anna", "Ben"),
            ("Cem", "Dana"),
            ("Anna", "Cem"),
            preferred={"r1": ["s3"], "r2": ["s3", "s4"], "r3": ["s4"]},
        ),
    )
    plan = schedule(problem)
    check_plan(problem, plan)
    assert [plan.placement_of(r).slot for r in ("r1", "r2", "r3")] == ["s3", "s3", "s4"]


def test_preference_gives_way_to_one_more_meeting():
    # r1 prefers s1, but s1 is the only slot r2 can use: both placed beats one preference.
    problem = SchedulingProblem(
        slots=["s1", "s2"],
        tables=["T1"],
        requests=requests_of(("Anna", "Ben"), ("Anna", "Cem"), preferred={"r1": ["s1"]}),
        unavailable={"Cem": ["s2"]},
    )
    plan = schedule(problem)
    check_plan(problem, plan)
    assert plan.placement_of("r1").slot == "s2"
    assert plan.placement_of("r2").slot == "s1"


def test_a_persons_meetings_are_kept_together_at_one_table():
    problem = SchedulingProblem(
        slots=["s1", "s2", "s3", "s4", "s5"],
        tables=["T1", "T2", "T3"],
        requests=requests_of(("Firma", "A"), ("Firma", "B"), ("Firma", "C")),
    )
    plan = schedule(problem)
    check_plan(problem, plan)
    slots = sorted(plan.placement_of(r).slot for r in ("r1", "r2", "r3"))
    assert slots == ["s1", "s2", "s3"]  # no idle slot between Firma's talks
    assert {p.table for p in plan.placements} == {"T1"}  # Firma stays at the first table


def test_empty_inputs():
    assert schedule(SchedulingProblem([], [], [])).placements == ()
    no_tables = SchedulingProblem(["s1"], [], requests_of(("Anna", "Ben")))
    plan = schedule(no_tables)
    check_plan(no_tables, plan)
    assert plan.unplaced == ("r1",) and plan.people_without_meeting == ("Anna", "Ben")
    no_slots = SchedulingProblem([], ["T1"], requests_of(("Anna", "Ben")))
    assert schedule(no_slots).unplaced == ("r1",)
    assert upper_bound(no_slots) == 0
    nothing_to_do = SchedulingProblem(["s1"], ["T1"], [], [PlacedMeeting("A", "B", "s1", "T1")])
    assert schedule(nothing_to_do) == SchedulePlan((), (), ())


@pytest.mark.parametrize(
    "problem, message",
    [
        (SchedulingProblem(["s1"], ["T1"], requests_of(("Anna", "Anna"))), "oneself"),
        (
            SchedulingProblem(["s1"], ["T1"], [MeetingRequest(1, "A", "B")] * 2),
            "twice",
        ),
        (
            SchedulingProblem(["s1"], ["T1"], requests_of(("A", "B"), preferred={"r1": ["s9"]})),
            "unknown slots",
        ),
        (
            SchedulingProblem(
                ["s1"],
                ["T1"],
                [],
                [PlacedMeeting("A", "B", "s1", "T1"), PlacedMeeting("A", "C", "s1", "T2")],
            ),
            "unknown table",
        ),
        (
            SchedulingProblem(
                ["s1"],
                ["T1", "T2"],
                [],
                [PlacedMeeting("A", "B", "s1", "T1"), PlacedMeeting("A", "C", "s1", "T2")],
            ),
            "two placed meetings in one slot",
        ),
        (
            SchedulingProblem(
                ["s1"],
                ["T1"],
                [],
                [PlacedMeeting("A", "B", "s1", "T1"), PlacedMeeting("C", "D", "s1", "T1")],
            ),
            "share a table",
        ),
        (SchedulingProblem(["s1", "s1"], ["T1"], []), "slots are not unique"),
    ],
)
def test_contradictory_input_is_refused(problem, message):
    with pytest.raises(ValueError, match=message):
        schedule(problem)


@pytest.mark.parametrize("seed", range(150))
def test_tiny_random_instances_reach_the_optimum(seed):
    rng = random.Random(seed)
    people = [f"p{i}" for i in range(rng.randint(4, 7))]
    slots = [f"s{i}" for i in range(rng.randint(2, 3))]
    tables = [f"T{i}" for i in range(rng.randint(1, 3))]
    requests = [MeetingRequest(i, *rng.sample(people, 2)) for i in range(rng.randint(4, 9))]
    placed = []
    if rng.random() < 0.3:
        placed.append(PlacedMeeting("p0", "p1", slots[0], tables[0]))
    problem = SchedulingProblem(
        slots,
        tables,
        requests,
        placed,
        unavailable={p: [rng.choice(slots)] for p in people if rng.random() < 0.3},
        caps={p: rng.randint(1, 3) for p in people if rng.random() < 0.3},
    )
    plan, greedy = schedule(problem), greedy_baseline(problem)
    check_plan(problem, plan)
    check_plan(problem, greedy)
    best = optimum(problem)
    assert greedy.placed_count <= plan.placed_count == best <= upper_bound(problem)


def test_the_checker_catches_broken_plans():
    problem = SchedulingProblem(
        ["s1", "s2"],
        ["T1", "T2"],
        requests_of(("Anna", "Ben"), ("Anna", "Cem"), ("Dana", "Emil")),
        placed=[PlacedMeeting("Fay", "Gus", "s2", "T2")],
        unavailable={"Emil": ["s1"]},
        caps={"Cem": 0},
    )
    check_plan(problem, schedule(problem))

    def plan(*placements):
        ids = {p[0] for p in placements}
        unplaced = tuple(r.request_id for r in problem.requests if r.request_id not in ids)
        return SchedulePlan(tuple(Placement(*p) for p in placements), unplaced, ())

    broken = [
        (plan(("r1", "s2", "T1"), ("r3", "s2", "T1")), "at one table"),
        (plan(("r1", "s2", "T2")), "at one table"),  # the placed meeting's table
        (plan(("r1", "s1", "T1"), ("r2", "s1", "T2")), "two meetings at once"),
        (plan(("r3", "s1", "T1")), "unavailable"),
        (plan(("r2", "s2", "T1")), "over their cap"),
        (plan(("r1", "s3", "T1")), "unknown slot or table"),
        (SchedulePlan((Placement("r1", "s1", "T1"),), (), ()), "not exactly once"),
    ]
    for wrong, message in broken:
        with pytest.raises(AssertionError, match=message):
            check_plan(problem, wrong)


# Generated instances ------------------------------------------------------------------


def test_deterministic():
    problem = generate(7, people=60, requests=150, slots=6, tables=12)
    again = generate(7, people=60, requests=150, slots=6, tables=12)
    assert schedule(problem) == schedule(problem) == schedule(again)
    assert greedy_baseline(problem) == greedy_baseline(again)


@pytest.mark.parametrize("tables", [20, 40])
@pytest.mark.parametrize("seed", [1, 2])
def test_issue_size_instances(seed, tables):
    # 150 people, 400 requests, 8 slots: with 20 tables the 160 table-slots are the limit,
    # with 40 the people (caps, unavailable slots) are.
    problem = generate(seed, people=150, requests=400, slots=8, tables=tables)
    plan = schedule(problem)
    greedy = greedy_baseline(problem)
    check_plan(problem, plan)
    check_plan(problem, greedy)
    assert greedy.placed_count <= plan.placed_count <= upper_bound(problem)
    assert plan.placed_count >= upper_bound(problem) - 3
