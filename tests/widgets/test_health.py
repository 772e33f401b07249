"""health: the fast "clean" check agrees with the full classification on random states."""

from __future__ import annotations

import random

from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.widgets.glyphs import ALERT, WARN
from drbdeck.widgets.health import classify_in_detail, classify_resource, is_clean
from tests.widgets.fixtures import NODES, cluster, start_resync

_VALUES = {
    "disk": ["UpToDate", "UpToDate", "Diskless", "Inconsistent", "Outdated", "Failed", "Odd"],
    "client": ["yes", "no", None],
    "quorum": ["yes", "yes", "no", None],
    "connection": ["Connected", "Connected", "Connecting", "StandAlone"],
    "role": ["Secondary", "Primary", "Unknown", None],
    "replication": ["Established", "Established", "SyncSource", "Off", "Ahead", "Zap"],
    "peer-disk": ["UpToDate", "UpToDate", "Diskless", "Inconsistent", "DUnknown"],
    "peer-client": ["yes", "no", None],
    "suspended": ["no", "no", "no", "user"],
}


def test_is_clean_agrees_with_the_full_classification() -> None:
    rng = random.Random(11)
    seen_clean = seen_dirty = 0
    for _ in range(400):
        st = DrbdState("x")
        susp = rng.choice(_VALUES["suspended"])
        st.feed(f"exists resource name:r role:Secondary suspended:{susp}")
        for vol in range(rng.randint(0, 2)):
            fields = [f"{k}:{v}" for k in ("disk", "client", "quorum")
                      if (v := rng.choice(_VALUES[k])) is not None]
            st.feed(f"exists device name:r volume:{vol} minor:{vol} " + " ".join(fields))
        for pid in range(1, rng.randint(1, 3)):
            c = [f"connection:{rng.choice(_VALUES['connection'])}"]
            if (role := rng.choice(_VALUES["role"])) is not None:
                c.append(f"role:{role}")
            st.feed(f"exists connection name:r peer-node-id:{pid} conn-name:p{pid} " + " ".join(c))
            pd = [f"{k}:{v}" for k in ("replication", "peer-disk", "peer-client")
                  if (v := rng.choice(_VALUES[k])) is not None]
            st.feed(f"exists peer-device name:r peer-node-id:{pid} conn-name:p{pid} volume:0 "
                    + " ".join(pd))
        rs = st.resources["r"]
        full = classify_in_detail(rs)
        assert is_clean(rs) == (not full.problems), (rs.raw, full.problems)
        assert classify_resource(rs).severity == full.severity
        seen_clean += is_clean(rs)
        seen_dirty += not is_clean(rs)
    assert seen_clean > 3 and seen_dirty > 100  # both paths exercised


def test_resync_is_a_warning_on_the_target_and_a_lost_peer_an_alert() -> None:
    states = cluster(NODES, ["r"])
    start_resync(states, "r", "alpha", "bravo", NODES)
    target = classify_resource(states["bravo"].resources["r"], where="bravo: ")
    assert target.severity == WARN
    assert "bravo: v0 disk Inconsistent" in [p.text for p in target.problems]
    states["alpha"].feed("change connection name:r peer-node-id:2 conn-name:charlie "
                         "connection:Connecting role:Unknown")
    lost = classify_resource(states["alpha"].resources["r"])
    assert lost.severity == ALERT and "charlie Connecting" in [p.text for p in lost.problems]
