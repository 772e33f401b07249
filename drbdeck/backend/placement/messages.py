"""LINSTOR's texts for auto-place answers, word for word.

Users and scripts grep these strings (and python-linstor shows them as-is), so
they follow ``CtrlRscAutoPlaceApiCallHandler`` and ``AutoSelectFilterApi
.asHelpString`` including Java's list rendering (``[a, b]``) and the
three-space indents of its IndentedWriter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from drbdeck.backend.placement.model import (
    WARN_RSC_ALREADY_DEPLOYED,
    NotEnoughNodes,
    PlaceRequest,
    PlaceWarning,
)

_INDENT = "   "


def java_list(items: Iterable[object]) -> str:
    """``[a, b]`` as Java's List.toString prints it."""
    return "[" + ", ".join(str(i) for i in items) + "]"


def already_deployed(rsc: str, nodes: list[str]) -> PlaceWarning:
    """Nothing to add: the placement count is reached exactly."""
    return PlaceWarning(
        WARN_RSC_ALREADY_DEPLOYED,
        f"Resource '{rsc}' was already deployed on {len(nodes)} nodes. Skipping.",
        "Used nodes: '" + "', '".join(nodes) + "'",
    )


def place_count_too_low(rsc: str, nodes: list[str]) -> PlaceWarning:
    """More diskful replicas exist than requested; LINSTOR never deletes any."""
    used = ", ".join(f"'{n}'" for n in nodes)
    return PlaceWarning(
        WARN_RSC_ALREADY_DEPLOYED,
        f"The resource '{rsc}' was already deployed on {len(nodes)} nodes: {used}. "
        "The resource would have to be deleted from nodes to reach the placement count.",
    )


def _list_entry(out: list[str], singular: str, plural: str, items: list[str]) -> None:
    if not items:
        return
    out.append(_INDENT + (singular if len(items) == 1 else plural) + ":\n")
    out.extend(f"{_INDENT}{_INDENT}{item}\n" for item in items)


def _map_entry(out: list[str], singular: str, plural: str, items: Mapping[str, int]) -> None:
    _list_entry(out, singular, plural, [f"{k}: {v}" for k, v in items.items()])


def config_help(req: PlaceRequest) -> str:
    """The "Auto-place configuration details" block: only fields that are set."""
    out: list[str] = []
    if req.additional_place_count is not None:
        out.append(f"{_INDENT}Additional replica count: {req.additional_place_count}\n")
    else:
        count = req.place_count if req.place_count is not None else req.resource_group_place_count
        out.append(f"{_INDENT}Replica count: {count}\n")
    _list_entry(out, "Storage pool name", "Storage pool names", req.storage_pools)
    _list_entry(
        out, "Do not place with resource", "Do not place with resources", req.do_not_place_with
    )
    if req.do_not_place_with_regex is not None:
        out.append(f"{_INDENT}Do not place with resource (regex): {req.do_not_place_with_regex}\n")
    _list_entry(
        out,
        "Replicas on nodes with same property",
        "Replicas on nodes with same properties",
        req.replicas_on_same,
    )
    _list_entry(
        out,
        "Replicas on nodes with different property",
        "Replicas on nodes with different properties",
        req.replicas_on_different,
    )
    _map_entry(
        out,
        "X replicas on nodes with different property",
        "X replicas on nodes with different properties",
        req.x_replicas_on_different,
    )
    _list_entry(out, "Allowed Provider", "Allowed Providers", req.provider_list)
    if req.diskless_on_remaining:
        out.append(f"{_INDENT}Diskless on remaining: true\n")
    return "".join(out)


def not_enough_nodes(req: PlaceRequest) -> NotEnoughNodes:
    """FAIL_NOT_ENOUGH_NODES with LINSTOR's criteria bullets and the request echo."""
    pools = ""
    if req.storage_pools:
        pools = (
            f" * has a deployed storage pool named {java_list(req.storage_pools)}\n"
            f" * the storage pools have to have at least '{req.size_kib}' free space\n"
        )
    details = (
        "Not enough nodes fulfilling the following auto-place criteria:\n"
        + pools
        + " * the current access context has enough privileges to use the node and the "
        "storage pool\n"
        " * the node is online\n\n"
        "Auto-place configuration details:\n" + config_help(req)
    )
    return NotEnoughNodes("Not enough available nodes", details)
