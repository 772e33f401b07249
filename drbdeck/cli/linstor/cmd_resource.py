"""``resource`` / ``r`` and ``volume`` / ``v``: placement, listing, deletion.

Quirk kept from LINSTOR: ``-s/--storage-pool`` takes several pools (auto-place filter).
LINSTOR's own parser then swallows the positionals after ``-s``; for manual placement we
read exactly one pool after ``-s`` instead, so the seed's ``r c --node-id 4 -s fatpool
power legacy`` means pool ``fatpool`` on node ``power`` for resource ``legacy``.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from drbdeck.cli.linstor import views
from drbdeck.cli.linstor.cmd_definitions import int_in, layers
from drbdeck.cli.linstor.cmd_node import aux_key
from drbdeck.cli.linstor.request import Request, props_change, query, seg
from drbdeck.cli.linstor.selectfilter import aux_name, common_filter
from drbdeck.cli.linstor.spec import Command, Group, UsageError

_POOL_OPTS = ("-s", "--storage-pool")


def prepare_create(argv: list[str]) -> list[str]:
    """Without ``--auto-place``, bind exactly one value to ``-s`` (see module doc)."""
    if any(w == "--auto-place" or w.startswith("--auto-place=") for w in argv):
        return argv
    out: list[str] = []
    words = iter(argv)
    for word in words:
        if word in _POOL_OPTS:
            value = next(words, None)
            out.append(word if value is None else f"--storage-pool={value}")
        else:
            out.append(word)
    return out


def place_count(text: str) -> tuple[str, int]:
    """``N`` → ("place_count", N), ``+N`` → ("additional_place_count", N)."""
    match = re.fullmatch(r"(\+?)(\d+)", text)
    if match is None or int(match.group(2)) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a count N or +N (N ≥ 1)")
    key = "additional_place_count" if match.group(1) else "place_count"
    return key, int(match.group(2))


def _diskless_on_remaining(text: str) -> bool:
    if text.lower() in ("true", "yes", "1"):
        return True
    if text.lower() in ("false", "no", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{text!r} must be true or false")


def _configure_create(p: argparse.ArgumentParser) -> None:
    p.usage = "%(prog)s [options] NODE... RSC\n       %(prog)s [options] RSC --auto-place N|+N"
    p.add_argument("--node-id", type=int_in(0, 31))
    p.add_argument("-s", "--storage-pool", nargs="*", metavar="POOL")
    p.add_argument("--drbd-diskless", action="store_true", help="diskless DRBD client")
    p.add_argument("-d", "--diskless", action="store_true", help="deprecated: flag DISKLESS")
    p.add_argument("--async", action="store_true", help="deprecated, ignored")
    p.add_argument("--inactive", action="store_true")
    p.add_argument("--drbd-tcp-port", type=int_in(1, 65535), action="append", metavar="PORT")
    p.add_argument("-l", "--layer-list", type=layers)
    p.add_argument("--auto-place", type=place_count, metavar="N|+N")
    p.add_argument("--do-not-place-with", nargs="+", metavar="RSC")
    p.add_argument("--do-not-place-with-regex", metavar="RE")
    p.add_argument("--replicas-on-same", nargs="+", metavar="AUX")
    p.add_argument("--replicas-on-different", nargs="+", metavar="AUX")
    p.add_argument("--x-replicas-on-different", nargs=2, metavar=("KEY", "N"))
    p.add_argument("--diskless-on-remaining", nargs="?", const=True, type=_diskless_on_remaining)
    p.add_argument("-p", "--providers", nargs="+", metavar="PROVIDER")
    p.add_argument("names", nargs="+", metavar="NODE... RSC")


def build_create(a: argparse.Namespace) -> list[Request]:
    if a.auto_place is not None:
        return [_autoplace(a)]
    if len(a.names) < 2:
        raise UsageError("arguments NODE and RSC are required (or RSC with --auto-place N)")
    *nodes, rsc = a.names
    pools = a.storage_pool or []
    if len(pools) > 1:
        raise UsageError("argument -s/--storage-pool: one pool for manual placement")
    flags = (["DISKLESS"] if a.diskless else []) + (["DRBD_DISKLESS"] if a.drbd_diskless else [])
    flags += ["INACTIVE"] if a.inactive else []
    body: list[dict[str, Any]] = []
    for node in nodes:
        resource: dict[str, Any] = {"node_name": node}
        if pools:
            resource["props"] = {"StorPoolName": pools[0]}
        if flags:
            resource["flags"] = list(flags)
        item: dict[str, Any] = {"resource": resource}
        if a.node_id is not None:
            item["drbd_node_id"] = a.node_id
        if a.layer_list:
            item["layer_list"] = a.layer_list
        if a.drbd_tcp_port:
            item["drbd_tcp_ports"] = a.drbd_tcp_port
        body.append(item)
    return [Request("POST", f"/v1/resource-definitions/{seg(rsc)}/resources", body)]


def _autoplace(a: argparse.Namespace) -> Request:
    if len(a.names) != 1:
        raise UsageError(f"--auto-place takes only RSC, not nodes (got {' '.join(a.names)})")
    count_key, count = a.auto_place
    sf: dict[str, Any] = {count_key: count}
    if a.drbd_diskless:
        sf["diskless_type"] = "DRBD_DISKLESS"
    sf.update(common_filter(a))
    if a.do_not_place_with is not None:
        sf["not_place_with_rsc"] = a.do_not_place_with
    if a.do_not_place_with_regex is not None:
        sf["not_place_with_rsc_regex"] = a.do_not_place_with_regex
    if a.x_replicas_on_different is not None:
        key, n = a.x_replicas_on_different
        if not n.isdigit():
            raise UsageError(f"argument --x-replicas-on-different: N {n!r} is not an integer")
        sf["x_replicas_on_different_map"] = {aux_name(key): int(n)}
    if a.layer_list:
        sf["layer_stack"] = a.layer_list
    if a.providers is not None:
        sf["provider_list"] = [p.upper() for p in a.providers]
    body: dict[str, Any] = {"diskless_on_remaining": a.diskless_on_remaining, "select_filter": sf}
    if a.layer_list:
        body["layer_list"] = a.layer_list
    return Request("POST", f"/v1/resource-definitions/{seg(a.names[0])}/autoplace", body)


def _configure_mkavail(p: argparse.ArgumentParser) -> None:
    p.add_argument("--diskful", action="store_true", help="place a disk, not a diskless client")
    p.add_argument("-l", "--layer-list", type=layers)
    p.add_argument("node", metavar="NODE")
    p.add_argument("rsc", metavar="RSC")


def build_mkavail(a: argparse.Namespace) -> list[Request]:
    body: dict[str, Any] = {"diskful": a.diskful}
    if a.layer_list:
        body["layer_list"] = a.layer_list
    path = f"/v1/resource-definitions/{seg(a.rsc)}/resources/{seg(a.node)}/make-available"
    return [Request("POST", path, body)]


def _configure_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("-r", "--resources", nargs="+", metavar="RSC")
    p.add_argument("-n", "--nodes", nargs="+", metavar="NODE")
    p.add_argument("-s", "--storage-pools", nargs="+", metavar="POOL")
    p.add_argument("--faulty", action="store_true", help="only resources not healthy")


def build_list(a: argparse.Namespace) -> list[Request]:
    q = query(nodes=a.nodes, resources=a.resources, storage_pools=a.storage_pools)
    return [Request("GET", "/v1/view/resources", query=q)]


def _configure_delete(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-tiebreaker", action="store_true")
    p.add_argument("--async", action="store_true", help="deprecated, ignored")
    p.add_argument("names", nargs="+", metavar="NODE... RSC")


def build_delete(a: argparse.Namespace) -> list[Request]:
    if len(a.names) < 2:
        raise UsageError("arguments NODE and RSC are required")
    *nodes, rsc = a.names
    q = (("keep_tiebreaker", "True"),) if a.keep_tiebreaker else ()
    return [
        Request("DELETE", f"/v1/resource-definitions/{seg(rsc)}/resources/{seg(n)}", query=q)
        for n in nodes
    ]


def _configure_node_rsc(p: argparse.ArgumentParser) -> None:
    p.add_argument("node", metavar="NODE")
    p.add_argument("rsc", metavar="RSC")


def _rsc_path(a: argparse.Namespace) -> str:
    return f"/v1/resource-definitions/{seg(a.rsc)}/resources/{seg(a.node)}"


def _configure_sp(p: argparse.ArgumentParser) -> None:
    p.add_argument("--aux", action="store_true")
    _configure_node_rsc(p)
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE", nargs="?")


def build_sp(a: argparse.Namespace) -> list[Request]:
    return [Request("PUT", _rsc_path(a), props_change(aux_key(a), a.value))]


def build_lp(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", _rsc_path(a))]


_LIST_VOLUMES = Command(
    "list-volumes", ("lv",), "list volumes of resources",
    _configure_list, build_list, views.show_volumes,
)  # fmt: skip

GROUP = Group(
    "resource",
    ("r",),
    "resources (replicas of a resource definition on nodes)",
    (
        Command("create", ("c",), "place a resource manually or automatically",
                _configure_create, build_create, prepare=prepare_create),
        Command("make-available", ("mkavail",), "diskless replica where none exists",
                _configure_mkavail, build_mkavail),
        Command("list", ("l", "ls"), "list resources",
                _configure_list, build_list, views.show_resources),
        _LIST_VOLUMES,
        Command("delete", ("d",), "delete resources on nodes", _configure_delete, build_delete),
        Command("set-property", ("sp",), "set or delete a property", _configure_sp, build_sp),
        Command("list-properties", ("lp",), "list properties",
                _configure_node_rsc, build_lp, views.show_props),
    ),
)  # fmt: skip

VOLUME_GROUP = Group(
    "volume",
    ("v",),
    "volumes of resources",
    (
        Command(
            "list", ("l", "ls"), "list volumes", _configure_list, build_list, views.show_volumes
        ),
    ),
)
