"""``storage-pool`` / ``sp`` and ``storage-pool-definition`` / ``spd``.

``sp c`` accepts both spellings: today's ``sp c DRIVER NODE POOL [VG[/THIN]|DIR]`` and
the older ``sp c NODE POOL DRIVER VG`` that the seed documents use. The first positional
decides: a known driver name means today's form. ``spd`` no longer exists in LINSTOR's
client, but the seeds use ``spd c``; the REST endpoint is still there, so we accept it.
"""

from __future__ import annotations

import argparse
from typing import Any

from drbdeck.cli.linstor import views
from drbdeck.cli.linstor.cmd_node import aux_key
from drbdeck.cli.linstor.request import Request, props_change, query, seg
from drbdeck.cli.linstor.spec import Command, Group, UsageError

#: CLI driver word → REST provider_kind
DRIVERS = {
    "lvm": "LVM",
    "lvmthin": "LVM_THIN",
    "file": "FILE",
    "filethin": "FILE_THIN",
    "diskless": "DISKLESS",
}
_DRIVER_LIST = "|".join(DRIVERS)


def _configure_create(p: argparse.ArgumentParser) -> None:
    p.usage = (
        f"%(prog)s [-h] [--shared-space NAME] [--external-locking] {{{_DRIVER_LIST}}} NODE POOL "
        f"[VG[/THIN]|DIR]\n       %(prog)s NODE POOL {{{_DRIVER_LIST}}} VG[/THIN]|DIR  (older form)"
    )
    p.add_argument("--shared-space", help="shared space name (free_space_mgr_name)")
    p.add_argument("--external-locking", action="store_true")
    p.add_argument("words", nargs="+", metavar="ARG")


def split_create(words: list[str]) -> tuple[str, str, str, str | None]:
    """(provider_kind, node, pool, driver pool) from either form of ``sp c``."""
    if words[0].lower() in DRIVERS:
        driver, rest = words[0].lower(), words[1:]
        if len(rest) < 2:
            raise UsageError("arguments NODE and POOL are required after the driver")
        node, pool, extra = rest[0], rest[1], rest[2:]
    elif len(words) >= 3 and words[2].lower() in DRIVERS:
        node, pool, driver, extra = words[0], words[1], words[2].lower(), words[3:]
    else:
        third = repr(words[2]) if len(words) > 2 else "a third word"
        raise UsageError(
            f"argument DRIVER: neither {words[0]!r} (first) nor {third} (third) is a driver "
            f"(one of {', '.join(DRIVERS)})"
        )
    if len(extra) > 1:
        raise UsageError(f"unrecognized arguments: {' '.join(extra[1:])}")
    driver_pool = extra[0] if extra else None
    if driver != "diskless" and not driver_pool:
        raise UsageError(f"argument VG: driver {driver!r} needs a driver pool (VG, VG/THIN or DIR)")
    if driver == "diskless" and driver_pool:
        raise UsageError(f"argument VG: the diskless driver takes no driver pool ({driver_pool!r})")
    return DRIVERS[driver], node, pool, driver_pool


def build_create(a: argparse.Namespace) -> list[Request]:
    kind, node, pool, driver_pool = split_create(a.words)
    body: dict[str, Any] = {"storage_pool_name": pool, "provider_kind": kind}
    if a.shared_space:
        body["free_space_mgr_name"] = a.shared_space
    if a.external_locking:
        body["external_locking"] = True
    if driver_pool:
        body["props"] = {"StorDriver/StorPoolName": driver_pool}
    return [Request("POST", f"/v1/nodes/{seg(node)}/storage-pools", body)]


def _configure_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--nodes", nargs="+", metavar="NODE")
    p.add_argument("-s", "--storage-pools", nargs="+", metavar="POOL")


def build_list(a: argparse.Namespace) -> list[Request]:
    q = query(nodes=a.nodes, storage_pools=a.storage_pools)
    return [Request("GET", "/v1/view/storage-pools", query=q)]


def _configure_node_pool(p: argparse.ArgumentParser) -> None:
    p.add_argument("node", metavar="NODE")
    p.add_argument("pool", metavar="POOL")


def build_delete(a: argparse.Namespace) -> list[Request]:
    return [Request("DELETE", f"/v1/nodes/{seg(a.node)}/storage-pools/{seg(a.pool)}")]


def _configure_set_property(p: argparse.ArgumentParser) -> None:
    p.add_argument("--aux", action="store_true")
    _configure_node_pool(p)
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE", nargs="?")


def build_set_property(a: argparse.Namespace) -> list[Request]:
    path = f"/v1/nodes/{seg(a.node)}/storage-pools/{seg(a.pool)}"
    return [Request("PUT", path, props_change(aux_key(a), a.value))]


def build_lp(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", f"/v1/nodes/{seg(a.node)}/storage-pools/{seg(a.pool)}")]


GROUP = Group(
    "storage-pool",
    ("sp",),
    "storage pools on nodes",
    (
        Command("create", ("c",), "create a storage pool", _configure_create, build_create),
        Command(
            "list",
            ("l", "ls"),
            "list storage pools",
            _configure_list,
            build_list,
            views.show_storage_pools,
        ),
        Command("delete", ("d",), "delete a storage pool", _configure_node_pool, build_delete),
        Command(
            "set-property",
            ("sp",),
            "set or delete a storage pool property",
            _configure_set_property,
            build_set_property,
        ),
        Command(
            "list-properties",
            ("lp",),
            "list a storage pool's properties",
            _configure_node_pool,
            build_lp,
            views.show_props,
        ),
    ),
)


def _configure_spd(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME")


def build_spd_create(a: argparse.Namespace) -> list[Request]:
    return [Request("POST", "/v1/storage-pool-definitions", {"storage_pool_name": a.name})]


def build_spd_delete(a: argparse.Namespace) -> list[Request]:
    return [Request("DELETE", f"/v1/storage-pool-definitions/{seg(a.name)}")]


def build_spd_list(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", "/v1/storage-pool-definitions")]


def _show_spd(answers: list[Any], args: argparse.Namespace, console: Any) -> None:
    from drbdeck.cli.linstor.tables import render_table

    names = sorted(d["storage_pool_name"] for d in views.items(answers))
    render_table(console, ("StoragePool",), [[n] for n in names])


SPD_GROUP = Group(
    "storage-pool-definition",
    ("spd",),
    "storage pool definitions (implicit with sp c; kept for older scripts)",
    (
        Command("create", ("c",), "create a storage pool definition", _configure_spd,
                build_spd_create),
        Command("list", ("l", "ls"), "list storage pool definitions", lambda p: None,
                build_spd_list, _show_spd),
        Command("delete", ("d",), "delete a storage pool definition", _configure_spd,
                build_spd_delete),
    ),
)  # fmt: skip
