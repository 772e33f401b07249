"""Allocation: lowest-free rules, explicit-value conflicts, exhaustion errors (linstor.md §3)."""

from __future__ import annotations

import pytest

from drbdeck.backend.controller import allocation as al
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.model import (
    ClusterModel,
    Node,
    Resource,
    ResourceDfn,
    ResourceGroup,
    VolumeDfn,
)


def _model() -> ClusterModel:
    m = ClusterModel.initial()
    for n in ("alpha", "beta", "gamma"):
        m.nodes[n] = Node(n)
    m.rds["r1"] = ResourceDfn("r1")
    m.rds["r2"] = ResourceDfn("r2")
    return m


def _rsc(m: ClusterModel, rd: str, node: str, nid: int, port: int | None) -> None:
    m.resources[(rd.upper(), node.upper())] = Resource(node, rd, nid, tcp_port=port)


def _code(exc: pytest.ExceptionInfo[rc.ApiError]) -> int:
    return exc.value.entry.code


def test_port_lowest_free_and_peer_preference() -> None:
    m = _model()
    assert al.allocate_port(m, "r1", "alpha") == 7000
    _rsc(m, "r2", "alpha", 0, 7000)
    assert al.allocate_port(m, "r1", "alpha") == 7001
    _rsc(m, "r1", "alpha", 0, 7001)
    assert al.allocate_port(m, "r1", "beta") == 7001  # same port as its peer


def test_port_rd_preferred_then_fallback() -> None:
    m = _model()
    m.rds["r1"].port = 15500
    assert al.allocate_port(m, "r1", "alpha") == 15500
    _rsc(m, "r2", "beta", 0, 15500)
    assert al.allocate_port(m, "r1", "beta") == 7000


def test_port_explicit_conflict_and_range() -> None:
    m = _model()
    _rsc(m, "r2", "alpha", 0, 7005)
    assert al.allocate_port(m, "r1", "beta", explicit=7005) == 7005
    with pytest.raises(rc.ApiError, match="already in use on node 'alpha'") as ei:
        al.allocate_port(m, "r1", "alpha", explicit=7005)
    assert _code(ei) == 215
    for bad in (0, 65536, -1, True):
        with pytest.raises(rc.ApiError, match="1 to 65535"):
            al.allocate_port(m, "r1", "alpha", explicit=bad)  # type: ignore[arg-type]


def test_port_range_props_and_exhaustion() -> None:
    m = _model()
    m.controller_props["TcpPortAutoRange"] = "8000-8001"
    assert al.allocate_port(m, "r1", "alpha") == 8000
    m.nodes["beta"].props["TcpPortAutoRange"] = "9000-9000"
    assert al.allocate_port(m, "r1", "beta") == 9000
    _rsc(m, "r2", "beta", 0, 9000)
    with pytest.raises(rc.ApiError, match="No TCP/IP port number could be allocated") as ei:
        al.allocate_port(m, "r1", "beta")
    assert _code(ei) == 802


def test_minors() -> None:
    m = _model()
    assert al.allocate_minor(m) == 1000
    m.rds["r1"].volumes[0] = VolumeDfn(0, 100, 1000)
    m.rds["r2"].volumes[0] = VolumeDfn(0, 100, 1002)
    assert al.allocate_minor(m) == 1001
    assert al.allocate_minor(m, explicit=9100) == 9100
    assert al.allocate_minor(m, explicit=5) == 5  # explicit may lie outside the auto range
    with pytest.raises(rc.ApiError, match="already in use by volume definition 'r2/0'") as ei:
        al.allocate_minor(m, explicit=1002)
    assert _code(ei) == 207
    for bad in (-1, 1 << 20):
        with pytest.raises(rc.ApiError, match="0 to 1048575"):
            al.allocate_minor(m, explicit=bad)
    m.controller_props["MinorNrAutoRange"] = "1000-1000"
    with pytest.raises(rc.ApiError, match="Could not find free minor number") as ei:
        al.allocate_minor(m)
    assert _code(ei) == 801


def test_node_ids() -> None:
    m = _model()
    assert al.allocate_node_id(m, "r1") == 0
    _rsc(m, "r1", "alpha", 0, None)
    _rsc(m, "r1", "beta", 2, None)
    _rsc(m, "r2", "gamma", 1, None)  # another RD does not count
    assert al.allocate_node_id(m, "r1") == 1
    assert al.allocate_node_id(m, "r1", explicit=8) == 8
    with pytest.raises(rc.ApiError, match="already in use by resource 'r1' on node 'beta'") as ei:
        al.allocate_node_id(m, "r1", explicit=2)
    assert _code(ei) == 204
    for bad in (-1, 32):
        with pytest.raises(rc.ApiError, match="0 to 31"):
            al.allocate_node_id(m, "r1", explicit=bad)
    for i in range(32):
        _rsc(m, "r1", f"n{i}", i, None)
    with pytest.raises(rc.ApiError, match="free node-id") as ei:
        al.allocate_node_id(m, "r1")
    assert _code(ei) == 803


def test_volume_numbers() -> None:
    rd = ResourceDfn("r1")
    assert al.allocate_vnr(rd) == 0
    rd.volumes[0] = VolumeDfn(0, 1)
    rd.volumes[2] = VolumeDfn(2, 1)
    assert al.allocate_vnr(rd) == 1
    assert al.allocate_vnr(rd, explicit=10) == 10
    with pytest.raises(rc.ApiError, match="already exists") as ei:
        al.allocate_vnr(rd, explicit=2)
    assert _code(ei) == 503
    for bad in (-1, 65535):
        with pytest.raises(rc.ApiError, match="0 to 65534") as ei:
            al.allocate_vnr(rd, explicit=bad)
        assert _code(ei) == 205


def test_peer_slots_lookup_order() -> None:
    m = _model()
    rd = m.rds["r1"]
    assert al.peer_slots_for_new_resource(m, rd) == 7
    m.controller_props["PeerSlotsNewResource"] = "3"
    assert al.peer_slots_for_new_resource(m, rd) == 3
    m.rgs["DfltRscGrp"].props["PeerSlotsNewResource"] = "5"
    assert al.peer_slots_for_new_resource(m, rd) == 5
    rd.props["PeerSlotsNewResource"] = "4"
    assert al.peer_slots_for_new_resource(m, rd) == 4
    m.rgs["g2"] = ResourceGroup("g2", peer_slots=9)
    rd2 = ResourceDfn("r3", resource_group="g2")
    assert al.peer_slots_for_new_resource(m, rd2) == 9


def test_peer_slot_guard_and_check() -> None:
    al.check_enough_peer_slots(1, 3, "r1")
    with pytest.raises(rc.ApiError) as ei:
        al.check_enough_peer_slots(1, 4, "r1")
    assert _code(ei) == 993
    assert al.check_peer_slots(31) == 31
    for bad in (0, 32, "4"):
        with pytest.raises(rc.ApiError, match="1 to 31"):
            al.check_peer_slots(bad)


def test_secret() -> None:
    a, b = al.new_secret(), al.new_secret()
    assert a != b and len(a) == 20 and a.isascii()
