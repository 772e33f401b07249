"""``node`` / ``n``: create, list, delete, set-property, list-properties.

``node create`` takes drbdeck's SSH endpoint options (``--ssh-host/--ssh-port/--ssh-user``);
they travel in an extra top-level ``"ssh"`` object of the LINSTOR body (python-linstor
ignores unknown fields, so the body stays LINSTOR-compatible). Without them the
controller uses ADDRESS:22 and the config's user.
"""

from __future__ import annotations

import argparse
import socket
from typing import Any

from drbdeck.cli.linstor import views
from drbdeck.cli.linstor.request import Request, props_change, query, seg
from drbdeck.cli.linstor.spec import Command, Group, UsageError

NODE_TYPES = ("controller", "satellite", "combined", "auxiliary")
#: LINSTOR's default satellite/controller ports by (communication type, is controller)
_PORTS = {("plain", False): 3366, ("plain", True): 3370, ("ssl", False): 3367, ("ssl", True): 3371}


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is out of range 1-65535")
    return value


def _configure_create(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--node-type",
        type=str.lower,
        choices=NODE_TYPES,
        default="satellite",
        help="Controller, Satellite, Combined or Auxiliary (any case)",
    )
    p.add_argument(
        "--communication-type", type=str.lower, choices=("plain", "ssl"), default="plain"
    )
    p.add_argument("-p", "--port", type=_port, help="satellite port (LINSTOR compatibility)")
    p.add_argument("--interface-name", default="default")
    p.add_argument("--ssh-host", help="SSH endpoint host (default: ADDRESS)")
    p.add_argument("--ssh-port", type=_port, help="SSH port (default: 22)")
    p.add_argument("--ssh-user", help="SSH user (default: from the config)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("address", metavar="ADDRESS", nargs="?", help="DRBD replication address")


def _resolve(name: str) -> str:
    try:
        return socket.gethostbyname(name)
    except OSError:
        raise UsageError(f"argument ADDRESS: not given and {name!r} does not resolve") from None


def build_create(a: argparse.Namespace) -> list[Request]:
    address = a.address or _resolve(a.name)
    port = a.port or _PORTS[(a.communication_type, a.node_type == "controller")]
    body: dict[str, Any] = {
        "name": a.name,
        "type": a.node_type,
        "net_interfaces": [
            {
                "name": a.interface_name,
                "address": address,
                "satellite_port": port,
                "satellite_encryption_type": a.communication_type,
                "is_active": True,
            }
        ],
    }
    ssh = {k: v for k, v in (("host", a.ssh_host), ("port", a.ssh_port), ("user", a.ssh_user)) if v}
    if ssh:
        body["ssh"] = ssh
    return [Request("POST", "/v1/nodes", body)]


def _configure_list(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", "--nodes", nargs="+", metavar="NODE", help="only these nodes")
    p.add_argument("nodes_pos", nargs="*", metavar="NODE", help=argparse.SUPPRESS)


def build_list(a: argparse.Namespace) -> list[Request]:
    nodes = (a.nodes or []) + a.nodes_pos
    return [Request("GET", "/v1/nodes", query=query(nodes=nodes))]


def _configure_name(p: argparse.ArgumentParser) -> None:
    p.add_argument("--async", action="store_true", help="deprecated, ignored")
    p.add_argument("name", metavar="NODE")


def build_delete(a: argparse.Namespace) -> list[Request]:
    return [Request("DELETE", f"/v1/nodes/{seg(a.name)}")]


def _configure_set_property(p: argparse.ArgumentParser) -> None:
    p.add_argument("--aux", action="store_true", help="prefix the key with Aux/")
    p.add_argument("name", metavar="NODE")
    p.add_argument("key", metavar="KEY")
    p.add_argument("value", metavar="VALUE", nargs="?", help="none: delete the key")


def aux_key(a: argparse.Namespace) -> str:
    return ("Aux/" + a.key) if getattr(a, "aux", False) else a.key


def build_set_property(a: argparse.Namespace) -> list[Request]:
    return [Request("PUT", f"/v1/nodes/{seg(a.name)}", props_change(aux_key(a), a.value))]


def _configure_lp(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NODE")


def build_lp(a: argparse.Namespace) -> list[Request]:
    return [Request("GET", f"/v1/nodes/{seg(a.name)}")]


GROUP = Group(
    "node",
    ("n",),
    "nodes (controller, satellites)",
    (
        Command("create", ("c",), "register a node", _configure_create, build_create),
        Command("list", ("l", "ls"), "list nodes", _configure_list, build_list, views.show_nodes),
        Command("delete", ("d",), "delete a node", _configure_name, build_delete),
        Command(
            "set-property",
            ("sp",),
            "set or delete a node property",
            _configure_set_property,
            build_set_property,
        ),
        Command(
            "list-properties",
            ("lp",),
            "list a node's properties",
            _configure_lp,
            build_lp,
            views.show_props,
        ),
    ),
)
