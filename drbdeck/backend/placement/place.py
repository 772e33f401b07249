"""The auto-place entry point: count → filter → rate → select → diskless extras.

Pure and deterministic: the same inputs give the same answer, nothing is
written anywhere, so the controller can run it inside its store transaction
and create the returned resources in the same one.

Choices where LINSTOR's behaviour was not pinned down (linstor.md §5):
- replicas-on-different counts only live diskful replicas; values that the
  deployed replicas already over-use do not block new replicas with other values;
- if deployed replicas already mix provider kinds, new ones may use any of them;
- diskless-on-remaining takes every online Satellite/Combined node without a
  replica (AutoplaceTarget is for diskful placement); the tie-breaker honours
  AutoplaceTarget=false;
- thin pools: free space >= size and >= MinThinFreeSpace (10 % of the total);
- the search stops after ``select.STEP_BUDGET`` steps per group and keeps the
  best set found, which only matters for many-key replicas-on-different.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from drbdeck.backend.placement import messages
from drbdeck.backend.placement.filters import (
    DEFAULT_MIN_THIN_FREE_FRACTION,
    Constraints,
    diskful_candidates,
    is_target,
    node_usable,
    validate,
)
from drbdeck.backend.placement.model import (
    Deployed,
    PlacementResult,
    PlaceRequest,
    PoolCandidate,
    Weights,
)
from drbdeck.backend.placement.select import Context, rate, select


def _count_to_place(req: PlaceRequest, existing: int) -> int:
    if req.additional_place_count is not None:
        return req.additional_place_count
    target = req.place_count if req.place_count is not None else req.resource_group_place_count
    return target - existing


def _context(cons: Constraints, pools: Sequence[PoolCandidate], diskful: list[Deployed]) -> Context:
    """Kinds, same-prop values and per-value counts the deployed replicas impose."""
    props = {c.node: c.node_props for c in pools}
    nodes = sorted({d.node for d in diskful})
    same_values: dict[str, str] = {}
    for key, fixed in cons.same.items():
        if fixed is not None:
            same_values[key] = fixed
            continue
        for node in nodes:
            if key in props.get(node, {}):
                same_values[key] = props[node][key]
                break
    used: dict[str, dict[str, int]] = {}
    for key in cons.caps:
        for node in nodes:
            value = props.get(node, {}).get(key)
            if value is not None:
                used.setdefault(key, {})
                used[key][value] = used[key].get(value, 0) + 1
    kinds = frozenset(d.provider for d in diskful if d.provider != "DISKLESS")
    return Context(kinds=kinds, same_values=same_values, used=used)


def _diskless_nodes(pools: Sequence[PoolCandidate], exclude: set[str]) -> list[str]:
    """Online replica-capable nodes without a replica of this resource, by name."""
    return sorted({c.node for c in pools if node_usable(c) and c.node not in exclude})


def _tiebreaker(
    pools: Sequence[PoolCandidate],
    exclude: set[str],
    placements: Mapping[str, Iterable[str]],
) -> str | None:
    """The least loaded eligible node (fewest resources, then name) for TIE_BREAKER."""
    nodes = sorted(
        {c.node for c in pools if node_usable(c) and is_target(c) and c.node not in exclude}
    )
    if not nodes:
        return None
    return min(nodes, key=lambda n: (len(set(placements.get(n, ()))), n))


def place(
    rsc_name: str,
    request: PlaceRequest,
    pools: Sequence[PoolCandidate],
    deployed: Sequence[Deployed] = (),
    placements: Mapping[str, Iterable[str]] | None = None,
    *,
    weights: Weights | None = None,
    allow_mixing: bool = False,
    auto_tiebreaker: bool = True,
    min_thin_free_fraction: float = DEFAULT_MIN_THIN_FREE_FRACTION,
) -> PlacementResult:
    """Choose where the resource ``rsc_name`` gets its new replicas.

    ``pools``: every storage pool of every node (see PoolCandidate);
    ``deployed``: this resource's existing replicas; ``placements``: node →
    names of the resources on it (for do-not-place-with and the tie-breaker's
    load). Raises PlacementInputError for a bad request and NotEnoughNodes when
    too few pools qualify; nothing else.
    """
    cons = validate(request)
    placements = placements or {}
    live = [d for d in deployed if not d.deleting]
    diskful = [d for d in live if not d.diskless]
    result = PlacementResult()

    need = _count_to_place(request, len(diskful))
    if need <= 0:
        nodes = [d.node for d in diskful]
        warn = messages.already_deployed if need == 0 else messages.place_count_too_low
        result.warnings.append(warn(rsc_name, nodes))
        return result

    cands = diskful_candidates(request, cons, pools, deployed, placements, min_thin_free_fraction)
    scored = rate(cands, weights or Weights())
    picks = select(scored, need, cons, _context(cons, pools, diskful), allow_mixing)
    if picks is None:
        raise messages.not_enough_nodes(request)
    result.diskful = [(s.cand.node, s.cand.pool) for s in picks]

    holding = {d.node for d in deployed} | {node for node, _ in result.diskful}
    if request.diskless_on_remaining:
        result.diskless = _diskless_nodes(pools, holding)
    has_diskless = bool(result.diskless) or any(d.diskless for d in live)
    total = len(diskful) + len(result.diskful)
    if auto_tiebreaker and total >= 2 and total % 2 == 0 and not has_diskless:
        result.tiebreaker = _tiebreaker(pools, holding, placements)
    return result
