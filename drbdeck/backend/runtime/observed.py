"""Observed DRBD state joined to the controller's objects (linstor.md §8).

Why here and not in the REST layer: the REST serializer, the console and the tests all ask
"what does node N see of resource R" and all need the same rules (SyncTarget with its
percentage, Unknown when the node is offline, DELETING from the flags), so they are written
once over the per-node events2 models (:class:`drbdeck.collectors.drbdstate.DrbdState`).

``observed(rd, node)`` returns ``None`` when nothing is known (node offline, no link, the
events2 dump not complete yet, or the resource not running there), else::

    {
      "in_use": bool,                      # the local role is Primary
      "volumes": {
        vnr: {
          "disk_state": "UpToDate" | "SyncTarget(42.00%)" | "Diskless" | "Inconsistent" | ...,
          "replication_states": {
            peer_name: {"replication_state": "Established" | "SyncTarget" | ...,
                        "done_percentage": float | None},
          },
        },
      },
      "connections": {peer_name: {"connected": bool, "message": "Connected" | ...}},
    }

``state_string(flags, observed, vnr)`` gives the text of the ``State`` column of ``r l``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from drbdeck.collectors.drbdstate import DrbdState, ResourceState

#: Replication states in which the local disk is the target of a resync (§8).
SYNC_TARGET_STATES = frozenset({"SyncTarget", "PausedSyncT"})

Observed = dict[str, Any]


def _volume(res: ResourceState, vnr: int, disk: str) -> dict[str, Any]:
    repl: dict[str, dict[str, Any]] = {}
    shown = disk
    for c in res.connections.values():
        pd = c.peer_devices.get(vnr)
        if pd is None:
            continue
        state = pd.raw.get("replication", "Off")
        done = pd.done
        repl[c.name or str(c.peer_node_id)] = {"replication_state": state,
                                              "done_percentage": done}
        if state in SYNC_TARGET_STATES and shown == disk:
            shown = f"SyncTarget({done if done is not None else 0.0:.2f}%)"
    return {"disk_state": shown, "replication_states": repl}


def observe_resource(res: ResourceState) -> Observed:
    """One running resource of one node in the documented shape."""
    volumes = {vnr: _volume(res, vnr, d.disk) for vnr, d in sorted(res.devices.items())}
    conns = {
        (c.name or str(c.peer_node_id)): {"connected": c.is_connected,
                                          "message": c.connection}
        for c in res.connections.values()
    }
    return {"in_use": res.role == "Primary", "volumes": volumes, "connections": conns}


class ObservedState:
    """Looks up a resource in the events2 model of the node, if that node is online."""

    def __init__(self, states: Callable[[str], DrbdState | None],
                 online: Callable[[str], bool]) -> None:
        self._states = states
        self._online = online

    def __call__(self, rd: str, node: str) -> Observed | None:
        return self.observed(rd, node)

    def observed(self, rd: str, node: str) -> Observed | None:
        if not self._online(node):
            return None
        st = self._states(node)
        if st is None or not st.initial_done:
            return None
        res = st.resources.get(rd)
        if res is None:
            return None
        return observe_resource(res)


def state_string(flags: Collection[str], observed: Mapping[str, Any] | None,
                 vnr: int = 0) -> str:
    """The ``r l`` State column for one volume of one replica (linstor.md §8)."""
    if "DELETE" in flags or "DRBD_DELETE" in flags:
        return "DELETING"
    if "INACTIVE" in flags:
        return "INACTIVE"
    vol = (observed or {}).get("volumes", {}).get(vnr)
    if vol is None:
        return "Unknown"
    disk = str(vol["disk_state"])
    if disk == "DUnknown":
        return "Unknown"
    if disk == "Diskless" and "TIE_BREAKER" in flags:
        return "TieBreaker"
    return disk


__all__ = ["Observed", "ObservedState", "observe_resource", "state_string"]
