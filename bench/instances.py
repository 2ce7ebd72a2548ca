"""Random meeting-scheduling instances, shared by bench/meetings.py and the scheduler's
tests (tests/network/test_scheduling.py), so both measure and check the same thing.

Random distinct pairs; 30 % of people mark 1–3 slots unavailable; 30 % have a cap of 2–5
meetings, the rest 6; 20 % of requests name two preferred slots; a few meetings are
already placed. The same seed gives the same instance.
"""

from __future__ import annotations

import random

from eventhub.network.scheduling import MeetingRequest, PlacedMeeting, SchedulingProblem


def generate(seed: int, people: int, requests: int, slots: int, tables: int) -> SchedulingProblem:
    rng = random.Random(seed)
    slot_ids = [f"slot {i + 1}" for i in range(slots)]
    table_ids = [f"Tisch {i + 1}" for i in range(tables)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < requests + 10:
        a, b = rng.sample(range(people), 2)
        pairs.add((min(a, b), max(a, b)))
    pair_list = sorted(pairs)
    rng.shuffle(pair_list)
    placed, busy = [], set()
    for i, (a, b) in enumerate(pair_list[:10]):
        slot = slot_ids[i % slots]
        if (a, slot) not in busy and (b, slot) not in busy:
            placed.append(PlacedMeeting(a, b, slot, table_ids[i // slots]))
            busy.update({(a, slot), (b, slot)})
    request_list = [
        MeetingRequest(i, a, b, tuple(rng.sample(slot_ids, 2)) if rng.random() < 0.2 else ())
        for i, (a, b) in enumerate(pair_list[10:])
    ]
    unavailable = {
        p: set(rng.sample(slot_ids, rng.randint(1, 3))) for p in range(people) if rng.random() < 0.3
    }
    caps = {p: rng.randint(2, 5) for p in range(people) if rng.random() < 0.3}
    return SchedulingProblem(
        slot_ids, table_ids, request_list, placed, unavailable, caps, default_cap=6
    )
