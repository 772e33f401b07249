"""List renderers: REST JSON → LINSTOR's table columns (linstor.md §6 "List output").

Each renderer takes the decoded answers of its GET request(s) and prints one table;
column headers are LINSTOR's exactly, since operators and scripts know them.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from functools import lru_cache
from typing import Any

from rich.console import Console

from drbdeck.cli.linstor import state
from drbdeck.cli.linstor.tables import Cell, render_table
from drbdeck.units import format_kib

NODE_HEADERS = ("Node", "NodeType", "Addresses", "State")
SP_HEADERS = (
    "StoragePool", "Node", "Driver", "PoolName", "FreeCapacity", "TotalCapacity",
    "CanSnapshots", "State", "SharedName",
)  # fmt: skip
RD_HEADERS = ("ResourceName", "ResourceGroup", "Layers", "State")
VD_HEADERS = ("ResourceName", "VolumeNr", "VolumeMinor", "Size", "Gross", "State")
R_HEADERS = ("ResourceName", "Node", "Layers", "Usage", "Conns", "State", "CreatedOn")
RV_HEADERS = (
    "Resource", "Node", "StoragePool", "VolNr", "MinorNr", "DeviceName", "Allocated",
    "InUse", "State", "Repl",
)  # fmt: skip
PROP_HEADERS = ("Key", "Value")

_CONN_SHOWN = {"ONLINE": ("Online", "green"), "CONNECTED": ("Connected", "yellow")}


def items(answers: list[Any]) -> list[dict[str, Any]]:
    """The objects of list answers; anything else is a malformed answer (ValueError)."""
    items: list[dict[str, Any]] = []
    for answer in answers:
        if not isinstance(answer, list) or not all(isinstance(x, dict) for x in answer):
            raise ValueError(f"expected a JSON list of objects, got {str(answer)[:80]!r}")
        items.extend(answer)
    return items


def node_state(node: dict[str, Any]) -> Cell:
    flags = set(node.get("flags", []))
    for flag in ("EVICTED", "DELETE", "EVACUATE"):
        if flag in flags:
            return flag, "red" if flag == "EVICTED" else "yellow"
    status = str(node.get("connection_status", "UNKNOWN")).upper()
    if status in _CONN_SHOWN:
        return _CONN_SHOWN[status]
    if status == "OFFLINE":
        return "OFFLINE", "red"
    if status == "UNKNOWN":
        return "Unknown", "yellow"
    return f"OFFLINE({status.replace('_', ' ')})", "red"


def _addresses(node: dict[str, Any]) -> str:
    shown = []
    for nif in node.get("net_interfaces", []):
        port = nif.get("satellite_port")
        enc = str(nif.get("satellite_encryption_type", "")).upper()
        addr = str(nif.get("address", ""))
        shown.append(f"{addr}:{port} ({enc})" if port else addr)
    return ",".join(shown)


def show_nodes(answers: list[Any], args: argparse.Namespace, console: Console) -> None:
    rows = [
        [n["name"], str(n.get("type", "")).upper(), _addresses(n), node_state(n)]
        for n in sorted(items(answers), key=lambda n: n["name"])
    ]
    render_table(console, NODE_HEADERS, rows)


def _size(value: Any) -> str:
    return format_kib(int(value)) if isinstance(value, int) else ""


def _pool_state(sp: dict[str, Any]) -> Cell:
    codes = [int(r.get("ret_code", 0)) & 0xFFFFFFFFFFFFFFFF for r in sp.get("reports", [])]
    if any(c & 0xC000000000000000 == 0xC000000000000000 for c in codes):
        return "Error", "red"
    if any(c & 0x8000000000000000 for c in codes):
        return "Warning", "yellow"
    return "Ok", "green"


def show_storage_pools(answers: list[Any], args: argparse.Namespace, console: Console) -> None:
    pools = sorted(items(answers), key=lambda p: (p["storage_pool_name"], p["node_name"]))
    rows = [
        [
            p["storage_pool_name"],
            p["node_name"],
            str(p.get("provider_kind", "")),
            str(p.get("props", {}).get("StorDriver/StorPoolName", "")),
            _size(p.get("free_capacity")),
            _size(p.get("total_capacity")),
            str(bool(p.get("supports_snapshots", False))),
            _pool_state(p),
            str(p.get("free_space_mgr_name") or f"{p['node_name']};{p['storage_pool_name']}"),
        ]
        for p in pools
    ]
    render_table(console, SP_HEADERS, rows)


def _layers(layer_data: list[dict[str, Any]]) -> str:
    return ",".join(str(x.get("type", "")).upper() for x in layer_data)


def show_resource_definitions(
    answers: list[Any], args: argparse.Namespace, console: Console
) -> None:
    rows = [
        [
            rd["name"],
            str(rd.get("resource_group_name", "")),
            _layers(rd.get("layer_data", [])),
            ("DELETE", "yellow") if "DELETE" in rd.get("flags", []) else "ok",
        ]
        for rd in sorted(items(answers), key=lambda r: r["name"])
    ]
    render_table(console, RD_HEADERS, rows)


def _minor(vd: dict[str, Any]) -> str:
    for layer in vd.get("layer_data", []):
        minor = (layer.get("data") or {}).get("minor_number")
        if minor is not None:
            return str(minor)
    return ""


def _vd_state(vd: dict[str, Any]) -> Cell:
    flags = set(vd.get("flags", []))
    if "DELETE" in flags:
        return "DELETING", "yellow"
    if "RESIZE" in flags:
        return "resizing", "yellow"
    return "ok"


def show_volume_definitions(answers: list[Any], args: argparse.Namespace, console: Console) -> None:
    rows: list[list[Cell]] = []
    for rd in sorted(items(answers), key=lambda r: r["name"]):
        for vd in sorted(rd.get("volume_definitions", []), key=lambda v: v["volume_number"]):
            rows.append(
                [
                    rd["name"],
                    str(vd["volume_number"]),
                    _minor(vd),
                    format_kib(int(vd["size_kib"])),
                    "+" if "GROSS_SIZE" in vd.get("flags", []) else "",
                    _vd_state(vd),
                ]
            )
    render_table(console, VD_HEADERS, rows)


def created_on(rsc: dict[str, Any]) -> str:
    """``create_timestamp`` (ms) as local ``YYYY-MM-DD HH:MM:SS``, like LINSTOR's client."""
    stamp = rsc.get("create_timestamp")
    return _local_time(stamp // 1000) if isinstance(stamp, int) else ""


@lru_cache(maxsize=4096)
def _local_time(seconds: int) -> str:
    """Cached: resources created together share their second, and r l may list 30,000."""
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def _usage(rsc: dict[str, Any]) -> str:
    in_use = (rsc.get("state") or {}).get("in_use")
    return "" if in_use is None else ("InUse" if in_use else "Unused")


def _resources(answers: list[Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    rscs = sorted(items(answers), key=lambda r: (r["name"], r["node_name"]))
    if getattr(args, "faulty", False):
        rscs = [r for r in rscs if state.is_faulty(r)]
    return rscs


def show_resources(answers: list[Any], args: argparse.Namespace, console: Console) -> None:
    rows = [
        [
            r["name"],
            r["node_name"],
            ",".join(state.layer_stack(r.get("layer_object"))),
            _usage(r),
            state.connections_cell(r),
            state.resource_state(r),
            created_on(r),
        ]
        for r in _resources(answers, args)
    ]
    render_table(console, R_HEADERS, rows)


def _drbd_data(vlm: dict[str, Any]) -> dict[str, Any]:
    for layer in vlm.get("layer_data_list", []):
        if str(layer.get("type", "")).upper() == "DRBD":
            return layer.get("data") or {}
    return {}


def show_volumes(answers: list[Any], args: argparse.Namespace, console: Console) -> None:
    rows: list[list[Cell]] = []
    for r in _resources(answers, args):
        for v in sorted(r.get("volumes", []), key=lambda v: v["volume_number"]):
            drbd = _drbd_data(v)
            minor = (drbd.get("drbd_volume_definition") or {}).get("minor_number")
            allocated = v.get("allocated_size_kib", drbd.get("allocated_size_kib"))
            rows.append(
                [
                    r["name"],
                    r["node_name"],
                    str(v.get("storage_pool_name", "")),
                    str(v["volume_number"]),
                    "" if minor is None else str(minor),
                    str(drbd.get("device_path") or v.get("device_path", "")),
                    _size(allocated),
                    _usage(r),
                    state.volume_state(r, v),
                    state.replication_cell(v),
                ]
            )
    render_table(console, RV_HEADERS, rows)


def show_props(answers: list[Any], args: argparse.Namespace, console: Console) -> None:
    """``lp`` of one object: the ``props`` of the answer (an object, or a one-item list)."""
    props: dict[str, Any] = {}
    for answer in answers:
        obj = answer[0] if isinstance(answer, list) and answer else answer
        if isinstance(obj, dict):
            props.update(obj.get("props") or {})
    render_table(console, PROP_HEADERS, [[k, str(v)] for k, v in sorted(props.items())])


def show_flat_props(answers: list[Any], args: argparse.Namespace, console: Console) -> None:
    """``c lp``: the controller answers a flat ``{key: value}`` object."""
    props = answers[0] if answers and isinstance(answers[0], dict) else {}
    render_table(console, PROP_HEADERS, [[k, str(v)] for k, v in sorted(props.items())])


def show_version(answers: list[Any], args: argparse.Namespace, console: Console) -> None:
    info = answers[0] if answers and isinstance(answers[0], dict) else {}
    console.print(
        f"linstor controller {info.get('version', '?')}; GIT-hash: {info.get('git_hash', '?')}",
        markup=False,
    )
