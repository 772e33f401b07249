"""Tables rendered from canned REST JSON: LINSTOR's headers, frame and cell texts."""

from __future__ import annotations

import argparse
import io
from datetime import datetime
from typing import Any

import pytest

from drbdeck.cli.linstor import state, views
from drbdeck.cli.linstor.tables import make_console
from tests.cli import linstor_data as data


def render(show: Any, answer: Any, **args: Any) -> list[list[str]]:
    """Render and split into rows of stripped cells; checks the frame on the way."""
    out = io.StringIO()
    show([answer], argparse.Namespace(**args), make_console(out, no_color=True))
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("+-") and lines[0].endswith("-+") and "|" not in lines[0]
    assert set(lines[2]) == {"|", "="}, lines[2]
    assert lines[-1] == lines[0]
    body = [line for line in lines[1:-1] if line[1] != "="]
    return [[c.strip() for c in line.strip("|").split("|")] for line in body]


def test_node_list() -> None:
    rows = render(views.show_nodes, data.NODES)
    assert rows[0] == ["Node", "NodeType", "Addresses", "State"]
    assert rows[1:] == [
        ["alpha", "COMBINED", "10.0.0.1:3366 (PLAIN)", "Online"],
        ["beta", "SATELLITE", "10.0.0.2:3366 (PLAIN)", "OFFLINE"],
        ["ctl", "CONTROLLER", "10.43.7.254:3370 (PLAIN)", "OFFLINE"],
        ["delta", "SATELLITE", "", "EVICTED"],
        ["gamma", "SATELLITE", "10.0.0.3:3366 (PLAIN)", "OFFLINE(HOST KEY MISMATCH)"],
    ]


def test_storage_pool_list() -> None:
    rows = render(views.show_storage_pools, data.STORAGE_POOLS)
    assert rows[0] == [
        "StoragePool", "Node", "Driver", "PoolName", "FreeCapacity", "TotalCapacity",
        "CanSnapshots", "State", "SharedName",
    ]  # fmt: skip
    assert rows[1:] == [
        ["DfltDisklessStorPool", "alpha", "DISKLESS", "", "", "", "False", "Ok",
         "alpha;DfltDisklessStorPool"],
        ["pool1", "alpha", "LVM", "vg0", "953.67 MiB", "10 GiB", "False", "Ok", "alpha;pool1"],
        ["thin", "alpha", "LVM_THIN", "vg0/thin0", "50 GiB", "50 GiB", "True", "Warning",
         "alpha;thin"],
    ]  # fmt: skip


def test_resource_definition_list() -> None:
    rows = render(views.show_resource_definitions, data.RESOURCE_DEFINITIONS)
    assert rows == [
        ["ResourceName", "ResourceGroup", "Layers", "State"],
        ["backups", "DfltRscGrp", "DRBD,STORAGE", "DELETE"],
        ["legacy", "DfltRscGrp", "DRBD,STORAGE", "ok"],
    ]


def test_volume_definition_list() -> None:
    rows = render(views.show_volume_definitions, data.RESOURCE_DEFINITIONS)
    assert rows == [
        ["ResourceName", "VolumeNr", "VolumeMinor", "Size", "Gross", "State"],
        ["backups", "0", "1000", "40 GiB", "+", "ok"],
        ["backups", "1", "", "10 MiB", "", "DELETING"],
        ["legacy", "10", "9100", "1.31 GiB", "", "ok"],
    ]


CREATED = datetime.fromtimestamp(1700000000).strftime("%Y-%m-%d %H:%M:%S")


def test_resource_list() -> None:
    rows = render(views.show_resources, data.RESOURCES, faulty=False)
    assert rows[0] == ["ResourceName", "Node", "Layers", "Usage", "Conns", "State", "CreatedOn"]
    assert rows[1:] == [
        ["backups", "alpha", "DRBD,STORAGE", "InUse", "Ok", "UpToDate", CREATED],
        ["backups", "beta", "DRBD,STORAGE", "Unused", "Connecting(gamma)", "SyncTarget(42.00%)",
         CREATED],
        ["backups", "gamma", "DRBD,STORAGE", "Unused", "Ok", "TieBreaker", CREATED],
        ["first", "alpha", "DRBD,STORAGE", "Unused", "Ok", "Unknown", CREATED],
        ["first", "bravo", "DRBD,STORAGE", "Unused", "Ok", "DELETING", CREATED],
        ["first", "charlie", "DRBD,STORAGE", "Unused", "Ok", "Diskless", CREATED],
        ["first", "delta", "DRBD,STORAGE", "Unused", "Ok", "Inconsistent", CREATED],
    ]  # fmt: skip


def test_resource_list_faulty_keeps_only_unhealthy() -> None:
    rows = render(views.show_resources, data.RESOURCES, faulty=True)
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("backups", "beta"), ("first", "alpha"), ("first", "bravo"), ("first", "charlie"),
        ("first", "delta"),
    ]  # fmt: skip


def test_resource_list_volumes() -> None:
    rows = render(views.show_volumes, data.RESOURCES, faulty=False)
    assert rows[0] == [
        "Resource", "Node", "StoragePool", "VolNr", "MinorNr", "DeviceName", "Allocated",
        "InUse", "State", "Repl",
    ]  # fmt: skip
    assert rows[1] == ["backups", "alpha", "pool1", "0", "1000", "/dev/drbd1000", "10.00 GiB",
                       "InUse", "UpToDate", "Established(2)"]  # fmt: skip
    assert rows[2][8:] == ["SyncTarget(42.00%)", "alpha: SyncTarget(42.00%)"]
    assert rows[3][2] == "DfltDisklessStorPool" and rows[3][8] == "TieBreaker"


def test_properties_tables() -> None:
    rows = render(views.show_flat_props, data.CONTROLLER_PROPS)
    assert rows == [["Key", "Value"], ["MinorNrAutoRange", "1000-49999"],
                    ["TcpPortAutoRange", "7000-7999"]]  # fmt: skip
    rows = render(views.show_props, {"name": "alpha", "props": {"Aux/rack": "r1"}})
    assert rows == [["Key", "Value"], ["Aux/rack", "r1"]]


def test_resource_group_list() -> None:
    from drbdeck.cli.linstor.cmd_group import show_groups

    groups = [
        {"name": "DfltRscGrp", "select_filter": {}},
        {"name": "rg1", "description": "vm disks",
         "select_filter": {"place_count": 2, "storage_pool_list": ["pool1"]}},
    ]  # fmt: skip
    rows = render(show_groups, groups)
    assert rows == [
        ["ResourceGroup", "SelectFilter", "VlmNrs", "Description"],
        ["DfltRscGrp", "", "", ""],
        ["rg1", "PlaceCount: 2, StoragePool(s): pool1", "", "vm disks"],
    ]


def test_colours_only_without_no_color() -> None:
    out = io.StringIO()
    console = make_console(out, no_color=False, force_terminal=True)
    views.show_resources([data.RESOURCES], argparse.Namespace(faulty=False), console)
    assert "\x1b[" in out.getvalue()
    out = io.StringIO()
    console = make_console(out, no_color=True, force_terminal=True)
    views.show_resources([data.RESOURCES], argparse.Namespace(faulty=False), console)
    assert "\x1b[3" not in out.getvalue()  # no colour codes (bold/underline aside)


RSC = {"flags": [], "layer_object": {"type": "DRBD"}}


@pytest.mark.parametrize(
    ("rflags", "vflags", "disk", "text", "colour"),
    [
        ([], [], "UpToDate", "UpToDate", "green"),
        ([], [], "SyncTarget(42.00%)", "SyncTarget(42.00%)", "yellow"),
        ([], [], "Outdated", "Outdated", "yellow"),
        ([], [], "Inconsistent", "Inconsistent", "red"),
        ([], [], "Failed", "Failed", "red"),
        ([], [], "To: Creating", "To: Creating", "red"),
        ([], [], None, "Unknown", "yellow"),
        ([], [], "DUnknown", "Unknown", "yellow"),
        (["DRBD_DISKLESS"], [], "Diskless", "Diskless", "green"),
        ([], [], "Diskless", "Diskless", "red"),
        (["DRBD_DISKLESS", "TIE_BREAKER"], [], "Diskless", "TieBreaker", "green"),
        (["DELETE"], [], "UpToDate", "DELETING", "yellow"),
        (["DRBD_DELETE"], [], "UpToDate", "DELETING", "yellow"),
        (["INACTIVE"], [], "UpToDate", "INACTIVE", "yellow"),
        ([], ["RESIZE"], "UpToDate", "Resizing, UpToDate", "green"),
        (["EVACUATE"], [], "UpToDate", "UpToDate, Evacuating", "green"),
    ],
)
def test_volume_state_cell(
    rflags: list[str], vflags: list[str], disk: str | None, text: str, colour: str
) -> None:
    vlm: dict[str, Any] = {"volume_number": 0, "flags": vflags, "state": {}}
    if disk is not None:
        vlm["state"]["disk_state"] = disk
    assert state.volume_state({**RSC, "flags": rflags}, vlm) == (text, colour)


def test_non_drbd_top_layer_is_created() -> None:
    rsc = {"flags": [], "layer_object": {"type": "STORAGE"}}
    assert state.volume_state(rsc, {"volume_number": 0}) == ("Created", "green")
