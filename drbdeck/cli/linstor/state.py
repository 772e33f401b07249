"""State cells of ``r l`` / ``r lv`` from the REST ``view/resources`` JSON (linstor.md §8).

The rules follow LINSTOR's client so that a script grepping ``UpToDate`` or
``SyncTarget(`` keeps working: DELETING wins, then INACTIVE, then non-DRBD top layer
(``Created``), then the reported disk state with Unknown/TieBreaker/Diskless special cases,
a ``Resizing, `` prefix and a ``, Evacuating`` suffix.
"""

from __future__ import annotations

from typing import Any

GREEN, YELLOW, RED = "green", "yellow", "red"

_RED = {"Inconsistent", "Failed"}
_GREEN = {"UpToDate", "Created", "Attached"}


def top_layer(rsc: dict[str, Any]) -> str:
    return str(rsc.get("layer_object", {}).get("type", "")).upper()


def layer_stack(layer: dict[str, Any] | None) -> list[str]:
    """``layer_object`` → ``["DRBD", "STORAGE"]`` following the first child."""
    stack: list[str] = []
    while layer:
        stack.append(str(layer.get("type", "")).upper())
        children = layer.get("children") or []
        layer = children[0] if children else None
    return stack


def volume_state(rsc: dict[str, Any], vlm: dict[str, Any]) -> tuple[str, str]:
    """(text, colour) of one volume's State cell."""
    rflags = set(rsc.get("flags", []))
    vflags = set(vlm.get("flags", []))
    if rflags & {"DELETE", "DRBD_DELETE"} or vflags & {"DELETE", "DRBD_DELETE"}:
        return "DELETING", YELLOW
    if "INACTIVE" in rflags:
        return "INACTIVE", YELLOW
    if top_layer(rsc) not in ("", "DRBD"):
        return "Created", GREEN
    disk = (vlm.get("state") or {}).get("disk_state")
    text, colour = _disk_cell(disk, rflags)
    if "RESIZE" in vflags:
        text = "Resizing, " + text
    if "EVACUATE" in rflags:
        text += ", Evacuating"
    return text, colour


def _disk_cell(disk: str | None, rflags: set[str]) -> tuple[str, str]:
    if not disk or disk == "DUnknown":
        return "Unknown", YELLOW
    if disk == "Diskless":
        if "TIE_BREAKER" in rflags:
            return "TieBreaker", GREEN
        intended = rflags & {"DISKLESS", "DRBD_DISKLESS", "NVME_INITIATOR"}
        return "Diskless", GREEN if intended else RED
    if disk in _RED or disk.startswith("To: "):
        return disk, RED
    if disk in _GREEN:
        return disk, GREEN
    return disk, YELLOW


def resource_state(rsc: dict[str, Any]) -> tuple[str, str]:
    """One cell for the whole resource: the first volume that is not healthy, else the
    first volume (one line per resource in ``r l``); ``Unknown`` without volumes."""
    volumes = rsc.get("volumes") or []
    if not volumes:
        if set(rsc.get("flags", [])) & {"DELETE", "DRBD_DELETE"}:
            return "DELETING", YELLOW
        return "Unknown", YELLOW
    cells = [volume_state(rsc, v) for v in volumes]
    return next((c for c in cells if c[1] != GREEN), cells[0])


def is_faulty(rsc: dict[str, Any]) -> bool:
    """``r l --faulty``: any volume not green."""
    return resource_state(rsc)[1] != GREEN


def connections_cell(rsc: dict[str, Any]) -> str:
    """``Ok`` or ``Connecting(beta),StandAlone(gamma)`` from the DRBD layer."""
    drbd = (rsc.get("layer_object") or {}).get("drbd") or {}
    broken = [
        f"{c.get('message', 'Unconnected')}({peer})"
        for peer, c in sorted((drbd.get("connections") or {}).items())
        if not c.get("connected")
    ]
    return ",".join(broken) if broken else "Ok"


def replication_cell(vlm: dict[str, Any]) -> str:
    """``Established(2)`` or ``beta: SyncTarget(42.00%)`` per peer (``r lv`` Repl)."""
    states = (vlm.get("state") or {}).get("replication_states") or {}
    if not states:
        return ""
    names = [s.get("replication_state", "") for s in states.values()]
    if all(n == "Established" for n in names):
        return f"Established({len(names)})"
    parts = []
    for peer, s in sorted(states.items()):
        text = s.get("replication_state", "")
        pct = s.get("done_percentage")
        parts.append(f"{peer}: {text}" + (f"({pct:.2f}%)" if pct is not None else ""))
    return ", ".join(parts)
