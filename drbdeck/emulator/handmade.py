"""A DRBD resource made by hand, already running on emulated nodes (adoption tests).

Why: adopting an existing resource is only worth testing against a resource that is
*running*: connected, UpToDate, with data on it, set up the way an admin does it — LVs
created with ``lvcreate``, a hand-written ``/etc/drbd.d/<name>.res`` (resource-level
``volume`` blocks, ``on`` sections, no generated header), ``drbdadm create-md``, ``up`` and
an initial ``new-current-uuid --clear-bitmap``. Everything goes through the emulated tools'
own code paths (the file is parsed and validated by the emulated drbdadm's loader, the
metadata is written by the emulated drbdmeta), so what adoption later reads is what a
real node would show.

The default :class:`HandmadeSpec` is the migration post's sample: ``legacy``, port 15500,
volume 10, minor 9100, VG ``datastore``, LV ``legacy`` of 1,340 MiB, ``eagle`` (node-id 4)
and ``rabbit`` (node-id 8), internal metadata with 4 peer slots. Variants for the
refusal and multi-node cases are fields of the same spec.

:func:`resource_facts` snapshots what a test needs to prove an adoption harmless:
connection drops, resyncs and create-md calls recorded by the network, and per volume
and node the data version and the current generation UUID.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Literal

from drbdeck.emulator.drbd import conf
from drbdeck.emulator.drbd.drbdmeta import create_md

MIB = 1024 * 1024
State = Literal["connected", "disconnected", "detached", "down"]


class HandmadeError(RuntimeError):
    """The hand-made resource could not be installed (names the step and the node)."""


@dataclass
class HandmadeVolume:
    number: int = 10
    minor: int = 9100
    lv: str = "legacy"
    size_mib: int = 1340
    #: per-node LV names that differ from ``lv`` (the "different LV names" refusal)
    lv_per_node: dict[str, str] = field(default_factory=dict)
    #: per-node LV sizes that differ from ``size_mib`` (the "LV larger than needed" case)
    size_per_node: dict[str, int] = field(default_factory=dict)
    #: external metadata on a separate LV ``<lv>_md`` (the "external metadata" refusal)
    external_md: bool = False
    #: the volume's own ``disk { … }`` options (besides ``size``)
    disk_options: dict[str, str] = field(default_factory=dict)
    #: ``disk { size N; }`` in sectors: a net size that is not a multiple of 1024 bytes
    size_sectors: int | None = None

    def lv_on(self, node: str) -> str:
        return self.lv_per_node.get(node, self.lv)


@dataclass
class HandmadeNode:
    name: str
    node_id: int
    diskless: bool = False


def _sample_nodes() -> list[HandmadeNode]:
    return [HandmadeNode("eagle", 4), HandmadeNode("rabbit", 8)]


@dataclass
class HandmadeSpec:
    """What to build; the defaults are the migration post's sample."""

    name: str = "legacy"
    port: int = 15500
    vg: str = "datastore"
    max_peers: int = 4
    nodes: list[HandmadeNode] = field(default_factory=_sample_nodes)
    volumes: list[HandmadeVolume] = field(default_factory=lambda: [HandmadeVolume()])
    #: the ``net`` section as the admin wrote it (carried over by adoption)
    net: dict[str, str] = field(default_factory=lambda: {"protocol": "C"})
    #: the resource's ``options`` section (e.g. quorum)
    options: dict[str, str] = field(default_factory=dict)
    state: State = "connected"
    #: node left Primary (the resource in use) — adoption must not disturb it
    primary: str | None = None
    write_bytes: int = 4 * MIB
    res_file: str = ""  # default /etc/drbd.d/<name>.res

    @property
    def path(self) -> str:
        return self.res_file or f"/etc/drbd.d/{self.name}.res"

    def diskful(self) -> list[HandmadeNode]:
        return [n for n in self.nodes if not n.diskless]


def _q(v: str) -> str:
    return v if v.replace("-", "").replace("_", "").replace(".", "").isalnum() \
        else '"' + v.replace('"', '\\"') + '"'


def render(spec: HandmadeSpec, addresses: dict[str, str]) -> str:
    """The .res file in an admin's hand-written style (not drbdeck's or LINSTOR's)."""
    out = [f"# {spec.name}: set up by hand", f"resource {spec.name} {{"]
    if spec.options:
        out.append("  options {")
        out += [f"    {k} {_q(v)};" for k, v in spec.options.items()]
        out.append("  }")
    if spec.net:
        out.append("  net {")
        out += [f"    {k} {_q(v)};" for k, v in spec.net.items()]
        out.append("  }")
    for v in spec.volumes:
        out.append(f"  volume {v.number} {{")
        out.append(f"    device /dev/drbd{v.minor};")
        out.append(f"    disk /dev/{spec.vg}/{v.lv};")
        meta = f"/dev/{spec.vg}/{v.lv}_md" if v.external_md else "internal"
        out.append(f"    meta-disk {meta};")
        dopts = dict(v.disk_options)
        if v.size_sectors is not None:
            dopts["size"] = f"{v.size_sectors}s"
        if dopts:
            out.append("    disk { " + " ".join(f"{k} {_q(x)};" for k, x in dopts.items())
                       + " }")
        out.append("  }")
    for n in spec.nodes:
        out.append(f"  on {n.name} {{")
        out.append(f"    node-id {n.node_id};")
        out.append(f"    address {addresses[n.name]}:{spec.port};")
        for v in spec.volumes:
            if n.diskless:
                out.append(f"    volume {v.number} {{ disk none; }}")
            elif v.lv_on(n.name) != v.lv:
                out.append(f"    volume {v.number} {{ disk /dev/{spec.vg}/{v.lv_on(n.name)}; }}")
        out.append("  }")
    if len(spec.nodes) > 2:
        out.append("  connection-mesh {")
        out.append("    hosts " + " ".join(n.name for n in spec.nodes) + ";")
        out.append("  }")
    out.append("}")
    return "\n".join(out) + "\n"


def install(cluster: Any, spec: HandmadeSpec | None = None,
            vg_size_kib: int = 8 * 1024 * MIB // 1024) -> HandmadeSpec:
    """Create, bring up and fill the resource on ``cluster``'s nodes; returns the spec.

    Steps as the admin did them: ``lvcreate`` per diskful node (the VG is added when the
    node lacks it), write the .res everywhere, ``create-md`` with ``spec.max_peers``,
    ``up``, ``new-current-uuid --clear-bitmap`` on the first diskful node, a write from a
    short-lived Primary, then the requested end state.
    """
    spec = spec or HandmadeSpec()
    net = cluster.network
    if net is None:
        raise HandmadeError("the DRBD emulation is not available")
    nodes = {n.name: cluster.node(n.name) for n in spec.nodes}
    text = render(spec, {n: node.address for n, node in nodes.items()})
    for hn in spec.nodes:
        node = nodes[hn.name]
        if spec.vg not in node.lvm.vgs:
            node.lvm.add_vg(spec.vg, vg_size_kib * 1024)
        node.fs.write_bytes(spec.path, text.encode())
        if hn.diskless:
            continue
        for v in spec.volumes:
            size = v.size_per_node.get(hn.name, v.size_mib)
            node.lvm.create_linear(spec.vg, v.lv_on(hn.name), size * MIB)
            if v.external_md:
                node.lvm.create_linear(spec.vg, f"{v.lv}_md", 128 * MIB)
            out, err = io.StringIO(), io.StringIO()
            code = create_md(node, f"/dev/{spec.vg}/{v.lv_on(hn.name)}", v.minor,
                             spec.max_peers, False, out.write, err.write)
            if code:
                raise HandmadeError(f"{hn.name}: create-md volume {v.number}: "
                                    f"{err.getvalue().strip()}")
    for hn in spec.nodes:
        node = nodes[hn.name]
        rcs = [rc for rc in conf.load(node.fs, hn.name) if rc.name == spec.name]
        if not rcs:
            raise HandmadeError(f"{hn.name}: {spec.path} does not define {spec.name}")
        node.drbd.up(rcs[0], hn.name)
    first = spec.diskful()[0]
    k = nodes[first.name].drbd
    for v in spec.volumes:
        k.new_current_uuid(spec.name, v.number, clear_bitmap=True)
    if spec.write_bytes:
        k.primary(spec.name)
        for v in spec.volumes:
            k.write(spec.name, v.number, spec.write_bytes)
        k.secondary(spec.name)
    if spec.primary is not None:
        nodes[spec.primary].drbd.primary(spec.name)
    if spec.state == "disconnected":
        k.disconnect(spec.name)
    elif spec.state == "down":
        for hn in spec.nodes:
            nodes[hn.name].drbd.down(spec.name)
    elif spec.state == "detached":
        other = spec.diskful()[-1]
        nodes[other.name].drbd.detach(spec.name)
    return spec


@dataclass(frozen=True)
class ResourceFacts:
    """What an adoption must leave unchanged (compare two snapshots with ``==``)."""

    connection_drops: int
    resyncs: int
    create_md: int
    #: (node, volume) → the data version ("checksum") of that replica
    data: dict[tuple[str, int], str | None]
    #: (node, volume) → current generation UUID of the replica's metadata
    uuids: dict[tuple[str, int], int | None]


def resource_facts(cluster: Any, name: str, spec: HandmadeSpec | None = None) -> ResourceFacts:
    """Snapshot the network's facts and every replica's data/UUID for resource ``name``
    (with ``spec``, also of replicas that are down: read from their LVs' metadata)."""
    facts = cluster.network.facts
    drops = sum(n for (_node, rsc, _c), n in facts.connection_drops.items() if rsc == name)
    resyncs = sum(1 for r in facts.resyncs if r.resource == name)
    data: dict[tuple[str, int], str | None] = {}
    uuids: dict[tuple[str, int], int | None] = {}
    devices: set[tuple[str, str]] = set()
    for node in cluster.nodes.values():
        k = node.drbd
        res = k.resources.get(name) if k is not None else None
        if res is None:
            hn = next((x for x in (spec.nodes if spec else []) if x.name == node.name), None)
            if spec is None or hn is None or hn.diskless:
                continue
            for v in spec.volumes:
                path = f"/dev/{spec.vg}/{v.lv_on(node.name)}"
                devices.add((node.name, path))
                md = getattr(node.block_device(path), "md", None)
                data[(node.name, v.number)] = md.data_version if md is not None else None
                uuids[(node.name, v.number)] = md.current_uuid if md is not None else None
            continue
        for vnr, d in res.devices.items():
            if d.disk_path == "none":
                continue
            devices.add((node.name, d.disk_path))
            md = d.md if d.md is not None else getattr(
                node.block_device(d.disk_path), "md", None)  # detached: still on disk
            data[(node.name, vnr)] = md.data_version if md is not None else None
            uuids[(node.name, vnr)] = md.current_uuid if md is not None else None
    create = sum(n for key, n in facts.create_md.items() if key in devices)
    return ResourceFacts(drops, resyncs, create, data, uuids)


def sample_for(names: list[str], name: str = "legacy") -> HandmadeSpec:
    """The post's sample on the first two of ``names`` (``drbdeck emulator --handmade``)."""
    if len(names) < 2:
        raise HandmadeError("--handmade needs at least two nodes")
    return HandmadeSpec(name=name, nodes=[HandmadeNode(names[0], 4), HandmadeNode(names[1], 8)])


__all__ = ["HandmadeError", "HandmadeNode", "HandmadeSpec", "HandmadeVolume", "ResourceFacts",
           "install", "render", "resource_facts", "sample_for"]
