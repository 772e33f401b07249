"""Cross-check: our request bodies equal what python-linstor 1.29.1 itself builds.

python-linstor is the reference client (the issue uses it in tests). Its methods are
called with the transport replaced by a recorder, so no server is needed. python-linstor
is a test extra: without it the module skips locally and fails under CI.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

import pytest

from drbdeck.cli.linstor.app import requests_for
from tests.conftest import require_module

linstorapi = require_module("linstor.linstorapi")

Call = tuple[str, str, Any]


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[Call]]:
    calls: list[Call] = []
    cls = linstorapi.Linstor

    def record(self: Any, apicall: str, method: str, path: str, body: Any = None, **kw: Any):
        calls.append((method, path, body))
        return []

    monkeypatch.setattr(cls, "_rest_request", record)
    monkeypatch.setattr(cls, "api_version_smaller", lambda self, v: False)
    monkeypatch.setattr(cls, "_require_version", lambda self, *a, **k: None)
    client = cls.__new__(cls)
    client._rest_conn = None
    client._node_types = ["Controller", "Satellite", "Combined", "Auxiliary"]
    client._require_node_is_active = lambda nif, value=True: nif.__setitem__("is_active", value)
    return client, calls


def _rsc(node: str, rsc: str, **kw: Any) -> Any:
    return linstorapi.ResourceData(node, rsc, **kw)


CASES: list[tuple[str, Callable[[Any], Any]]] = [
    ("node create --node-type Combined drbd-arm 10.10.43.13",
     lambda a: a.node_create("drbd-arm", "combined", "10.10.43.13", com_type="plain")),
    ("n c --node-type controller ctl 10.43.7.254",
     lambda a: a.node_create("ctl", "controller", "10.43.7.254", com_type="plain")),
    ("sp c drbd-arm swpool lvm sw_ssd",
     lambda a: a.storage_pool_create("drbd-arm", "swpool", "LVM", "sw_ssd")),
    ("sp c lvmthin alpha drbdpool pve/drbdpool",
     lambda a: a.storage_pool_create("alpha", "drbdpool", "LVM_THIN", "pve/drbdpool")),
    ("sp c diskless alpha dl", lambda a: a.storage_pool_create("alpha", "dl", "DISKLESS", None)),
    ("rd c legacy -p 15500", lambda a: a.resource_dfn_create("legacy", port=15500)),
    ("rd c r1 --peer-slots 4 --resource-group rg1",
     lambda a: a.resource_dfn_create("r1", resource_group="rg1", peer_slots=4)),
    ("rd sp legacy PeerSlotsNewResource 4",
     lambda a: a.resource_dfn_modify("legacy", {"PeerSlotsNewResource": "4"}, [])),
    ("vd c legacy -n 10 -m 9100 1371956KiB",
     lambda a: a.volume_dfn_create("legacy", 1371956, volume_nr=10, minor_nr=9100)),
    ("vd c first 10M --storage-pool drbdpool --gross",
     lambda a: a.volume_dfn_create("first", 10240, storage_pool="drbdpool", gross=True)),
    ("vd sp legacy 10 OverrideVlmId legacy",
     lambda a: a.volume_dfn_modify("legacy", 10, set_properties={"OverrideVlmId": "legacy"})),
    ("r c --node-id 4 -s fatpool power legacy",
     lambda a: a.resource_create([_rsc("power", "legacy", storage_pool="fatpool", node_id=4)])),
    ("r c alpha bravo first --drbd-diskless",
     lambda a: a.resource_create(
         [_rsc(n, "first", drbd_diskless=True) for n in ("alpha", "bravo")])),
    ("r c backups --auto-place 2",
     lambda a: a.resource_auto_place("backups", 2, diskless_on_remaining=None)),
    ("r c r1 --auto-place 3 -s p1 p2 --do-not-place-with r9 --replicas-on-different rack",
     lambda a: a.resource_auto_place("r1", 3, storage_pool=["p1", "p2"], do_not_place_with=["r9"],
                                     replicas_on_different=["Aux/rack"],
                                     diskless_on_remaining=None)),
    ("r mkavail charlie vm-100", lambda a: a.resource_make_available("charlie", "vm-100")),
    ("n sp alpha Aux/rack r1", lambda a: a.node_modify("alpha", property_dict={"Aux/rack": "r1"})),
    ("n sp alpha Aux/rack", lambda a: a.node_modify("alpha", delete_props=["Aux/rack"])),
    ("r sp alpha r1 K V", lambda a: a.resource_modify("alpha", "r1", {"K": "V"}, [])),
    ("c sp K V", lambda a: a.controller_set_prop("K", "V")),
    ("c sp K", lambda a: a.controller_del_prop("K")),
    ("rg c rg1 --place-count 2 -s pool1",
     lambda a: a.resource_group_create("rg1", place_count=2, storage_pool="pool1")),
    ("rg spawn rg1 r5 10G 20G",
     lambda a: a.resource_group_spawn("rg1", "r5", [10485760, 20971520])),
    ("rg sp rg1 Aux/team ops",
     lambda a: a.resource_group_modify("rg1", property_dict={"Aux/team": "ops"})),
    ("rg m rg1 --place-count 3",
     lambda a: a.resource_group_modify("rg1", place_count=3)),
    ("n d alpha", lambda a: a.node_delete("alpha")),
    ("rd d first", lambda a: a.resource_dfn_delete("first")),
    ("vd d r1 0", lambda a: a.volume_dfn_delete("r1", 0)),
]  # fmt: skip


@pytest.mark.parametrize(("words", "call"), CASES, ids=[w for w, _ in CASES])
def test_same_request_as_python_linstor(
    api: tuple[Any, list[Call]], words: str, call: Callable[[Any], Any]
) -> None:
    client, calls = api
    call(client)
    mine = [(r.method, r.path, r.body) for r in requests_for(shlex.split(words))]
    assert mine == calls
