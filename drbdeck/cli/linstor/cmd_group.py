"""``resource-group`` / ``rg``: create, list, modify, set-property, delete, spawn.

Resource groups carry an auto-place select filter; ``rg spawn`` makes an RD with its VDs
from one and places it. Bodies follow python-linstor (an empty ``select_filter`` object
is always sent). LINSTOR's client sends ``--place-count`` as a string (§6 quirk); we send
an integer, which the controller must accept either way.
"""

from __future__ import annotations

import argparse
from typing import Any

from drbdeck.cli.linstor.cmd_definitions import int_in, size_kib
from drbdeck.cli.linstor.request import Request, props_change, query, seg
from drbdeck.cli.linstor.selectfilter import aux_name, common_filter
from drbdeck.cli.linstor.spec import Command, Group
from drbdeck.cli.linstor.tables import render_table


def _configure_filter(p: argparse.ArgumentParser) -> None:
    p.add_argument("--place-count", type=int_in(1, 32), metavar="N")
    p.add_argument("-s", "--storage-pool", nargs="+", metavar="POOL")
    p.add_argument("--replicas-on-same", nargs="+", metavar="AUX")
    p.add_argument("--replicas-on-different", nargs="+", metavar="AUX")
    p.add_argument("--diskless-on-remaining", action="store_const", const=True)


def select_filter(a: argparse.Namespace) -> dict[str, Any]:
    sf: dict[str, Any] = {}
    if a.place_count is not None:
        sf["place_count"] = a.place_count
    return sf | common_filter(a)


def _configure_create(p: argparse.ArgumentParser) -> None:
    _configure_filter(p)
    p.add_argument("--description")
    p.add_argument("--peer-slots", type=int_in(1, 31))
    p.add_argument("name", metavar="NAME")


def build_create(a: argparse.Namespace) -> list[Request]:
    body: dict[str, Any] = {"name": a.name}
    if a.description:
        body["description"] = a.description
    body["select_filter"] = select_filter(a)
    if a.peer_slots is not None:
        body["peer_slots"] = a.peer_slots
    return [Request("POST", "/v1/resource-groups", body)]


def _configure_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("-r", "--resource-groups", nargs="+", metavar="RG")


def build_list(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", "/v1/resource-groups", query=query(resource_groups=a.resource_groups))]


def _filter_text(sf: dict[str, Any]) -> str:
    parts = []
    if "place_count" in sf:
        parts.append(f"PlaceCount: {sf['place_count']}")
    if sf.get("storage_pool_list"):
        parts.append(f"StoragePool(s): {', '.join(sf['storage_pool_list'])}")
    if sf.get("diskless_on_remaining"):
        parts.append("DisklessOnRemaining: True")
    return ", ".join(parts)


def show_groups(answers: list[Any], args: argparse.Namespace, console: Any) -> None:
    groups = sorted((g for a in answers if isinstance(a, list) for g in a), key=lambda g: g["name"])
    rows = [
        [
            g["name"],
            _filter_text(g.get("select_filter") or {}),
            ",".join(str(v.get("volume_number")) for v in g.get("volume_groups", [])),
            str(g.get("description", "")),
        ]
        for g in groups
    ]
    render_table(console, ("ResourceGroup", "SelectFilter", "VlmNrs", "Description"), rows)


def _configure_name(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME")


def build_delete(a: argparse.Namespace) -> list[Request]:
    return [Request("DELETE", f"/v1/resource-groups/{seg(a.name)}")]


def _configure_modify(p: argparse.ArgumentParser) -> None:
    _configure_filter(p)
    p.add_argument("--description")
    p.add_argument("name", metavar="NAME")


def build_modify(a: argparse.Namespace) -> list[Request]:
    body: dict[str, Any] = {"select_filter": select_filter(a)}
    if a.description is not None:
        body["description"] = a.description
    return [Request("PUT", f"/v1/resource-groups/{seg(a.name)}", body)]


def _configure_set_property(p: argparse.ArgumentParser) -> None:
    p.add_argument("--aux", action="store_true")
    p.add_argument("name", metavar="NAME")
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE", nargs="?")


def build_set_property(a: argparse.Namespace) -> list[Request]:
    key = aux_name(a.key) if a.aux else a.key
    body = {"select_filter": {}, **props_change(key, a.value)}  # as python-linstor sends
    return [Request("PUT", f"/v1/resource-groups/{seg(a.name)}", body)]


def _configure_spawn(p: argparse.ArgumentParser) -> None:
    p.add_argument("--partial", action="store_true")
    p.add_argument("--definitions-only", action="store_true")
    p.add_argument("group", metavar="RG")
    p.add_argument("rsc", metavar="RSC")
    p.add_argument("sizes", metavar="SIZE", nargs="*", type=size_kib, help="default unit GiB")


def build_spawn(a: argparse.Namespace) -> list[Request]:
    body = {
        "resource_definition_name": a.rsc,
        "volume_sizes": a.sizes,
        "partial": a.partial,
        "definitions_only": a.definitions_only,
        "select_filter": {},
    }
    return [Request("POST", f"/v1/resource-groups/{seg(a.group)}/spawn", body)]


GROUP = Group(
    "resource-group",
    ("rg",),
    "resource groups (auto-place templates)",
    (
        Command("create", ("c",), "create a resource group", _configure_create, build_create),
        Command("list", ("l", "ls"), "list resource groups", _configure_list, build_list,
                show_groups),
        Command("modify", ("m",), "change a resource group's auto-place settings",
                _configure_modify, build_modify),
        Command("set-property", ("sp",), "set (or, without VALUE, delete) a property",
                _configure_set_property, build_set_property),
        Command("delete", ("d",), "delete a resource group", _configure_name, build_delete),
        Command("spawn-resources", ("spawn",), "create and place a resource from a group",
                _configure_spawn, build_spawn),
    ),
)  # fmt: skip
