"""Properties of the auto-placer against an independent brute force.

The brute force enumerates every combination of pools and checks the rules
from scratch, so a pruning bug in the search (or a filter that lets an offline
node or a full pool through) shows up as a mismatch.
"""

from __future__ import annotations

import itertools
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drbdeck.backend.placement import (
    Deployed,
    NotEnoughNodes,
    PlaceRequest,
    PoolCandidate,
    Weights,
    place,
)
from drbdeck.backend.placement.filters import diskful_candidates, validate
from drbdeck.backend.placement.select import rate


@st.composite
def clusters(draw: st.DrawFn) -> tuple[list[PoolCandidate], list[Deployed], PlaceRequest]:
    n_nodes = draw(st.integers(1, 7))
    pools: list[PoolCandidate] = []
    for i in range(n_nodes):
        node = f"n{i}"
        online = draw(st.booleans() | st.just(True))
        props = {}
        if draw(st.booleans()):
            props["Aux/rack"] = draw(st.sampled_from("12"))
        if draw(st.booleans()):
            props["Aux/room"] = draw(st.sampled_from("xyz"))
        for p in range(draw(st.integers(1, 2))):
            thin = draw(st.booleans())
            total = draw(st.integers(10, 1000))
            pools.append(
                PoolCandidate(
                    node=node,
                    pool=f"p{p}",
                    provider="LVM_THIN" if thin else "LVM",
                    free_kib=draw(st.integers(0, total)),
                    total_kib=total,
                    rsc_count=draw(st.integers(0, 5)),
                    node_online=online,
                    node_props=props,
                    thin=thin,
                )
            )
    nodes = sorted({c.node for c in pools})
    deployed = []
    for node in draw(st.lists(st.sampled_from(nodes), max_size=2, unique=True)):
        deployed.append(Deployed(node, "p0", draw(st.sampled_from(["LVM", "LVM_THIN"]))))
    request = PlaceRequest(
        place_count=draw(st.integers(1, 4)),
        size_kib=draw(st.integers(0, 600)),
        replicas_on_same=draw(st.sampled_from([[], ["rack"]])),
        replicas_on_different=draw(st.sampled_from([[], ["room"], ["rack", "room"]])),
        x_replicas_on_different=draw(st.sampled_from([{}, {"rack": 2}])),
    )
    return pools, deployed, request


def eligible(c: PoolCandidate, size: int, holding: set[str]) -> bool:
    room = c.free_kib >= size and (not c.thin or c.free_kib >= math.ceil(c.total_kib * 0.1))
    return c.node_online and room and c.node not in holding


def valid_set(
    combo: tuple[PoolCandidate, ...], deployed: list[Deployed], req: PlaceRequest, props: dict
) -> bool:
    if len({c.node for c in combo}) != len(combo):
        return False
    kinds = {c.provider for c in combo}
    deployed_kinds = {d.provider for d in deployed}
    if (deployed_kinds and not kinds <= deployed_kinds) or (len(kinds) > 1 and not deployed_kinds):
        return False  # new replicas take a deployed kind (or, with none, a single kind)
    all_props = [c.node_props for c in combo] + [props[d.node] for d in deployed]
    if req.replicas_on_same:
        if any("Aux/rack" not in p for p in (c.node_props for c in combo)):
            return False
        if len({p["Aux/rack"] for p in all_props if "Aux/rack" in p}) > 1:
            return False
    caps = {f"Aux/{k}": 1 for k in req.replicas_on_different}
    for k, v in req.x_replicas_on_different.items():
        caps[f"Aux/{k}"] = min(caps.get(f"Aux/{k}", v), v)
    for key, cap in caps.items():
        values = [p[key] for p in all_props if key in p]
        new_values = [c.node_props[key] for c in combo if key in c.node_props]
        if any(values.count(v) > cap for v in new_values):  # old violations are not ours
            return False
    return True


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_placement_matches_brute_force(
    case: tuple[list[PoolCandidate], list[Deployed], PlaceRequest],
) -> None:
    pools, deployed, req = case
    holding = {d.node for d in deployed}
    props = {c.node: c.node_props for c in pools}
    need = (req.place_count or 0) - len(deployed)
    try:
        result = place("r", req, pools, deployed)
    except NotEnoughNodes:
        result = None

    if need <= 0:
        assert result is not None and result.diskful == [] and result.warnings
        return

    cands = [
        c
        for c in pools
        if eligible(c, req.size_kib, holding)
        and (not req.replicas_on_same or "Aux/rack" in c.node_props)
    ]
    filtered = diskful_candidates(req, validate(req), pools, deployed, {}, 0.10)
    key = lambda c: (c.node, c.pool)  # noqa: E731
    assert sorted(map(key, filtered)) == sorted(map(key, cands))
    scores = {key(s.cand): s.score for s in rate(filtered, Weights())}
    best = None
    for combo in itertools.combinations(cands, need):
        if valid_set(combo, deployed, req, props):
            total = sum(scores[key(c)] for c in combo)
            best = total if best is None else max(best, total)

    if result is None:
        assert best is None
        return
    assert best is not None
    chosen = [next(c for c in pools if (c.node, c.pool) == pick) for pick in result.diskful]
    assert len(chosen) == need
    assert len({c.node for c in chosen}) == need
    assert all(c.node_online and c.free_kib >= req.size_kib for c in chosen)
    assert not {c.node for c in chosen} & holding
    assert valid_set(tuple(chosen), deployed, req, props)
    assert math.isclose(sum(scores[key(c)] for c in chosen), best, rel_tol=1e-9, abs_tol=1e-9)
    assert place("r", req, list(reversed(pools)), deployed) == result
