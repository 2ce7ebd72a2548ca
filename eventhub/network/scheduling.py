"""Place accepted meeting requests into slots and tables: the pure scheduler behind
"schedule all accepted requests" (no database, no Flask; plain values in, a plan out).

The problem. Each request is a meeting between two people that needs one slot and one
table. In a slot a person sits in at most one meeting and a table holds at most one
meeting; nobody meets in a slot they marked unavailable; nobody gets more meetings than
their cap (meetings already placed count towards it); meetings already placed stay exactly
where they are. Maximise the number of meetings placed.

Tables are interchangeable for feasibility (any meeting fits any table), so a slot is a
set of pairwise disjoint pairs of at most "free tables in that slot" meetings, and the
plan is a partial edge colouring of the request graph with slots as colours, each colour
class bounded by its table count, plus degree caps. That is NP-hard in general (edge
colouring), so the scheduler is a heuristic with a proof-of-quality figure beside it
(`upper_bound`):

1. Construction: requests in "hardest first" order (fewest slots both people can use,
   then people with the fewest requests), each into the best slot that fits directly.
2. Ejection chains: an unplaced request takes a slot by pushing out the meeting that
   blocks it (the one person's meeting in that slot, or any meeting when the slot's tables
   are full), and the pushed-out meeting looks for another slot the same way, to a bounded
   depth and node budget. A chain succeeds only when every moved meeting is placed again,
   so the count grows by one each time. When a person is at their cap, one of their
   meetings may give way if that frees the other person of it for a meeting that could not
   be placed before (a length-3 augmenting path of the cap matching): again +1.
   More generally one meeting in the way gives way if two can then be placed ("one out,
   two in", up to three links). Steps 1–2 also run from the greedy baseline's plan unless
   the first run already reaches `upper_bound`; the better count wins, so the scheduler
   never places fewer meetings than greedy.
3. Polish (the count never drops): meetings move to another free slot when that honours
   the requester's preferred slots, then when it closes gaps in people's days. Compact days
   are the documented choice: the issue reports that self-scheduling "scatters meetings";
   a person with three meetings is better served by 16:00, 16:15, 16:30 than by 16:00,
   16:45, 17:30.
4. Tables per slot in the given preference order, except that a person who stays for the
   next slot keeps their table when it is free (fewer people walking between talks).

The objective is lexicographic: meetings placed, then preferred slots honoured, then gaps.
Everything is deterministic: the same input (same order) gives the same plan; there is no
randomness and no time limit, only counted budgets. For 150 people, 400 requests, 8 slots
and 20 tables it takes well under a second (see bench/meetings.py).

`greedy_baseline` is the simple method to compare against: requests in the given order,
each in the first slot and first table that fit.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Work budget of one attempt to place one request (nodes of the ejection-chain search).
CHAIN_BUDGET = 400
CHAIN_DEPTH = 4
# Rounds over the unplaced requests; each round that places nothing ends the search.
MAX_ROUNDS = 6
# Augmenting paths through people at their cap: links and tries per request.
SWAP_DEPTH = 3
SWAP_BUDGET = 200
POLISH_ROUNDS = 4

FREE = -1
FIXED = -2


@dataclass(frozen=True)
class MeetingRequest:
    """An accepted request not yet placed; `preferred_slots` empty means any slot."""

    request_id: Hashable
    person_a: Hashable
    person_b: Hashable
    preferred_slots: tuple[Hashable, ...] = ()


@dataclass(frozen=True)
class PlacedMeeting:
    """A meeting already in the plan: it stays exactly where it is."""

    person_a: Hashable
    person_b: Hashable
    slot: Hashable
    table: Hashable


@dataclass(frozen=True)
class SchedulingProblem:
    """Everything the scheduler needs. `slots` in time order, `tables` in preference order
    (the first is filled first). `caps` maps a person to their maximum number of meetings in
    total, placed ones included; people not in it get `default_cap` (None: no cap).
    Unavailable slots or placed meetings in slots not listed in `slots` (another block)
    occupy nothing here, but placed ones still count towards the cap."""

    slots: Sequence[Hashable]
    tables: Sequence[Hashable]
    requests: Sequence[MeetingRequest]
    placed: Sequence[PlacedMeeting] = ()
    unavailable: Mapping[Hashable, Iterable[Hashable]] = field(default_factory=dict)
    caps: Mapping[Hashable, int] = field(default_factory=dict)
    default_cap: int | None = None


@dataclass(frozen=True)
class Placement:
    request_id: Hashable
    slot: Hashable
    table: Hashable


@dataclass(frozen=True)
class PersonOutcome:
    """For the preview: how one person who asked for or was asked for meetings fares."""

    person: Hashable
    requested: int  # requests in this run that involve them
    placed: int  # of those, placed by this plan
    already: int  # meetings they had before (placed meetings, any slot)

    @property
    def got_nothing(self) -> bool:
        return self.placed + self.already == 0


@dataclass(frozen=True)
class SchedulePlan:
    """The result: placements in request order, the requests left out (in request order)
    and one outcome per person named in a request (in order of first appearance)."""

    placements: tuple[Placement, ...]
    unplaced: tuple[Hashable, ...]
    people: tuple[PersonOutcome, ...]

    @property
    def placed_count(self) -> int:
        return len(self.placements)

    def placement_of(self, request_id: Hashable) -> Placement | None:
        for placement in self.placements:
            if placement.request_id == request_id:
                return placement
        return None

    @property
    def people_without_meeting(self) -> tuple[Hashable, ...]:
        """People with at least one request who would have no meeting at all."""
        return tuple(outcome.person for outcome in self.people if outcome.got_nothing)


class _Instance:
    """The problem in integer form: people, slots and tables as indices in input order."""

    def __init__(self, problem: SchedulingProblem) -> None:
        self.problem = problem
        self.slot_ids = list(problem.slots)
        self.table_ids = list(problem.tables)
        slot_index = {slot: i for i, slot in enumerate(self.slot_ids)}
        table_index = {table: i for i, table in enumerate(self.table_ids)}
        if len(slot_index) != len(self.slot_ids):
            raise ValueError("slots are not unique")
        if len(table_index) != len(self.table_ids):
            raise ValueError("tables are not unique")
        self.person_ids: list[Hashable] = []
        person_index: dict[Hashable, int] = {}

        def person(pid: Hashable) -> int:
            if pid not in person_index:
                person_index[pid] = len(self.person_ids)
                self.person_ids.append(pid)
            return person_index[pid]

        seen_requests = set()
        self.ends: list[tuple[int, int]] = []
        self.preferred: list[frozenset[int]] = []
        for request in problem.requests:
            if request.request_id in seen_requests:
                raise ValueError(f"request {request.request_id!r} appears twice")
            seen_requests.add(request.request_id)
            if request.person_a == request.person_b:
                raise ValueError(f"request {request.request_id!r} is a meeting with oneself")
            self.ends.append((person(request.person_a), person(request.person_b)))
            unknown = [slot for slot in request.preferred_slots if slot not in slot_index]
            if unknown:
                raise ValueError(f"request {request.request_id!r} prefers unknown slots")
            self.preferred.append(frozenset(slot_index[s] for s in request.preferred_slots))
        self.requested_people = len(self.person_ids)

        n_slots = len(self.slot_ids)
        # Per slot: table → the two people of the placed meeting there.
        self.fixed_tables: list[dict[int, tuple[int, int]]] = [{} for _ in range(n_slots)]
        fixed_slots: dict[int, set[int]] = {}
        self.already: dict[int, int] = {}
        for meeting in problem.placed:
            a, b = person(meeting.person_a), person(meeting.person_b)
            if a == b:
                raise ValueError("a placed meeting is a meeting with oneself")
            self.already[a] = self.already.get(a, 0) + 1
            self.already[b] = self.already.get(b, 0) + 1
            if meeting.slot not in slot_index:
                continue
            s = slot_index[meeting.slot]
            if meeting.table not in table_index:
                raise ValueError(f"placed meeting at unknown table {meeting.table!r}")
            t = table_index[meeting.table]
            if t in self.fixed_tables[s]:
                raise ValueError("two placed meetings share a table in one slot")
            for p in (a, b):
                if s in fixed_slots.setdefault(p, set()):
                    raise ValueError("a person is in two placed meetings in one slot")
                fixed_slots[p].add(s)
            self.fixed_tables[s][t] = (a, b)

        n_people = len(self.person_ids)
        self.blocked: list[set[int]] = [set(fixed_slots.get(p, ())) for p in range(n_people)]
        for pid, slots in problem.unavailable.items():
            if pid in person_index:
                p = person_index[pid]
                self.blocked[p].update(slot_index[s] for s in slots if s in slot_index)
        self.fixed_slots = [fixed_slots.get(p, set()) for p in range(n_people)]
        self.cap_left: list[int] = []
        for p, pid in enumerate(self.person_ids):
            cap = problem.caps.get(pid, problem.default_cap)
            room = n_slots if cap is None else cap - self.already.get(p, 0)
            self.cap_left.append(max(0, room))
        self.capacity = [len(self.table_ids) - len(self.fixed_tables[s]) for s in range(n_slots)]
        # Slots a request can ever use, preferred ones first, then in time order.
        self.allowed: list[list[int]] = []
        for r, (a, b) in enumerate(self.ends):
            usable = [
                s
                for s in range(n_slots)
                if s not in self.blocked[a] and s not in self.blocked[b] and self.capacity[s] > 0
            ]
            usable.sort(key=lambda s, r=r: (s not in self.preferred[r], s))
            self.allowed.append(usable)


class _State:
    """A partial plan with an undo journal, so a failed ejection chain can be rolled back."""

    def __init__(self, inst: _Instance) -> None:
        self.inst = inst
        n_slots = len(inst.slot_ids)
        self.slot_of = [FREE] * len(inst.ends)
        self.busy = [[FREE] * n_slots for _ in inst.person_ids]
        for p, slots in enumerate(inst.fixed_slots):
            for s in slots:
                self.busy[p][s] = FIXED
        self.count = [0] * len(inst.person_ids)
        self.in_slot: list[set[int]] = [set() for _ in range(n_slots)]
        self.journal: list[tuple[bool, int, int]] = []
        self.budget = 0
        self.swaps = 0

    def fits(self, r: int, s: int) -> bool:
        a, b = self.inst.ends[r]
        return (
            self.busy[a][s] == FREE
            and self.busy[b][s] == FREE
            and len(self.in_slot[s]) < self.inst.capacity[s]
            and self.count[a] < self.inst.cap_left[a]
            and self.count[b] < self.inst.cap_left[b]
        )

    def assign(self, r: int, s: int) -> None:
        a, b = self.inst.ends[r]
        self.slot_of[r] = s
        self.busy[a][s] = self.busy[b][s] = r
        self.count[a] += 1
        self.count[b] += 1
        self.in_slot[s].add(r)
        self.journal.append((True, r, s))

    def unassign(self, r: int) -> None:
        s = self.slot_of[r]
        a, b = self.inst.ends[r]
        self.slot_of[r] = FREE
        self.busy[a][s] = self.busy[b][s] = FREE
        self.count[a] -= 1
        self.count[b] -= 1
        self.in_slot[s].discard(r)
        self.journal.append((False, r, s))

    def rollback(self, mark: int) -> None:
        while len(self.journal) > mark:
            assigned, r, s = self.journal.pop()
            if assigned:
                self.unassign(r)
            else:
                self.assign(r, s)
            self.journal.pop()

    def has_room(self, p: int) -> bool:
        return self.count[p] < self.inst.cap_left[p]

    # Secondary objective --------------------------------------------------------------

    def gaps(self, p: int) -> int:
        """Idle slots between a person's first and last meeting (placed ones included)."""
        row = self.busy[p]
        used = [s for s, r in enumerate(row) if r != FREE]
        return used[-1] - used[0] + 1 - len(used) if used else 0

    def slot_score(self, r: int, s: int) -> tuple[int, int, int]:
        """Lower is better: not preferred, meetings of the two people not next to s, s."""
        a, b = self.inst.ends[r]
        last = len(self.inst.slot_ids) - 1
        neighbours = 0
        for p in (a, b):
            row = self.busy[p]
            neighbours += (s > 0 and row[s - 1] != FREE) + (s < last and row[s + 1] != FREE)
        preferred = self.inst.preferred[r]
        return (bool(preferred) and s not in preferred, -neighbours, s)

    # Ejection chains ------------------------------------------------------------------

    def place(self, r: int, depth: int, moved: set[int], avoid: int = FREE) -> bool:
        """Give the unplaced request r a slot (not `avoid`), pushing out at most `depth`
        levels of blocking meetings, each of which must find a new slot in turn."""
        slots = [s for s in self.inst.allowed[r] if s != avoid]
        direct = [s for s in slots if self.fits(r, s)]
        if direct:
            self.assign(r, min(direct, key=lambda s: self.slot_score(r, s)))
            return True
        a, b = self.inst.ends[r]
        if depth == 0 or not (self.has_room(a) and self.has_room(b)):
            return False
        for s in slots:
            blockers = {self.busy[a][s], self.busy[b][s]} - {FREE}
            if FIXED in blockers or blockers & moved:
                continue
            if blockers:
                options = [tuple(sorted(blockers))]
            else:  # every table taken: any meeting of that slot may make room
                options = [(m,) for m in sorted(self.in_slot[s]) if m not in moved]
            for ejected in options:
                if len(ejected) > 1 and depth < 2:
                    continue
                if self.budget <= 0:
                    return False
                self.budget -= 1
                mark = len(self.journal)
                for m in ejected:
                    self.unassign(m)
                self.assign(r, s)
                moved.update(ejected)
                if all(self.place(m, depth - 1, moved, avoid=s) for m in ejected):
                    return True
                moved.difference_update(ejected)
                self.rollback(mark)
        return False

    def try_insert(self, r: int) -> bool:
        self.budget = CHAIN_BUDGET
        return self.place(r, CHAIN_DEPTH, {r})

    def blockers_of(self, r: int) -> list[int]:
        """Placed meetings that stand in r's way: those of its two people in the slots r
        could use, and all meetings of a person who is at their cap."""
        a, b = self.inst.ends[r]
        found = set()
        for p in (a, b):
            if not self.has_room(p):
                found.update(m for m in self.busy[p] if m >= 0)
        for s in self.inst.allowed[r]:
            found.update(m for m in (self.busy[a][s], self.busy[b][s]) if m >= 0)
        return sorted(found)

    def try_swap(self, r: int, by_person: list[list[int]], depth: int = SWAP_DEPTH) -> bool:
        """One out, two in: a blocking meeting m (of c and d) gives way, r is placed, and an
        unplaced request of c or d takes the room m left, if need be by the same move one
        level down (an augmenting path, as in matching). Net gain: one meeting."""
        if self.try_insert(r):
            return True
        if depth == 0:
            return False
        for m in self.blockers_of(r):
            c, d = self.inst.ends[m]
            partners = sorted(
                q for q in {*by_person[c], *by_person[d]} if q != r and self.slot_of[q] == FREE
            )
            if not partners:
                continue
            if self.swaps <= 0:
                return False
            self.swaps -= 1
            mark = len(self.journal)
            self.unassign(m)
            if self.try_insert(r) and any(
                q != m and self.slot_of[q] == FREE and self.try_swap(q, by_person, depth - 1)
                for q in partners
            ):
                return True
            self.rollback(mark)
        return False


def _solve(inst: _Instance) -> _State:
    """Improve two starts, the hardness-first construction and the greedy baseline's plan
    (so the result never places fewer than greedy), and keep the better."""
    bound = _upper_bound(inst)
    best = _construct(inst)
    _improve(best, bound)
    if _placed(best) < bound:  # otherwise nothing can beat it on the count
        other = _greedy(inst)
        _improve(other, bound)
        if _placed(other) > _placed(best):
            best = other
    _polish(best)
    return best


def _placed(state: _State) -> int:
    return sum(slot != FREE for slot in state.slot_of)


def _hardness_order(inst: _Instance) -> list[int]:
    """Requests that can be placed at all, those with the fewest usable slots first, then
    those of the people with the fewest requests (as in min-degree greedy matching: a
    request between two busy people is the easiest to do without)."""
    degree = [0] * len(inst.person_ids)
    for r, (a, b) in enumerate(inst.ends):
        if inst.allowed[r]:
            degree[a] += 1
            degree[b] += 1

    def hardness(r: int) -> tuple[int, int, int]:
        a, b = inst.ends[r]
        return (len(inst.allowed[r]), degree[a] + degree[b], r)

    return sorted((r for r in range(len(inst.ends)) if inst.allowed[r]), key=hardness)


def _construct(inst: _Instance) -> _State:
    state = _State(inst)
    for r in _hardness_order(inst):
        candidates = [s for s in inst.allowed[r] if state.fits(r, s)]
        if candidates:
            state.assign(r, min(candidates, key=lambda s, r=r: state.slot_score(r, s)))
    return state


def _greedy(inst: _Instance) -> _State:
    state = _State(inst)
    for r in range(len(inst.ends)):
        for s in range(len(inst.slot_ids)):
            if s in inst.allowed[r] and state.fits(r, s):
                state.assign(r, s)
                break
    return state


def _improve(state: _State, bound: int) -> None:
    """Rounds of ejection chains and swaps over the unplaced requests, hardest first."""
    inst = state.inst
    by_person: list[list[int]] = [[] for _ in inst.person_ids]
    order = _hardness_order(inst)
    for r in order:
        a, b = inst.ends[r]
        by_person[a].append(r)
        by_person[b].append(r)
    placed = _placed(state)
    for _ in range(MAX_ROUNDS):
        progress = False
        for r in order:
            if placed == bound:
                break  # provably optimal: nothing left to find
            state.swaps = SWAP_BUDGET
            if state.slot_of[r] == FREE and state.try_swap(r, by_person):
                placed += 1
                progress = True
        if not progress:
            break
    state.journal.clear()


def _polish(state: _State) -> None:
    """Move single meetings to free slots that honour preferences or close gaps."""
    inst = state.inst
    order = _hardness_order(inst)
    for _ in range(POLISH_ROUNDS):
        changed = False
        for r in order:
            s = state.slot_of[r]
            if s == FREE:
                continue
            a, b = inst.ends[r]
            preferred = inst.preferred[r]
            before = (bool(preferred) and s not in preferred, state.gaps(a) + state.gaps(b))
            state.unassign(r)
            best, best_cost = s, before
            for t in inst.allowed[r]:
                if t != s and state.fits(r, t):
                    state.assign(r, t)
                    cost = (bool(preferred) and t not in preferred, state.gaps(a) + state.gaps(b))
                    state.unassign(r)
                    if cost < best_cost:
                        best, best_cost = t, cost
            state.assign(r, best)
            changed = changed or best != s
        state.journal.clear()
        if not changed:
            break


def _tables(inst: _Instance, slot_of: list[int]) -> dict[int, int]:
    """Table per placed request: a person keeps the table of their previous slot when it
    is free, everyone else gets the free tables in preference order."""
    table_of: dict[int, int] = {}
    previous: dict[int, int] = {}  # person → table in the slot before
    for s in range(len(inst.slot_ids)):
        taken = set(inst.fixed_tables[s])
        current: dict[int, int] = {}
        for t, pair in inst.fixed_tables[s].items():
            for p in pair:
                current[p] = t
        meetings = sorted(r for r, slot in enumerate(slot_of) if slot == s)
        waiting = []
        for r in meetings:
            for p in inst.ends[r]:
                t = previous.get(p)
                if t is not None and t not in taken:
                    taken.add(t)
                    table_of[r] = t
                    break
            else:
                waiting.append(r)
        free = (t for t in range(len(inst.table_ids)) if t not in taken)
        for r in waiting:
            table_of[r] = next(free)
        for r in meetings:
            for p in inst.ends[r]:
                current[p] = table_of[r]
        previous = current
    return table_of


def _plan(inst: _Instance, slot_of: list[int]) -> SchedulePlan:
    table_of = _tables(inst, slot_of)
    requests = inst.problem.requests
    placements = tuple(
        Placement(requests[r].request_id, inst.slot_ids[s], inst.table_ids[table_of[r]])
        for r, s in enumerate(slot_of)
        if s != FREE
    )
    unplaced = tuple(requests[r].request_id for r, s in enumerate(slot_of) if s == FREE)
    requested = [0] * inst.requested_people
    placed = [0] * inst.requested_people
    for r, (a, b) in enumerate(inst.ends):
        for p in (a, b):
            requested[p] += 1
            placed[p] += slot_of[r] != FREE
    people = tuple(
        PersonOutcome(inst.person_ids[p], requested[p], placed[p], inst.already.get(p, 0))
        for p in range(inst.requested_people)
    )
    return SchedulePlan(placements, unplaced, people)


def schedule(problem: SchedulingProblem) -> SchedulePlan:
    """The plan with as many meetings as the scheduler can find (see the module docstring).
    Raises ValueError for contradictory input (duplicate ids, a meeting with oneself, placed
    meetings that already clash, preferred slots that do not exist)."""
    inst = _Instance(problem)
    return _plan(inst, _solve(inst).slot_of)


def greedy_baseline(problem: SchedulingProblem) -> SchedulePlan:
    """The simple method: requests in the given order, first slot and table that fit."""
    inst = _Instance(problem)
    state = _greedy(inst)
    # First free table in preference order (no table stickiness in the baseline).
    table_of: dict[int, int] = {}
    for s in range(len(inst.slot_ids)):
        free = (t for t in range(len(inst.table_ids)) if t not in inst.fixed_tables[s])
        for r in sorted(state.in_slot[s]):
            table_of[r] = next(free)
    requests = problem.requests
    placements = tuple(
        Placement(requests[r].request_id, inst.slot_ids[s], inst.table_ids[table_of[r]])
        for r, s in enumerate(state.slot_of)
        if s != FREE
    )
    plan = _plan(inst, state.slot_of)
    return SchedulePlan(placements, plan.unplaced, plan.people)


def upper_bound(problem: SchedulingProblem) -> int:
    """A number of meetings no plan can exceed: the least of the requests that have a usable
    slot, the free table-slots, and half the sum over people of min(cap left, free slots,
    their requests)."""
    return _upper_bound(_Instance(problem))


def _upper_bound(inst: _Instance) -> int:
    usable = [r for r in range(len(inst.ends)) if inst.allowed[r]]
    n_slots = len(inst.slot_ids)
    room = [
        min(inst.cap_left[p], n_slots - len(inst.blocked[p])) for p in range(len(inst.person_ids))
    ]
    return min(len(usable), sum(inst.capacity), _fractional_matching(inst, usable, room))


def _fractional_matching(inst: _Instance, usable: list[int], room: list[int]) -> int:
    """Largest fractional b-matching (each person at most `room` meetings), rounded down:
    half the maximum flow through the bipartite double cover of the request graph."""
    n = len(inst.person_ids)
    source, sink = 2 * n, 2 * n + 1
    graph: list[list[list[int]]] = [[] for _ in range(2 * n + 2)]  # [to, capacity, reverse]

    def arc(u: int, v: int, capacity: int) -> None:
        graph[u].append([v, capacity, len(graph[v])])
        graph[v].append([u, 0, len(graph[u]) - 1])

    for p in range(n):
        if room[p]:
            arc(source, p, room[p])
            arc(n + p, sink, room[p])
    for r in usable:
        a, b = inst.ends[r]
        arc(a, n + b, 1)
        arc(b, n + a, 1)
    flow = 0
    while True:  # Dinic: level graph by BFS, then blocking flow along it
        level = [-1] * len(graph)
        level[source] = 0
        queue = [source]
        for u in queue:
            for v, capacity, _ in graph[u]:
                if capacity and level[v] < 0:
                    level[v] = level[u] + 1
                    queue.append(v)
        if level[sink] < 0:
            return flow // 2
        pointer = [0] * len(graph)
        while sent := _push(graph, level, pointer, source, sink, n * n + 1):
            flow += sent


def _push(
    graph: list[list[list[int]]],
    level: list[int],
    pointer: list[int],
    u: int,
    sink: int,
    limit: int,
) -> int:
    """One augmenting path along the level graph (paths have four arcs here)."""
    if u == sink:
        return limit
    while pointer[u] < len(graph[u]):
        edge = graph[u][pointer[u]]
        v, capacity, back = edge
        if capacity and level[v] == level[u] + 1:
            sent = _push(graph, level, pointer, v, sink, min(limit, capacity))
            if sent:
                edge[1] -= sent
                graph[v][back][1] += sent
                return sent
        pointer[u] += 1
    return 0
