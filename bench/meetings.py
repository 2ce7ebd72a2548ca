"""Compare the meeting scheduler with the greedy baseline on generated instances.

Usage: .venv/bin/python bench/meetings.py [--seeds 3]

For each size (people, requests, slots, tables) and seed: random distinct pairs; 30 % of
people mark 1–3 slots unavailable; 30 % have a cap of 2–5 meetings, the rest 6; 20 % of
requests name two preferred slots; a few meetings are already placed. Prints the requests,
meetings placed by greedy and by the scheduler, an upper bound (no plan can place more:
the least of usable requests, free table-slots and the fractional cap matching), preferred
slots honoured, idle gaps in people's days, and the time of each in ms. Aim: the issue's
150/400/8/20 in seconds; the scheduler never below greedy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.instances import generate
from eventhub.network.scheduling import (
    SchedulePlan,
    SchedulingProblem,
    greedy_baseline,
    schedule,
    upper_bound,
)

SIZES = [  # people, requests, slots, tables
    (40, 80, 4, 8),
    (150, 400, 8, 20),  # the instance: 160 table-slots for 400 requests
    (150, 400, 8, 40),
    (150, 600, 8, 60),
    (300, 900, 10, 60),
    (500, 2000, 12, 150),
]


def quality(problem: SchedulingProblem, plan: SchedulePlan) -> tuple[int, int]:
    """Preferred slots honoured, and idle slots between a person's first and last meeting."""
    requests = {r.request_id: r for r in problem.requests}
    position = {slot: i for i, slot in enumerate(problem.slots)}
    honoured = sum(
        p.slot in requests[p.request_id].preferred_slots
        for p in plan.placements
        if requests[p.request_id].preferred_slots
    )
    used: dict[object, list[int]] = {}
    for p in plan.placements:
        r = requests[p.request_id]
        for person in (r.person_a, r.person_b):
            used.setdefault(person, []).append(position[p.slot])
    for m in problem.placed:
        if m.slot in position:
            for person in (m.person_a, m.person_b):
                used.setdefault(person, []).append(position[m.slot])
    gaps = sum(max(s) - min(s) + 1 - len(s) for s in used.values())
    return honoured, gaps


def timed(function, problem):
    started = time.perf_counter()
    result = function(problem)
    return result, (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'people/req/slots/tables':>24} {'seed':>4} {'greedy':>6} {'sched':>6} {'bound':>6}"
        f" {'pref g/s':>9} {'gaps g/s':>9} {'greedy ms':>9} {'sched ms':>9}"
    )
    for size in SIZES:
        for seed in range(1, args.seeds + 1):
            problem = generate(seed, *size)
            greedy, greedy_ms = timed(greedy_baseline, problem)
            plan, plan_ms = timed(schedule, problem)
            bound = upper_bound(problem)
            (g_pref, g_gaps), (s_pref, s_gaps) = quality(problem, greedy), quality(problem, plan)
            label = "/".join(map(str, size))
            print(
                f"{label:>24} {seed:>4} {greedy.placed_count:>6} {plan.placed_count:>6}"
                f" {bound:>6} {f'{g_pref}/{s_pref}':>9} {f'{g_gaps}/{s_gaps}':>9}"
                f" {greedy_ms:>9.0f} {plan_ms:>9.0f}"
            )
            assert greedy.placed_count <= plan.placed_count <= bound


if __name__ == "__main__":
    main()
