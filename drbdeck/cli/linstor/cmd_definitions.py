"""``resource-definition`` / ``rd`` and ``volume-definition`` / ``vd``.

Bodies carry only what was given, like python-linstor, so the controller's defaults
(port, peer slots, minor, volume number) apply to everything left out.
"""

from __future__ import annotations

import argparse
from typing import Any

from drbdeck.cli.linstor import views
from drbdeck.cli.linstor.cmd_node import aux_key
from drbdeck.cli.linstor.request import Request, props_change, query, seg
from drbdeck.cli.linstor.spec import Command, Group
from drbdeck.units import SizeError, parse_size_kib


def int_in(low: int, high: int) -> Any:
    """argparse type: an integer in [low, high], the message naming the range."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range {low}-{high}")
        return value

    return convert


def size_kib(text: str) -> int:
    """argparse type for SIZE (default unit GiB, §6)."""
    try:
        return parse_size_kib(text, "GiB")
    except SizeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def layers(text: str) -> list[str]:
    return [x.strip().lower() for x in text.split(",") if x.strip()]


# ---- resource-definition ----------------------------------------------------------


def _configure_rd_create(p: argparse.ArgumentParser) -> None:
    p.add_argument("-p", "--port", type=int_in(1, 65535), help="preferred DRBD TCP port")
    p.add_argument("--peer-slots", type=int_in(1, 31))
    p.add_argument("-l", "--layer-list", type=layers, help="e.g. drbd,storage")
    p.add_argument("--resource-group", metavar="RG")
    p.add_argument("name", metavar="NAME")


def build_rd_create(a: argparse.Namespace) -> list[Request]:
    rd: dict[str, Any] = {"name": a.name}
    body: dict[str, Any] = {"resource_definition": rd}
    if a.port is not None:
        body["drbd_port"] = a.port
    if a.layer_list:
        rd["layer_data"] = [{"type": layer} for layer in a.layer_list]
    if a.resource_group:
        rd["resource_group_name"] = a.resource_group
    if a.peer_slots:
        body["drbd_peer_slots"] = a.peer_slots
    return [Request("POST", "/v1/resource-definitions", body)]


def _configure_rd_modify(p: argparse.ArgumentParser) -> None:
    p.add_argument("-p", "--port", type=int_in(1, 65535))
    p.add_argument("--peer-slots", type=int_in(1, 31))
    p.add_argument("--resource-group", metavar="RG")
    p.add_argument("name", metavar="NAME")


def build_rd_modify(a: argparse.Namespace) -> list[Request]:
    body: dict[str, Any] = {}
    if a.port is not None:
        body["drbd_port"] = a.port
    if a.peer_slots:
        body["drbd_peer_slots"] = a.peer_slots
    if a.resource_group:
        body["resource_group"] = a.resource_group
    return [Request("PUT", f"/v1/resource-definitions/{seg(a.name)}", body)]


def _configure_rd_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("-r", "--resource-definitions", nargs="+", metavar="RSC")


def build_rd_list(a: argparse.Namespace) -> list[Request]:
    q = query(resource_definitions=a.resource_definitions)
    return [Request("GET", "/v1/resource-definitions", query=q)]


def _configure_rd_delete(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="accepted for old scripts")
    p.add_argument("--async", action="store_true", help="deprecated, ignored")
    p.add_argument("name", metavar="NAME")


def build_rd_delete(a: argparse.Namespace) -> list[Request]:
    return [Request("DELETE", f"/v1/resource-definitions/{seg(a.name)}")]


def _configure_rd_sp(p: argparse.ArgumentParser) -> None:
    p.add_argument("--aux", action="store_true")
    p.add_argument("name", metavar="RSC")
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE", nargs="?")


def build_rd_sp(a: argparse.Namespace) -> list[Request]:
    path = f"/v1/resource-definitions/{seg(a.name)}"
    return [Request("PUT", path, props_change(aux_key(a), a.value))]


def _configure_rd_lp(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="RSC")


def build_rd_lp(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", f"/v1/resource-definitions/{seg(a.name)}")]


RD_GROUP = Group(
    "resource-definition",
    ("rd",),
    "resource definitions",
    (
        Command("create", ("c",), "create a resource definition",
                _configure_rd_create, build_rd_create),
        Command("modify", ("m",), "change port, peer slots or group",
                _configure_rd_modify, build_rd_modify),
        Command("list", ("l", "ls"), "list resource definitions",
                _configure_rd_list, build_rd_list, views.show_resource_definitions),
        Command("delete", ("d",), "delete a resource definition",
                _configure_rd_delete, build_rd_delete),
        Command("set-property", ("sp",), "set or delete a property",
                _configure_rd_sp, build_rd_sp),
        Command("list-properties", ("lp",), "list properties",
                _configure_rd_lp, build_rd_lp, views.show_props),
    ),
)  # fmt: skip

# ---- volume-definition ------------------------------------------------------------


def _configure_vd_create(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--vlmnr", type=int_in(0, 65535), metavar="VLMNR")
    p.add_argument("-m", "--minor", type=int_in(1, 1048575), metavar="MINOR")
    p.add_argument("-s", "--storage-pool", metavar="POOL")
    p.add_argument("--gross", action="store_true", help="SIZE is the gross (backing) size")
    p.add_argument("rsc", metavar="RSC")
    p.add_argument("size", metavar="SIZE", type=size_kib, help="integer + unit, default GiB")


def build_vd_create(a: argparse.Namespace) -> list[Request]:
    vd: dict[str, Any] = {"size_kib": a.size, "flags": []}
    body: dict[str, Any] = {"volume_definition": vd}
    if a.minor is not None:
        body["drbd_minor_number"] = a.minor
    if a.vlmnr is not None:
        vd["volume_number"] = a.vlmnr
    if a.gross:
        vd["flags"] = ["GROSS_SIZE"]
    if a.storage_pool:
        vd["props"] = {"StorPoolName": a.storage_pool}
    return [Request("POST", f"/v1/resource-definitions/{seg(a.rsc)}/volume-definitions", body)]


def _configure_vd_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("-r", "--resource-definitions", nargs="+", metavar="RSC")


def build_vd_list(a: argparse.Namespace) -> list[Request]:
    q = (*query(resource_definitions=a.resource_definitions), ("with_volume_definitions", "true"))
    return [Request("GET", "/v1/resource-definitions", query=q)]


def _configure_rsc_vnr(p: argparse.ArgumentParser) -> None:
    p.add_argument("rsc", metavar="RSC")
    p.add_argument("vnr", metavar="VLMNR", type=int_in(0, 65535))


def _vd_path(a: argparse.Namespace) -> str:
    return f"/v1/resource-definitions/{seg(a.rsc)}/volume-definitions/{a.vnr}"


def build_vd_delete(a: argparse.Namespace) -> list[Request]:
    return [Request("DELETE", _vd_path(a))]


def _configure_vd_sp(p: argparse.ArgumentParser) -> None:
    p.add_argument("--aux", action="store_true")
    _configure_rsc_vnr(p)
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE", nargs="?")


def build_vd_sp(a: argparse.Namespace) -> list[Request]:
    return [Request("PUT", _vd_path(a), props_change(aux_key(a), a.value))]


def _configure_vd_size(p: argparse.ArgumentParser) -> None:
    _configure_rsc_vnr(p)
    p.add_argument("size", metavar="SIZE", type=size_kib)


def build_vd_size(a: argparse.Namespace) -> list[Request]:
    return [Request("PUT", _vd_path(a), {"size_kib": a.size})]


def build_vd_lp(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", _vd_path(a))]


VD_GROUP = Group(
    "volume-definition",
    ("vd",),
    "volume definitions",
    (
        Command("create", ("c",), "create a volume definition",
                _configure_vd_create, build_vd_create),
        Command("list", ("l", "ls"), "list volume definitions",
                _configure_vd_list, build_vd_list, views.show_volume_definitions),
        Command("delete", ("d",), "delete a volume definition",
                _configure_rsc_vnr, build_vd_delete),
        Command("set-property", ("sp",), "set or delete a property",
                _configure_vd_sp, build_vd_sp),
        Command("list-properties", ("lp",), "list properties",
                _configure_rsc_vnr, build_vd_lp, views.show_props),
        Command("set-size", ("size",), "resize a volume definition",
                _configure_vd_size, build_vd_size),
    ),
)  # fmt: skip
