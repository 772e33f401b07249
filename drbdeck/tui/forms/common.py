"""Choices the forms offer, read from the backend's model (nodes, definitions, pools).

Why separate: several forms list the same things in the same order (case-insensitive by
name, as LINSTOR sorts), and a form must never offer what the controller would refuse
(a Controller node for a storage pool, a pool from another node).
"""

from __future__ import annotations

from typing import Any

from drbdeck.backend.controller.model import ClusterModel, NodeType
from drbdeck.backend.controller.names import key

Options = list[tuple[str, str]]
_HOSTS = (NodeType.SATELLITE, NodeType.COMBINED)


def model_of(backend: Any) -> ClusterModel:
    return backend.model


def nodes(model: ClusterModel, *, storage: bool = False) -> Options:
    """Node names; ``storage``: only nodes that may hold pools and resources."""
    return [(n.name, n.name) for n in sorted(model.nodes.values(), key=lambda n: key(n.name))
            if not storage or n.type in _HOSTS]


def rds(model: ClusterModel) -> Options:
    return [(r.name, r.name) for r in sorted(model.rds.values(), key=lambda r: key(r.name))
            if "DELETE" not in r.flags]


def pools(model: ClusterModel, node: str | None, *, diskful: bool = True) -> Options:
    if not node:
        return []
    out = []
    for p in sorted(model.pools_of_node(node), key=lambda p: key(p.name)):
        if diskful and p.provider.value == "DISKLESS":
            continue
        out.append((f"{p.name} ({p.provider.value})", p.name))
    return out


def replica_nodes(model: ClusterModel, rd: str | None, *, holding: bool) -> Options:
    """Nodes with (``holding``) a live replica of ``rd``, or with no replica at all (one
    being deleted still blocks a new one on that node until the node confirms)."""
    if not rd:
        return []
    have = {key(r.node) for r in model.resources_of_rd(rd)
            if not holding or "DELETE" not in r.flags}
    return [(label, name) for label, name in nodes(model, storage=True)
            if (key(name) in have) == holding]


def first_value(options: Options, wanted: Any = None) -> Any:
    """``wanted`` when it is offered, else the only option, else None."""
    values = [v for _l, v in options]
    if wanted is not None:
        for v in values:
            if key(str(v)) == key(str(wanted)):
                return v
    return values[0] if len(values) == 1 else None
