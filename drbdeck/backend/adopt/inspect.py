"""Read what a node runs for one hand-made resource, over its SSH link (read-only).

One round trip of concurrent commands per node: ``drbdadm dump RSC`` (the configuration
as drbdadm resolves it, with the file it came from), ``drbdsetup show --json RSC`` (the
running configuration: node-id, paths, net options incl. the shared secret),
``drbdsetup status --json RSC`` (connection and disk states), then ``blockdev
--getsize64`` of every DRBD device (the net size) and every backing device (the gross
size), and ``vgs`` for the extent sizes.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

from drbdeck.backend import resfile
from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.backend.resconfig import ResourceConfig
from drbdeck.backend.satellite import NodeLink

_NAN = re.compile(r"(?<=[\s:\[,])(-?nan|-?inf)(?=[\s,\]}])")
_INTERNAL = re.compile(r"^\s*_[a-z_]+\s[^;\n]*;[ \t]*$", re.MULTILINE)
_MAX_PEERS = re.compile(r"^max-peers (\d+);", re.MULTILINE)
_BM_OFFSET = re.compile(r"^# bm_offset (\d+)", re.MULTILINE)
_DEFINED = re.compile(r"^# defined at (.+):\d+\s*$", re.MULTILINE)


class InspectError(RuntimeError):
    """A node's answer could not be read (names the node and the command)."""


@dataclass
class VolumeFacts:
    number: int
    minor: int
    disk: str  # backing path or "none"
    meta_disk: str
    disk_state: str = ""
    net_bytes: int | None = None  # blockdev --getsize64 /dev/drbdM (down: dump-md bm_offset)
    gross_bytes: int | None = None  # blockdev --getsize64 <backing>
    md_max_peers: int | None = None  # from dump-md, only while the resource is down
    md_error: str = ""


@dataclass
class NodeFacts:
    """One node's view of the resource; ``config`` None when no .res defines it."""

    node: str
    resource: str
    config: ResourceConfig | None = None
    source: str | None = None  # the hand-written .res file
    config_error: str = ""  # drbdadm could not read the configuration (not "not defined")
    node_id: int | None = None
    running: bool = False
    role: str = ""
    connections: dict[str, str] = field(default_factory=dict)  # peer name → cstate
    peer_disks: dict[str, dict[int, str]] = field(default_factory=dict)
    net: dict[str, dict[str, str]] = field(default_factory=dict)  # peer → running net opts
    options: dict[str, str] = field(default_factory=dict)  # running resource options
    volumes: dict[int, VolumeFacts] = field(default_factory=dict)
    extent_kib: dict[str, int] = field(default_factory=dict)  # vg → extent size


def parse_dump(text: str, rsc: str, node: str = "") -> tuple[ResourceConfig | None,
                                                             str | None]:
    """``drbdadm dump RSC`` → (the resource's configuration, the file defining it)."""
    try:
        # drbdadm adds ``_name "peer";`` to connections: not file syntax, dropped
        parsed = resfile.parse(_INTERNAL.sub("", text), f"{node}:drbdadm dump {rsc}")
    except resfile.ResFileError as exc:
        raise InspectError(f"{node}: drbdadm dump {rsc}: {exc}") from None
    config = next((rc for rc in parsed if rc.name == rsc), None)
    m = _DEFINED.search(text)
    return config, (m.group(1).strip() if m else None)


def _json(text: str, what: str, node: str) -> Any:
    try:
        return json.loads(_NAN.sub("null", text))
    except ValueError as exc:
        raise InspectError(f"{node}: {what}: not JSON: {exc}") from None


async def _size(link: NodeLink, path: str) -> int | None:
    r = await link.run(["blockdev", "--getsize64", path])
    out = r.stdout_text.strip()
    return int(out) if r.ok and out.isdigit() else None


async def inspect_node(link: NodeLink, rsc: str) -> NodeFacts:
    """Everything adoption needs to know about ``rsc`` on the node behind ``link``."""
    node = link.node
    dump, show, status, vgs = await asyncio.gather(
        link.run(["drbdadm", "dump", rsc]),
        link.run(["drbdsetup", "show", "--json", rsc]),
        link.run(["drbdsetup", "status", "--json", rsc]),
        link.query_vgs())
    f = NodeFacts(node, rsc)
    f.extent_kib = {vg.name: vg.extent_size_kib for vg in vgs}
    if dump.ok:
        f.config, f.source = parse_dump(dump.stdout_text, rsc, node)
    elif "not defined in your config" not in dump.stderr_text:
        f.config_error = dump.stderr_text.strip() or f"drbdadm dump exit {dump.exit_status}"
    if status.ok:
        items = _json(status.stdout_text, "drbdsetup status --json", node)
        item = next((i for i in items if isinstance(i, dict) and i.get("name") == rsc), None)
        if item is not None:
            f.running = True
            f.role = str(item.get("role", ""))
            f.node_id = item.get("node-id")
            for d in item.get("devices") or []:
                f.volumes[int(d["volume"])] = VolumeFacts(
                    int(d["volume"]), int(d["minor"]), "none", "internal",
                    str(d.get("disk-state", "")))
            for c in item.get("connections") or []:
                name = str(c.get("name", ""))
                f.connections[name] = str(c.get("connection-state", ""))
                f.peer_disks[name] = {int(p["volume"]): str(p.get("peer-disk-state", ""))
                                      for p in c.get("peer_devices") or []}
    if f.running and show.ok:
        items = _json(show.stdout_text, "drbdsetup show --json", node)
        item = next((i for i in items if isinstance(i, dict)
                     and i.get("resource") == rsc), None) or {}
        f.options = {str(k): str(v) for k, v in (item.get("options") or {}).items()}
        this = item.get("_this_host") or {}
        for v in this.get("volumes") or []:
            vf = f.volumes.get(int(v.get("volume_nr", -1)))
            if vf is not None:
                vf.disk = str(v.get("backing-disk", v.get("disk", "none")))
                vf.meta_disk = str(v.get("meta-disk", "internal"))
        for c in item.get("connections") or []:
            net = {str(k): str(v) for k, v in (c.get("net") or {}).items()}
            name = net.pop("_name", "")
            f.net[name] = net
    if not f.running and f.config is not None and node in f.config.hosts:
        await _down_volumes(link, f)
        return f
    sizes: list[Any] = []
    for vf in f.volumes.values():
        sizes.append(_size(link, f"/dev/drbd{vf.minor}"))
        sizes.append(_size(link, vf.disk) if vf.disk != "none" else _none())
    got = await asyncio.gather(*sizes)
    for i, vf in enumerate(f.volumes.values()):
        vf.net_bytes, vf.gross_bytes = got[2 * i], got[2 * i + 1]
    return f


def parse_dump_md(text: str) -> tuple[int, int] | None:
    """``drbdmeta … dump-md`` → (max-peers, bm_offset = usable data bytes), or None."""
    peers, bm = _MAX_PEERS.search(text), _BM_OFFSET.search(text)
    if peers is None or bm is None:
        return None
    return int(peers.group(1)), int(bm.group(1))


async def _down_volumes(link: NodeLink, f: NodeFacts) -> None:
    """A resource that is down has no DRBD device: the volumes come from the configuration
    and the net size and peer slots from the metadata itself (``drbdmeta … dump-md``,
    possible exactly because nothing is attached)."""
    assert f.config is not None
    try:
        view = f.config.host_view(f.node)
    except ValueError as exc:
        raise InspectError(f"{f.node}: {exc}") from None
    for v in view:
        f.volumes[v.number] = VolumeFacts(v.number, v.minor, v.disk, v.meta_disk, "down")

    async def one(vf: VolumeFacts) -> None:
        if vf.disk == "none" or vf.meta_disk != "internal":
            return
        vf.gross_bytes = await _size(link, vf.disk)
        r = await link.run(["drbdmeta", str(vf.minor), "v09", vf.disk, "internal",
                            "dump-md"])
        got = parse_dump_md(r.stdout_text) if r.ok else None
        if got is None:
            vf.md_error = (r.stderr_text.strip() or "no max-peers/bm_offset in the dump")
            return
        vf.md_max_peers, vf.net_bytes = got

    await asyncio.gather(*(one(vf) for vf in f.volumes.values()))


async def _none() -> None:
    return None


async def unmanaged(link: NodeLink) -> list[str]:
    """Resources running on the node that drbdeck has no file for (``adopt --all``)."""
    status, ls = await asyncio.gather(link.run(["drbdsetup", "status", "--json"]),
                                      link.run(["ls", "-1", RES_DIR]))
    if not status.ok:
        raise InspectError(f"{link.node}: drbdsetup status --json: "
                           f"{status.stderr_text.strip()}")
    ours = {n[:-4] for n in ls.stdout_text.split() if n.endswith(".res")} if ls.ok else set()
    items = _json(status.stdout_text, "drbdsetup status --json", link.node)
    return sorted(str(i["name"]) for i in items
                  if isinstance(i, dict) and "name" in i and i["name"] not in ours)


__all__ = ["InspectError", "NodeFacts", "VolumeFacts", "inspect_node", "parse_dump",
           "parse_dump_md", "unmanaged"]
