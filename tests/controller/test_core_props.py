"""Property whitelist per object kind: accepted keys, value checks, refusals naming key+kind."""

from __future__ import annotations

import pytest

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.props import Kind, check, check_all, parse_range

GOOD = [
    (Kind.RSC_DFN, "PeerSlotsNewResource", "4"), (Kind.CONTROLLER, "PeerSlotsNewResource", "31"),
    (Kind.RSC_GRP, "PeerSlotsNewResource", "1"), (Kind.VLM_DFN, "OverrideVlmId", "legacy"),
    (Kind.VLM_DFN, "AllowLargerVolumeSize", "true"),
    (Kind.VLM_DFN, "AllowLargerVolumeSize", "False"),
    (Kind.RSC_DFN, "StorPoolName", "pool1"), (Kind.NODE, "Aux/rack", "r1"),
    (Kind.RESOURCE, "Aux/a/b.c", ""), (Kind.RSC_DFN, "DrbdOptions/Net/protocol", "C"),
    (Kind.CONTROLLER, "DrbdOptions/Resource/quorum", "majority"),
    (Kind.RSC_DFN, "DrbdOptions/Disk/resync-rate", "100M"),
    (Kind.NODE, "DrbdOptions/Handlers/split-brain", "/usr/bin/notify"),
    (Kind.CONTROLLER, "TcpPortAutoRange", "7000-7999"), (Kind.NODE, "TcpPortAutoRange", "1-65535"),
    (Kind.CONTROLLER, "MinorNrAutoRange", "1000-49999"),
    (Kind.STOR_POOL, "StorDriver/StorPoolName", "vg0/thin0"),
]


@pytest.mark.parametrize(("kind", "k", "v"), GOOD)
def test_good(kind: Kind, k: str, v: str) -> None:
    check(kind, k, v)


BAD = [
    (Kind.RSC_DFN, "PeerSlotsNewResource", "0", "1 to 31"),
    (Kind.RSC_DFN, "PeerSlotsNewResource", "32", "1 to 31"),
    (Kind.RSC_DFN, "PeerSlotsNewResource", "x", "1 to 31"),
    (Kind.NODE, "PeerSlotsNewResource", "4", "not allowed on this object"),
    (Kind.RSC_DFN, "OverrideVlmId", "x", "not allowed"),
    (Kind.VLM_DFN, "AllowLargerVolumeSize", "yes", "'true' or 'false'"),
    (Kind.RSC_DFN, "NoSuchKey", "1", "not whitelisted"),
    (Kind.RSC_DFN, "a;rm -rf /", "1", "not whitelisted"),
    (Kind.RSC_DFN, "DrbdOptions/Net/protocoll", "C", "not a drbd.conf net option"),
    (Kind.RSC_DFN, "DrbdOptions/Net/protocol", "X", "Value is not valid"),
    (Kind.RSC_DFN, "DrbdOptions/Bogus/protocol", "C", "DrbdOptions/<Net"),
    (Kind.RSC_DFN, "DrbdOptions/Net", "C", "DrbdOptions/<Net"),
    (Kind.RSC_DFN, "DrbdOptions/Resource/quorum", "99", "too big"),
    (Kind.CONTROLLER, "TcpPortAutoRange", "8000-7000", "a <= b"),
    (Kind.CONTROLLER, "TcpPortAutoRange", "0-100", "a <= b"),
    (Kind.CONTROLLER, "TcpPortAutoRange", "7000-70000", "a <= b"),
    (Kind.CONTROLLER, "TcpPortAutoRange", "abc", "'a-b'"),
    (Kind.RSC_DFN, "TcpPortAutoRange", "7000-7999", "not allowed"),
    (Kind.NODE, "Aux/", "x", "Aux keys"), (Kind.NODE, "Aux/a b", "x", "Aux keys"),
    (Kind.NODE, "Aux/a", "x\ny", "newlines"),
    (Kind.VLM_DFN, "OverrideVlmId", "", "non-empty"),
]


@pytest.mark.parametrize(("kind", "k", "v", "why"), BAD)
def test_bad(kind: Kind, k: str, v: str, why: str) -> None:
    with pytest.raises(rc.ApiError) as ei:
        check(kind, k, v)
    assert ei.value.entry.code == 213
    assert k in str(ei.value) and why in str(ei.value)


def test_unknown_key_names_object_kind() -> None:
    with pytest.raises(rc.ApiError, match="for volume definition: not whitelisted"):
        check(Kind.VLM_DFN, "Foo", "1")


def test_check_all_and_range() -> None:
    check_all(Kind.RSC_DFN, {"Aux/x": "1", "PeerSlotsNewResource": "4"})
    with pytest.raises(rc.ApiError):
        check_all(Kind.RSC_DFN, {"Aux/x": "1", "Bad": "4"})
    assert parse_range("7000-7999") == (7000, 7999)
