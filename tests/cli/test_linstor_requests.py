"""Every seed command (and the grammar around it) → the exact REST request of linstor.md §7."""

from __future__ import annotations

import io
import shlex

import pytest

from drbdeck.cli.linstor import GROUP_WORDS, main
from drbdeck.cli.linstor.app import requests_for
from drbdeck.cli.linstor.request import Request

RD = "/v1/resource-definitions"
IFACE = {"name": "default", "satellite_port": 3366, "satellite_encryption_type": "plain",
         "is_active": True}  # fmt: skip


def node_body(name: str, type_: str, address: str, port: int = 3366) -> dict[str, object]:
    return {
        "name": name,
        "type": type_,
        "net_interfaces": [{**IFACE, "address": address, "satellite_port": port}],
    }


#: every command of /work/shared/seeds/000_16feff74cf9a0be0.txt, in document order
SEED_COMMANDS: list[tuple[str, Request]] = [
    ("resource-definition create legacy -p 15500",
     Request("POST", RD, {"resource_definition": {"name": "legacy"}, "drbd_port": 15500})),
    ("resource-definition set-property legacy PeerSlotsNewResource 4",
     Request("PUT", f"{RD}/legacy", {"override_props": {"PeerSlotsNewResource": "4"}})),
    ("volume-definition create legacy -n 10 -m 9100 1371956KiB",
     Request("POST", f"{RD}/legacy/volume-definitions",
             {"volume_definition": {"size_kib": 1371956, "flags": [], "volume_number": 10},
              "drbd_minor_number": 9100})),
    ("volume-definition set-property legacy 10 AllowLargerVolumeSize true",
     Request("PUT", f"{RD}/legacy/volume-definitions/10",
             {"override_props": {"AllowLargerVolumeSize": "true"}})),
    ("volume-definition set-property legacy 10 OverrideVlmId legacy",
     Request("PUT", f"{RD}/legacy/volume-definitions/10",
             {"override_props": {"OverrideVlmId": "legacy"}})),
    ("resource create --node-id 4 -s fatpool power legacy",
     Request("POST", f"{RD}/legacy/resources",
             [{"resource": {"node_name": "power", "props": {"StorPoolName": "fatpool"}},
               "drbd_node_id": 4}])),
    ("resource create --node-id 8 -s fatpool open legacy",
     Request("POST", f"{RD}/legacy/resources",
             [{"resource": {"node_name": "open", "props": {"StorPoolName": "fatpool"}},
               "drbd_node_id": 8}])),
    ("node create --node-type Combined drbd-arm 10.10.43.13",
     Request("POST", "/v1/nodes", node_body("drbd-arm", "combined", "10.10.43.13"))),
    ("node create --node-type Satellite drbd-arm-2 10.10.25.5",
     Request("POST", "/v1/nodes", node_body("drbd-arm-2", "satellite", "10.10.25.5"))),
    ("node list", Request("GET", "/v1/nodes")),
    ("storage-pool create drbd-arm swpool lvm sw_ssd",
     Request("POST", "/v1/nodes/drbd-arm/storage-pools",
             {"storage_pool_name": "swpool", "provider_kind": "LVM",
              "props": {"StorDriver/StorPoolName": "sw_ssd"}})),
    ("storage-pool create drbd-arm-2 swpool lvm sw_ssd",
     Request("POST", "/v1/nodes/drbd-arm-2/storage-pools",
             {"storage_pool_name": "swpool", "provider_kind": "LVM",
              "props": {"StorDriver/StorPoolName": "sw_ssd"}})),
    ("resource-definition create backups",
     Request("POST", RD, {"resource_definition": {"name": "backups"}})),
    ("volume-definition create backups 40G",
     Request("POST", f"{RD}/backups/volume-definitions",
             {"volume_definition": {"size_kib": 41943040, "flags": []}})),
    ("resource create backups --auto-place 2",
     Request("POST", f"{RD}/backups/autoplace",
             {"diskless_on_remaining": None, "select_filter": {"place_count": 2}})),
    ("resource list-volumes", Request("GET", "/v1/view/resources")),
    ("node create --node-type Controller linstor-controller 10.43.7.254",
     Request("POST", "/v1/nodes",
             node_body("linstor-controller", "controller", "10.43.7.254", 3370))),
    ("resource list", Request("GET", "/v1/view/resources")),
    ("node create alpha 10.0.0.1 --node-type Combined",
     Request("POST", "/v1/nodes", node_body("alpha", "combined", "10.0.0.1"))),
    ("node create bravo 10.0.0.2 --node-type Combined",
     Request("POST", "/v1/nodes", node_body("bravo", "combined", "10.0.0.2"))),
    ("node create charlie 10.0.0.3 --node-type Combined",
     Request("POST", "/v1/nodes", node_body("charlie", "combined", "10.0.0.3"))),
    ("node create delta 10.0.0.4 --node-type Combined",
     Request("POST", "/v1/nodes", node_body("delta", "combined", "10.0.0.4"))),
    ("storage-pool-definition create drbdpool",
     Request("POST", "/v1/storage-pool-definitions", {"storage_pool_name": "drbdpool"})),
    ("spd c drbdpool",
     Request("POST", "/v1/storage-pool-definitions", {"storage_pool_name": "drbdpool"})),
    *[
        (f"storage-pool create {n} drbdpool lvmthin pve/drbdpool",
         Request("POST", f"/v1/nodes/{n}/storage-pools",
                 {"storage_pool_name": "drbdpool", "provider_kind": "LVM_THIN",
                  "props": {"StorDriver/StorPoolName": "pve/drbdpool"}}))
        for n in ("alpha", "bravo", "charlie", "delta")
    ],
    ("resource-definition create first",
     Request("POST", RD, {"resource_definition": {"name": "first"}})),
    ("volume-definition create first 10M --storage-pool drbdpool",
     Request("POST", f"{RD}/first/volume-definitions",
             {"volume_definition": {"size_kib": 10240, "flags": [],
                                    "props": {"StorPoolName": "drbdpool"}}})),
    ("resource create alpha first",
     Request("POST", f"{RD}/first/resources", [{"resource": {"node_name": "alpha"}}])),
    ("resource create bravo first",
     Request("POST", f"{RD}/first/resources", [{"resource": {"node_name": "bravo"}}])),
    ("resource-definition delete -q first", Request("DELETE", f"{RD}/first")),
]  # fmt: skip


@pytest.mark.parametrize(("words", "expected"), SEED_COMMANDS, ids=[w for w, _ in SEED_COMMANDS])
def test_seed_command_builds_the_documented_request(words: str, expected: Request) -> None:
    assert requests_for(shlex.split(words)) == [expected]


#: the rest of the grammar the issue needs, with aliases
MORE: list[tuple[str, list[Request]]] = [
    ("sp c lvm alpha pool1 vg0",
     [Request("POST", "/v1/nodes/alpha/storage-pools",
              {"storage_pool_name": "pool1", "provider_kind": "LVM",
               "props": {"StorDriver/StorPoolName": "vg0"}})]),
    ("sp c lvmthin alpha pool1 vg0/thin0",
     [Request("POST", "/v1/nodes/alpha/storage-pools",
              {"storage_pool_name": "pool1", "provider_kind": "LVM_THIN",
               "props": {"StorDriver/StorPoolName": "vg0/thin0"}})]),
    ("sp c LVMTHIN alpha pool1 vg0/thin0",
     [Request("POST", "/v1/nodes/alpha/storage-pools",
              {"storage_pool_name": "pool1", "provider_kind": "LVM_THIN",
               "props": {"StorDriver/StorPoolName": "vg0/thin0"}})]),
    ("sp c file alpha fp /var/lib/pool",
     [Request("POST", "/v1/nodes/alpha/storage-pools",
              {"storage_pool_name": "fp", "provider_kind": "FILE",
               "props": {"StorDriver/StorPoolName": "/var/lib/pool"}})]),
    ("sp c filethin alpha fp /srv",
     [Request("POST", "/v1/nodes/alpha/storage-pools",
              {"storage_pool_name": "fp", "provider_kind": "FILE_THIN",
               "props": {"StorDriver/StorPoolName": "/srv"}})]),
    ("sp c diskless alpha dl",
     [Request("POST", "/v1/nodes/alpha/storage-pools",
              {"storage_pool_name": "dl", "provider_kind": "DISKLESS"})]),
    ("sp l", [Request("GET", "/v1/view/storage-pools")]),
    ("sp l -n alpha beta -s pool1",
     [Request("GET", "/v1/view/storage-pools",
              query=(("nodes", "alpha"), ("nodes", "beta"), ("storage_pools", "pool1")))]),
    ("sp d alpha pool1", [Request("DELETE", "/v1/nodes/alpha/storage-pools/pool1")]),
    ("n l", [Request("GET", "/v1/nodes")]),
    ("n d alpha", [Request("DELETE", "/v1/nodes/alpha")]),
    ("n sp alpha Aux/rack r1", [Request("PUT", "/v1/nodes/alpha",
                                        {"override_props": {"Aux/rack": "r1"}})]),
    ("n sp --aux alpha rack", [Request("PUT", "/v1/nodes/alpha",
                                       {"delete_props": ["Aux/rack"]})]),
    ("n lp alpha", [Request("GET", "/v1/nodes/alpha")]),
    ("n c gamma 10.0.0.9 --ssh-host 127.0.0.1 --ssh-port 2201 --ssh-user admin",
     [Request("POST", "/v1/nodes",
              {**node_body("gamma", "satellite", "10.0.0.9"),
               "ssh": {"host": "127.0.0.1", "port": 2201, "user": "admin"}})]),
    ("n c --node-type AUXILIARY aux1 10.0.0.8",
     [Request("POST", "/v1/nodes", node_body("aux1", "auxiliary", "10.0.0.8"))]),
    ("rd c r1 --peer-slots 4 --resource-group rg1",
     [Request("POST", RD, {"resource_definition": {"name": "r1", "resource_group_name": "rg1"},
                           "drbd_peer_slots": 4})]),
    ("rd l", [Request("GET", RD)]),
    ("rd l -r r1 r2", [Request("GET", RD, query=(("resource_definitions", "r1"),
                                                 ("resource_definitions", "r2")))]),
    ("rd d r1", [Request("DELETE", f"{RD}/r1")]),
    ("rd sp r1 DrbdOptions/Net/protocol",
     [Request("PUT", f"{RD}/r1", {"delete_props": ["DrbdOptions/Net/protocol"]})]),
    ("rd lp r1", [Request("GET", f"{RD}/r1")]),
    ("vd c r1 1 --gross -s pool1",
     [Request("POST", f"{RD}/r1/volume-definitions",
              {"volume_definition": {"size_kib": 1048576, "flags": ["GROSS_SIZE"],
                                     "props": {"StorPoolName": "pool1"}}})]),
    ("vd l", [Request("GET", RD, query=(("with_volume_definitions", "true"),))]),
    ("vd d r1 0", [Request("DELETE", f"{RD}/r1/volume-definitions/0")]),
    ("r c alpha bravo r1 --node-id 3 --drbd-diskless --drbd-tcp-port 7010",
     [Request("POST", f"{RD}/r1/resources", [
         {"resource": {"node_name": n, "flags": ["DRBD_DISKLESS"]}, "drbd_node_id": 3,
          "drbd_tcp_ports": [7010]} for n in ("alpha", "bravo")])]),
    ("r c alpha r1 -d --async",
     [Request("POST", f"{RD}/r1/resources",
              [{"resource": {"node_name": "alpha", "flags": ["DISKLESS"]}}])]),
    ("r c alpha r1 -s pool1",
     [Request("POST", f"{RD}/r1/resources",
              [{"resource": {"node_name": "alpha", "props": {"StorPoolName": "pool1"}}}])]),
    ("r c -s pool1 alpha --node-id 2 r1",
     [Request("POST", f"{RD}/r1/resources",
              [{"resource": {"node_name": "alpha", "props": {"StorPoolName": "pool1"}},
                "drbd_node_id": 2}])]),
    ("r c r1 --auto-place +1", [Request("POST", f"{RD}/r1/autoplace", {
        "diskless_on_remaining": None, "select_filter": {"additional_place_count": 1}})]),
    ("r c r1 --auto-place 3 --storage-pool pool1 pool2 --do-not-place-with r9 r8"
     " --do-not-place-with-regex ^vm- --replicas-on-same zone --replicas-on-different Aux/rack"
     " --x-replicas-on-different dc 2 --diskless-on-remaining",
     [Request("POST", f"{RD}/r1/autoplace", {
         "diskless_on_remaining": True,
         "select_filter": {
             "place_count": 3, "diskless_on_remaining": True,
             "storage_pool_list": ["pool1", "pool2"], "not_place_with_rsc": ["r9", "r8"],
             "not_place_with_rsc_regex": "^vm-", "replicas_on_same": ["Aux/zone"],
             "replicas_on_different": ["Aux/rack"], "x_replicas_on_different_map": {"Aux/dc": 2},
         }})]),
    ("r c r1 --auto-place 2 --diskless-on-remaining false",
     [Request("POST", f"{RD}/r1/autoplace", {
         "diskless_on_remaining": False,
         "select_filter": {"place_count": 2, "diskless_on_remaining": False}})]),
    ("r mkavail charlie vm-100",
     [Request("POST", f"{RD}/vm-100/resources/charlie/make-available", {"diskful": False})]),
    ("r make-available --diskful charlie vm-100",
     [Request("POST", f"{RD}/vm-100/resources/charlie/make-available", {"diskful": True})]),
    ("r l -r r1 -n alpha --faulty",
     [Request("GET", "/v1/view/resources", query=(("nodes", "alpha"), ("resources", "r1")))]),
    ("r lv", [Request("GET", "/v1/view/resources")]),
    ("v l", [Request("GET", "/v1/view/resources")]),
    ("r d alpha bravo r1", [Request("DELETE", f"{RD}/r1/resources/alpha"),
                            Request("DELETE", f"{RD}/r1/resources/bravo")]),
    ("r d alpha r1 --keep-tiebreaker",
     [Request("DELETE", f"{RD}/r1/resources/alpha", query=(("keep_tiebreaker", "True"),))]),
    ("r sp alpha r1 DrbdOptions/Disk/disk-flushes no",
     [Request("PUT", f"{RD}/r1/resources/alpha",
              {"override_props": {"DrbdOptions/Disk/disk-flushes": "no"}})]),
    ("rg c rg1 --place-count 2 -s pool1 --replicas-on-different rack",
     [Request("POST", "/v1/resource-groups",
              {"name": "rg1", "select_filter": {"place_count": 2, "storage_pool_list": ["pool1"],
                                                "replicas_on_different": ["Aux/rack"]}})]),
    ("rg c rg2", [Request("POST", "/v1/resource-groups", {"name": "rg2", "select_filter": {}})]),
    ("rg l", [Request("GET", "/v1/resource-groups")]),
    ("rg d rg1", [Request("DELETE", "/v1/resource-groups/rg1")]),
    ("rg spawn rg1 r5 10G 20G",
     [Request("POST", "/v1/resource-groups/rg1/spawn",
              {"resource_definition_name": "r5", "volume_sizes": [10485760, 20971520],
               "partial": False, "definitions_only": False, "select_filter": {}})]),
    ("c version", [Request("GET", "/v1/controller/version")]),
    ("controller list-properties", [Request("GET", "/v1/controller/properties")]),
    ("c sp TcpPortAutoRange 7000-7999",
     [Request("POST", "/v1/controller/properties",
              {"override_props": {"TcpPortAutoRange": "7000-7999"}})]),
    ("c sp TcpPortAutoRange", [Request("POST", "/v1/controller/properties",
                                       {"delete_props": ["TcpPortAutoRange"]})]),
]  # fmt: skip


@pytest.mark.parametrize(("words", "expected"), MORE, ids=[w for w, _ in MORE])
def test_command_builds_request(words: str, expected: list[Request]) -> None:
    assert requests_for(shlex.split(words)) == expected


def test_both_sp_create_forms_give_the_same_request() -> None:
    old = requests_for(shlex.split("sp c alpha pool1 lvmthin vg0/thin0"))
    new = requests_for(shlex.split("sp c lvmthin alpha pool1 vg0/thin0"))
    assert old == new


def test_curl_prints_method_url_and_body() -> None:
    out = io.StringIO()
    code = main(
        ["--controllers", "ctl1:4000,ctl2", "--curl", "r", "c", "--node-id", "4", "-s",
         "fatpool", "power", "legacy"],
        None, stdout=out, environ={},
    )  # fmt: skip
    assert code == 0
    argv = shlex.split(out.getvalue())
    assert argv[:3] == ["curl", "-X", "POST"]
    assert argv[-1] == "http://ctl1:4000/v1/resource-definitions/legacy/resources"
    assert argv[argv.index("-d") + 1] == (
        '[{"resource": {"node_name": "power", "props": {"StorPoolName": "fatpool"}},'
        ' "drbd_node_id": 4}]'
    )


def test_curl_uses_ls_controllers_when_no_option() -> None:
    out = io.StringIO()
    assert main(["--curl", "n", "l"], None, stdout=out, environ={"LS_CONTROLLERS": "drbd-arm"}) == 0
    assert out.getvalue().strip() == "curl -X GET http://drbd-arm:3370/v1/nodes"


def test_curl_query_repeats_keys() -> None:
    out = io.StringIO()
    assert main(["--curl", "r", "l", "-n", "a", "b"], None, stdout=out, environ={}) == 0
    url = shlex.split(out.getvalue())[-1]
    assert url == "http://localhost:3370/v1/view/resources?nodes=a&nodes=b"


def test_group_words_cover_groups_and_aliases() -> None:
    expected = {"node", "n", "storage-pool", "sp", "storage-pool-definition", "spd",
                "resource-definition", "rd", "volume-definition", "vd", "resource", "r",
                "volume", "v", "controller", "c", "resource-group", "rg"}  # fmt: skip
    assert expected <= GROUP_WORDS


def test_seed_controllers_equals_form() -> None:
    """The HA-controller seed: ``linstor --controllers=10.43.7.254 node list``."""
    out = io.StringIO()
    argv = ["--controllers=10.43.7.254", "--curl", "node", "list"]
    assert main(argv, None, stdout=out, environ={}) == 0
    assert out.getvalue() == "curl -X GET http://10.43.7.254:3370/v1/nodes\n"
