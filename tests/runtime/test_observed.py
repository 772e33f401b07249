"""observed(): events2 state joined to (rd, node), and the r l State column rules."""

from __future__ import annotations

from drbdeck.backend.runtime.observed import ObservedState, state_string
from drbdeck.collectors.drbdstate import DrbdState
from tests.collectors.samples import ALPHA, BRAVO


def _state(node: str, lines: list[str]) -> DrbdState:
    s = DrbdState(node=node)
    for ln in lines:
        s.feed(ln)
    return s


def test_sync_target_with_percentage_then_uptodate() -> None:
    cut = BRAVO.index(
        "change peer-device name:r0 peer-node-id:0 conn-name:alpha volume:0 done:37.50") + 1
    bravo = _state("bravo", BRAVO[:cut])
    online = {"bravo"}
    obs = ObservedState({"bravo": bravo}.get, lambda n: n in online)
    got = obs("r0", "bravo")
    assert got is not None
    vol = got["volumes"][0]
    assert vol["disk_state"] == "SyncTarget(37.50%)"
    assert vol["replication_states"]["alpha"] == {"replication_state": "SyncTarget",
                                                  "done_percentage": 37.5}
    assert got["connections"]["alpha"] == {"connected": True, "message": "Connected"}
    assert got["in_use"] is False
    assert state_string(set(), got) == "SyncTarget(37.50%)"
    for ln in BRAVO[cut:]:
        bravo.feed(ln)
    done = obs("r0", "bravo")
    assert done is not None and state_string(set(), done) == "UpToDate"
    # offline node, unknown resource, unknown node: nothing known → Unknown
    online.clear()
    assert obs("r0", "bravo") is None
    assert state_string(set(), obs("r0", "bravo")) == "Unknown"
    online.add("bravo")
    assert obs("r9", "bravo") is None and obs("r0", "zulu") is None


def test_primary_connections_and_flags() -> None:
    alpha = _state("alpha", ALPHA[:9])  # the dump, bravo still Connecting
    obs = ObservedState({"alpha": alpha}.get, lambda n: True)
    got = obs("r0", "alpha")
    assert got is not None and got["in_use"] is True
    assert got["connections"]["bravo"] == {"connected": False, "message": "Connecting"}
    assert got["volumes"][0]["disk_state"] == "UpToDate"
    assert state_string({"DELETE"}, got) == "DELETING"
    assert state_string({"INACTIVE"}, got) == "INACTIVE"
    assert state_string(set(), got, vnr=5) == "Unknown"
    diskless = {"volumes": {0: {"disk_state": "Diskless", "replication_states": {}}}}
    assert state_string({"DISKLESS", "TIE_BREAKER"}, diskless) == "TieBreaker"
    assert state_string({"DISKLESS"}, diskless) == "Diskless"
    assert state_string(set(), {"volumes": {0: {"disk_state": "DUnknown"}}}) == "Unknown"


def test_before_initial_dump_is_unknown() -> None:
    s = DrbdState(node="alpha")
    s.feed(ALPHA[0])
    assert ObservedState({"alpha": s}.get, lambda n: True)("r0", "alpha") is None
