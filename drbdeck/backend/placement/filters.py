"""Request validation and the candidate filter (LINSTOR's StorPoolFilter).

Filters are per pool and independent of each other; everything that depends on
the *combination* of chosen pools (same/different props, provider mixing) is
left to the selection step.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from drbdeck.backend.placement.model import (
    EXCLUDING_NODE_FLAGS,
    PROVIDERS,
    REPLICA_NODE_TYPES,
    Deployed,
    PlacementInputError,
    PlaceRequest,
    PoolCandidate,
)

AUX_PREFIX = "Aux/"
AUTOPLACE_TARGET = "AutoplaceTarget"
#: Autoplacer/MinThinFreeSpace default: a thin pool must have this share of its size free.
DEFAULT_MIN_THIN_FREE_FRACTION = 0.10


def aux_key(key: str) -> str:
    """Props in same/different lists live in the ``Aux/`` namespace; add it if omitted."""
    return key if key.startswith(AUX_PREFIX) else AUX_PREFIX + key


@dataclass(frozen=True)
class Constraints:
    """The request's combination rules in checked, normalised form."""

    #: prop key -> fixed value (from ``key=value``) or None (any, but equal on all)
    same: dict[str, str | None]
    #: prop key -> how many replicas may share one value of it
    caps: dict[str, int]
    regex: re.Pattern[str] | None


def _check_names(field_name: str, names: Iterable[object]) -> None:
    for name in names:
        if not isinstance(name, str) or not name:
            raise PlacementInputError(
                field_name, f"entries must be non-empty strings, got {name!r}"
            )


def validate(req: PlaceRequest) -> Constraints:
    """Check every field; the first broken rule raises PlacementInputError."""
    if req.place_count is not None and req.additional_place_count is not None:
        raise PlacementInputError("additional_place_count", "cannot be combined with place_count")
    for name in ("place_count", "additional_place_count", "resource_group_place_count"):
        value = getattr(req, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise PlacementInputError(name, f"must be an integer, got {value!r}")
        if value is not None and value < 1:
            raise PlacementInputError(name, f"must be at least 1, got {value}")
    if isinstance(req.size_kib, bool) or not isinstance(req.size_kib, int) or req.size_kib < 0:
        raise PlacementInputError("size_kib", f"must be an integer >= 0, got {req.size_kib!r}")
    _check_names("storage_pools", req.storage_pools)
    _check_names("do_not_place_with", req.do_not_place_with)
    _check_names("replicas_on_same", req.replicas_on_same)
    _check_names("replicas_on_different", req.replicas_on_different)
    for provider in req.provider_list:
        if provider not in PROVIDERS:
            raise PlacementInputError(
                "provider_list", f"unknown provider {provider!r} (one of {sorted(PROVIDERS)})"
            )
    regex = None
    if req.do_not_place_with_regex is not None:
        try:
            regex = re.compile(req.do_not_place_with_regex)
        except re.error as exc:
            raise PlacementInputError(
                "do_not_place_with_regex", f"not a valid regular expression: {exc}"
            ) from None
    same: dict[str, str | None] = {}
    for entry in req.replicas_on_same:
        key, sep, value = entry.partition("=")
        same[aux_key(key)] = value if sep else None
    caps: dict[str, int] = {aux_key(k): 1 for k in req.replicas_on_different}
    for key, count in req.x_replicas_on_different.items():
        _check_names("x_replicas_on_different", [key])
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise PlacementInputError(
                "x_replicas_on_different", f"count for {key!r} must be an integer >= 1"
            )
        k = aux_key(key)
        caps[k] = min(caps.get(k, count), count)
    return Constraints(same=same, caps=caps, regex=regex)


def node_usable(c: PoolCandidate) -> bool:
    """Online replica-capable node that is not being deleted or evacuated."""
    return (
        c.node_online
        and c.node_type.upper() in REPLICA_NODE_TYPES
        and not (set(c.node_flags) & EXCLUDING_NODE_FLAGS)
    )


def is_target(c: PoolCandidate) -> bool:
    """``AutoplaceTarget=false`` on the node or the pool opts it out."""
    return all(
        props.get(AUTOPLACE_TARGET, "true").lower() != "false"
        for props in (c.node_props, c.pool_props)
    )


def blocked_nodes(
    req: PlaceRequest,
    cons: Constraints,
    placements: Mapping[str, Iterable[str]],
) -> set[str]:
    """Nodes holding a do-not-place-with resource (by name or full regex match)."""
    avoid = set(req.do_not_place_with)
    blocked: set[str] = set()
    for node, names in placements.items():
        for name in names:
            if name in avoid or (cons.regex is not None and cons.regex.fullmatch(name)):
                blocked.add(node)
                break
    return blocked


def has_room(c: PoolCandidate, size_kib: int, min_thin_free_fraction: float) -> bool:
    """Free space for the RD; thin pools also keep MinThinFreeSpace (share of total) free."""
    if c.free_kib < size_kib:
        return False
    if c.thin:
        return c.free_kib >= math.ceil(c.total_kib * min_thin_free_fraction)
    return True


def diskful_candidates(
    req: PlaceRequest,
    cons: Constraints,
    pools: Sequence[PoolCandidate],
    deployed: Sequence[Deployed],
    placements: Mapping[str, Iterable[str]],
    min_thin_free_fraction: float,
) -> list[PoolCandidate]:
    """Pools that may take one new diskful replica, judged one by one."""
    holding = {d.node for d in deployed}
    blocked = blocked_nodes(req, cons, placements)
    wanted_pools = set(req.storage_pools)
    wanted_providers = set(req.provider_list)
    out = []
    for c in pools:
        if c.diskless or not node_usable(c) or not is_target(c):
            continue
        if c.node in holding or c.node in blocked:
            continue
        if wanted_pools and c.pool not in wanted_pools:
            continue
        if wanted_providers and c.provider not in wanted_providers:
            continue
        if any(
            key not in c.node_props or (fixed is not None and c.node_props[key] != fixed)
            for key, fixed in cons.same.items()
        ):
            continue
        if not has_room(c, req.size_kib, min_thin_free_fraction):
            continue
        out.append(c)
    return out
