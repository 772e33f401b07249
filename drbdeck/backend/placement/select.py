"""Scoring (LINSTOR's StrategyHandler) and the search for the best pool set.

Scores: each strategy's raw value is divided by the highest non-zero value
among the candidates and multiplied by its weight; minimising strategies use
the negated weight. With the defaults free space decides and the resource
count only separates pools whose free space is (nearly) equal.

Search: the chosen pools must sit on different nodes, share one provider kind
with the replicas already deployed (unless mixing is allowed), carry the same
values of the replicas-on-same props, and not exceed the per-value counts of
replicas-on-different. Provider kind and same-values split the candidates into
independent groups; inside a group only each node's best pool can matter, so
the search picks nodes: a depth-first walk in score order with a bound (the
best remaining scores), which finds the greedy answer first and proves it
optimal at once when no per-value caps are set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from drbdeck.backend.placement.filters import Constraints
from drbdeck.backend.placement.model import PoolCandidate, Weights

_EPS = 1e-12
#: Search steps per group before the best set found so far is taken.
STEP_BUDGET = 200_000


@dataclass(frozen=True)
class Scored:
    """A candidate with its score and its rank in the global order (0 = best)."""

    cand: PoolCandidate
    score: float
    rank: int


def _normalised(values: list[float]) -> list[float]:
    highest = max((v for v in values if v != 0.0), default=None)
    if highest is None:
        return values
    return [v / highest for v in values]


def rate(cands: Sequence[PoolCandidate], weights: Weights) -> list[Scored]:
    """Score every candidate and order best first; ties by node name, then pool."""
    free = _normalised([float(c.free_kib) for c in cands])
    count = _normalised([float(c.rsc_count) for c in cands])
    scores = [
        f * weights.max_free_space - n * weights.min_rsc_count
        for f, n in zip(free, count, strict=True)
    ]
    order = sorted(range(len(cands)), key=lambda i: (-scores[i], cands[i].node, cands[i].pool))
    return [Scored(cands[i], scores[i], rank) for rank, i in enumerate(order)]


@dataclass(frozen=True)
class Context:
    """What the replicas already deployed fix for the new ones."""

    kinds: frozenset[str]
    same_values: dict[str, str]
    used: dict[str, dict[str, int]]


def _groups(
    scored: list[Scored], cons: Constraints, ctx: Context, allow_mixing: bool
) -> list[list[Scored]]:
    groups: dict[tuple[object, ...], list[Scored]] = defaultdict(list)
    for s in scored:
        c = s.cand
        if ctx.kinds and not allow_mixing and c.provider not in ctx.kinds:
            continue
        if any(c.node_props.get(k) != v for k, v in ctx.same_values.items()):
            continue
        kind = "" if allow_mixing or ctx.kinds else c.provider
        same = tuple(c.node_props[k] for k in sorted(cons.same))
        groups[(kind, same)].append(s)
    return list(groups.values())


def _best_in_group(
    group: list[Scored], need: int, cons: Constraints, ctx: Context
) -> tuple[float, list[Scored]] | None:
    per_node: list[Scored] = []
    seen: set[str] = set()
    for s in group:  # already in score order: the first pool per node is its best
        if s.cand.node not in seen:
            seen.add(s.cand.node)
            per_node.append(s)
    if len(per_node) < need:
        return None
    prefix = [0.0]
    for s in per_node:
        prefix.append(prefix[-1] + s.score)
    caps = cons.caps
    counts: dict[str, dict[str, int]] = {k: dict(ctx.used.get(k, {})) for k in caps}
    best: list[tuple[float, list[Scored]]] = []
    chosen: list[Scored] = []
    steps = 0

    def fits(c: PoolCandidate) -> bool:
        return all(
            k not in c.node_props or counts[k].get(c.node_props[k], 0) < cap
            for k, cap in caps.items()
        )

    def take(c: PoolCandidate, delta: int) -> None:
        for k in caps:
            if k in c.node_props:
                v = c.node_props[k]
                counts[k][v] = counts[k].get(v, 0) + delta

    # suffix[k][v][i]: nodes at index >= i whose prop k has value v (v None: prop unset)
    suffix: dict[str, dict[str | None, list[int]]] = {}
    for k in caps:
        values = {s.cand.node_props.get(k) for s in per_node}
        rows = {v: [0] * (len(per_node) + 1) for v in values}
        for i in range(len(per_node) - 1, -1, -1):
            mine = per_node[i].cand.node_props.get(k)
            for v, row in rows.items():
                row[i] = row[i + 1] + (v == mine)
        suffix[k] = rows

    def room_left(i: int) -> int:
        """How many more nodes from index i the caps could still admit (a bound)."""
        room = len(per_node) - i
        for k, cap in caps.items():
            rows = suffix[k]
            fit = rows[None][i] if None in rows else 0
            fit += sum(
                min(max(cap - counts[k].get(v, 0), 0), row[i])
                for v, row in rows.items()
                if v is not None
            )
            room = min(room, fit)
        return room

    def walk(i: int, total: float) -> None:
        nonlocal steps
        steps += 1
        left = need - len(chosen)
        if left == 0:
            if not best or total > best[0][0] + _EPS:
                best[:] = [(total, list(chosen))]
            return
        if steps > STEP_BUDGET or room_left(i) < left:
            return
        if best and total + prefix[i + left] - prefix[i] <= best[0][0] + _EPS:
            return
        s = per_node[i]
        if fits(s.cand):
            chosen.append(s)
            take(s.cand, 1)
            walk(i + 1, total + s.score)
            take(s.cand, -1)
            chosen.pop()
        walk(i + 1, total)

    walk(0, 0.0)
    return best[0] if best else None


def select(
    scored: list[Scored], need: int, cons: Constraints, ctx: Context, allow_mixing: bool
) -> list[Scored] | None:
    """The highest-scoring valid set of ``need`` pools, or None when there is none.

    Equal totals across groups go to the set whose ranks sort first, so the
    answer never depends on dict or set ordering.
    """
    winner: tuple[float, list[int], list[Scored]] | None = None
    for group in _groups(scored, cons, ctx, allow_mixing):
        found = _best_in_group(group, need, cons, ctx)
        if found is None:
            continue
        total, picks = found
        ranks = sorted(s.rank for s in picks)
        if (
            winner is None
            or total > winner[0] + _EPS
            or (abs(total - winner[0]) <= _EPS and ranks < winner[1])
        ):
            winner = (total, ranks, picks)
    if winner is None:
        return None
    return sorted(winner[2], key=lambda s: s.rank)
