"""Model objects <-> JSON-able dicts, for the store (one row per object).

Why a hand-written codec: sets, enums and int-keyed dicts must round-trip exactly, and a
DB written by one drbdeck version must load in the next (migrations rewrite rows, the
codec stays tolerant of missing optional fields).
"""

from __future__ import annotations

from typing import Any

from drbdeck.backend.controller.model import (
    Node,
    NodeType,
    Provider,
    Resource,
    ResourceDfn,
    ResourceGroup,
    StorPool,
    StorPoolDfn,
    Volume,
    VolumeDfn,
)

Obj = Node | StorPoolDfn | StorPool | ResourceGroup | ResourceDfn | Resource


def _plain(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in obj.__dataclass_fields__:
        v = getattr(obj, name)
        if isinstance(v, set):
            v = sorted(v)
        elif isinstance(v, NodeType | Provider):
            v = v.value
        out[name] = v
    return out


def encode(obj: Obj) -> dict[str, Any]:
    d = _plain(obj)
    if isinstance(obj, ResourceDfn | Resource):
        d["volumes"] = [_plain(v) for v in obj.volumes.values()]
    return d


def _vd(d: dict[str, Any]) -> VolumeDfn:
    d = dict(d)
    d["flags"] = set(d.get("flags", ()))
    return VolumeDfn(**d)


def decode(kind: str, d: dict[str, Any]) -> Obj:
    d = dict(d)
    if "flags" in d:
        d["flags"] = set(d["flags"])
    if kind == "node":
        d["type"] = NodeType(d["type"])
        return Node(**d)
    if kind == "spd":
        return StorPoolDfn(**d)
    if kind == "pool":
        d["provider"] = Provider(d["provider"])
        return StorPool(**d)
    if kind == "rg":
        return ResourceGroup(**d)
    if kind == "rd":
        d["volumes"] = {v["number"]: _vd(v) for v in d.get("volumes", [])}
        return ResourceDfn(**d)
    if kind == "rsc":
        d["volumes"] = {v["number"]: Volume(**v) for v in d.get("volumes", [])}
        return Resource(**d)
    raise ValueError(f"unknown object kind {kind!r} in store")
