"""From what the nodes run to the drbdeck objects that describe it exactly (pure).

Why exactness matters: the adopted resource's generated configuration must be the one
already running, or ``drbdadm adjust`` changes it — a different port, address or node-id
re-creates the connection (a disconnect), a different net size or peer-slot count would
make drbdeck size new replicas wrong. So every value is read back from the nodes: port and
addresses from the paths, node-ids, volume numbers and minors, the LV and its VG, the net
size (``blockdev`` of the DRBD device), the peer slots (inferred from LV and net size with
the metadata math), and the options incl. the shared secret (carried over as props / the
RD's secret). Anything that cannot be carried over exactly is a :class:`Refusal` with the
way out; nothing here changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drbdeck.backend import mdsize
from drbdeck.backend.adopt.inspect import NodeFacts
from drbdeck.backend.adopt.refusals import Refusal
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import names, props
from drbdeck.backend.controller.allocation import minors_in_use, ports_in_use
from drbdeck.backend.controller.model import ClusterModel, Provider
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.ops_rd import check_secret

#: net options drbdeck writes itself (from the RD's secret) rather than as props
_SECRET_KEYS = ("shared-secret", "cram-hmac-alg")


@dataclass
class DerivedVolume:
    number: int
    minor: int
    net_kib: int
    lv: str | None  # same on every diskful node (None: no diskful replica)
    allow_larger: bool = False
    props: dict[str, str] = field(default_factory=dict)  # DrbdOptions/Disk/* of the volume


@dataclass
class DerivedReplica:
    node: str
    node_id: int
    diskless: bool
    vg: str | None = None
    pool: str | None = None  # drbdeck storage pool to use
    create_pool: bool = False  # no pool on that VG yet: create one
    res_file: str | None = None  # the hand-written file to move aside


@dataclass
class Derived:
    name: str
    port: int
    peer_slots: int
    secret: str
    rd_props: dict[str, str]
    volumes: list[DerivedVolume]
    replicas: list[DerivedReplica]
    warnings: list[str] = field(default_factory=list)


def check_name(name: str) -> None:
    try:
        names.resource_name(name)
    except rc.ApiError as exc:
        raise Refusal(
            "name-rules", f"resource {name!r}: {exc.entry.message}",
            "rename it first: a DRBD resource cannot be renamed while it runs, so this "
            "means a short outage and a disconnect (drbdadm down on every node, change the "
            "name in the .res files, drbdadm up), then adopt it under the new name") from None


def _split_lv(path: str, node: str, vnr: int) -> tuple[str, str]:
    parts = path.split("/")
    if len(parts) != 4 or parts[:2] != ["", "dev"] or not parts[2] or not parts[3] \
            or parts[2] == "mapper":
        raise Refusal("not-lvm", f"{node}: volume {vnr} is backed by {path}, not an LVM "
                      "logical volume /dev/VG/LV",
                      "move the data to an LV (or manage this resource by hand)")
    return parts[2], parts[3]


def _pool_for(model: ClusterModel, node: str, vg: str) -> tuple[str, bool]:
    for p in model.pools_of_node(node):
        if p.provider is Provider.LVM and p.backing == vg:
            return p.name, False
    name = vg if len(vg) >= 3 else f"{vg}_pool"
    try:
        names.storage_pool_name(name)
    except rc.ApiError:
        name = "adopt_" + "".join(c if c.isalnum() or c in "_-" else "_" for c in vg)
    if model.pools.get((key(node), key(name))) is not None:  # the name means another pool
        name = f"{name}_lvm"
    return name, True


def _options(f: NodeFacts, d: Derived) -> None:
    """Carry the options the admin wrote (the resource's own net/options/disk/handlers
    sections, as ``drbdadm dump`` shows them) over as DrbdOptions props and the shared
    secret as the RD's secret, so the generated file says what the hand-written one said
    and ``drbdadm adjust`` finds nothing to change. (The running ``drbdsetup show --json``
    is not used for this: it lists every default too.) Sections from ``common`` apply to
    drbdeck's file in the same drbd.conf just as they did to the hand-written one."""
    rc_ = f.config
    assert rc_ is not None
    if any(c.net or c.disk for c in rc_.connections):
        raise Refusal("options", f"{f.node}: {d.name} has per-connection net/disk options; "
                      "drbdeck writes one set per resource",
                      "move them to the resource's own net/disk section (drbdadm adjust), "
                      "then adopt")
    net = dict(rc_.net)
    d.secret = net.pop("shared-secret", "")
    if d.secret:
        try:
            check_secret(d.secret)
        except rc.ApiError as exc:
            raise Refusal("options", f"{f.node}: the shared secret of {d.name} cannot be "
                          f"written by drbdeck: {exc.entry.message}",
                          "change the secret in the .res on every node and drbdadm adjust "
                          "(a live net-options change, no reconnect), then adopt") from None
    alg = net.pop("cram-hmac-alg", "")
    if d.secret and alg and alg != "sha1":
        net["cram-hmac-alg"] = alg
    candidates = {f"DrbdOptions/Net/{k}": v for k, v in net.items()}
    candidates.update({f"DrbdOptions/Resource/{k}": v for k, v in rc_.options.items()})
    candidates.update({f"DrbdOptions/Disk/{k}": v for k, v in rc_.disk.items()})
    candidates.update({f"DrbdOptions/Handlers/{k}": v for k, v in rc_.handlers.items()})
    d.rd_props.update(_checked(f.node, candidates, props.Kind.RSC_DFN))


def _checked(node: str, candidates: dict[str, str], kind: props.Kind) -> dict[str, str]:
    for k, v in candidates.items():
        try:
            props.check(kind, k, v)
        except rc.ApiError as exc:
            raise Refusal("options", f"{node}: option {k.split('/', 2)[2]} {v!r} cannot be "
                          f"carried over: {exc.entry.message}",
                          "remove or change that option in the .res, drbdadm adjust, then "
                          "adopt") from None
    return candidates


def _volume_options(name: str, vnr: int, facts: dict[str, NodeFacts]) -> dict[str, str]:
    """A volume's own ``disk { … }`` options (VD props); they must be the same on every
    node that has a disk, since drbdeck writes them once per volume."""
    seen: dict[str, dict[str, str]] = {}
    for n, f in facts.items():
        if f.config is None:
            continue
        for v in f.config.host_view(n):
            if v.number == vnr and not v.diskless:
                seen[n] = {f"DrbdOptions/Disk/{k}": o for k, o in v.disk_options.items()}
    found = list(seen.values())
    if any(x != found[0] for x in found[1:]):
        raise Refusal("options", f"volume {vnr} of {name} has different disk options on "
                      "different nodes", "make them equal (drbdadm adjust), then adopt")
    return _checked(next(iter(seen), "?"), found[0], props.Kind.VLM_DFN) if found else {}


def _pin_quorum(d: Derived, f: NodeFacts) -> None:
    """drbdeck picks quorum by itself (majority with 3 diskful, or 2 + a diskless one);
    only where that differs from what runs is the running value pinned as a prop, so a
    resource that later grows gets drbdeck's automatic quorum like any other."""
    diskful = sum(1 for r in d.replicas if not r.diskless)
    auto = diskful >= 3 or (diskful == 2 and len(d.replicas) > diskful)
    written = f.config.options if f.config is not None else {}
    running = written.get("quorum", "off")
    if "DrbdOptions/Resource/quorum" in d.rd_props:
        if (running == "majority") == auto and (not auto or written.get(
                "on-no-quorum") == "suspend-io"):
            d.rd_props.pop("DrbdOptions/Resource/quorum")
            if auto:
                d.rd_props.pop("DrbdOptions/Resource/on-no-quorum", None)
    elif auto:
        d.rd_props["DrbdOptions/Resource/quorum"] = "off"


def _healthy(f: NodeFacts) -> list[str]:
    if not f.running:
        return [f"{f.node}: {f.resource} is down"]
    bad = [f"{f.node}: connection to {p} is {s}" for p, s in f.connections.items()
           if s != "Connected"]
    for v in f.volumes.values():
        if v.disk != "none" and v.disk_state != "UpToDate":
            bad.append(f"{f.node}: volume {v.number} is {v.disk_state}")
    return bad


def derive(name: str, facts: dict[str, NodeFacts], model: ClusterModel, *,
           force: bool = False, allow_larger: bool = False) -> Derived:
    """The objects for resource ``name`` as ``facts`` (node → what it runs) show it."""
    check_name(name)
    if name in model.rds:
        raise Refusal("already-managed", f"resource definition {name!r} already exists in "
                      "drbdeck", "nothing to adopt; use 'drbdeck resource list'")
    for n, f in facts.items():
        if f.config_error:
            raise Refusal("not-running", f"{n}: drbdadm cannot read the configuration: "
                          f"{f.config_error}", "fix the configuration on that node "
                          "(drbdadm dump must work), then adopt")
        if f.config is None:
            raise Refusal("not-running", f"{n}: {name} is not defined in any .res file"
                          + ("" if f.running else " and not running"),
                          "name only the nodes the resource is configured on")
    first = next(iter(facts.values()))
    assert first.config is not None
    hosts = first.config.hosts
    missing = [h for h in hosts if h not in facts]
    if missing:
        raise Refusal("not-running", f"{name} also runs on {', '.join(missing)}, which "
                      "was not named", "name every node of the resource: drbdeck adopt "
                      + " ".join([*hosts, name]))
    d = Derived(name, 0, 0, "", {}, [], [])
    _options(first, d)
    ports: set[int] = set()
    for n, f in facts.items():
        node = model.nodes.get(n)
        if node is None:
            raise Refusal("unknown-node", f"{n} is not a drbdeck node",
                          f"register it first: drbdeck node create {n} <address>")
        h = hosts.get(n) if f.config is not None else None
        if h is None or h.address is None or h.node_id is None:
            raise Refusal("node-id", f"{n}: the .res has no node-id/address for {n}",
                          "give every host a node-id and an address in the .res")
        if f.node_id is not None and f.node_id != h.node_id:
            raise Refusal("node-id", f"{n}: runs as node-id {f.node_id} but the .res says "
                          f"{h.node_id}", "fix the .res to match the running node-id")
        if h.address.host != node.address:
            raise Refusal("address-mismatch", f"{n}: DRBD uses {h.address.host} but the "
                          f"drbdeck node's address is {node.address}; adjusting would "
                          "re-create the path (a disconnect)",
                          f"drbdeck node modify / re-create {n} with address "
                          f"{h.address.host}, then adopt")
        if not f.source or not f.source.endswith(".res") or "/drbdeck.d/" in f.source:
            raise Refusal("options", f"{n}: {name} is defined in {f.source or '?'}, not in "
                          "a .res file of its own", "move its section into its own "
                          f"/etc/drbd.d/{name}.res (drbdadm adjust is a no-op), then adopt")
        ports.add(h.address.port)
        diskless = all(v.disk == "none" for v in f.volumes.values())
        d.replicas.append(DerivedReplica(n, h.node_id, diskless, res_file=f.source))
    if len(ports) != 1:
        raise Refusal("options", f"{name} uses different ports per node "
                      f"({sorted(ports)})", "use one port on every node, then adopt")
    d.port = ports.pop()
    _pin_quorum(d, first)
    if not force:
        bad = [b for f in facts.values() for b in _healthy(f)]
        if bad:
            raise Refusal("not-healthy", "; ".join(bad),
                          "wait until it is connected and UpToDate everywhere, or adopt "
                          "with --force (drbdeck then brings it to its configuration like "
                          "drbdadm adjust would: re-attach, reconnect)")
    _volumes(d, facts, allow_larger)
    _larger(d, facts, allow_larger)
    _conflicts(d, model)
    for r in d.replicas:
        if not r.diskless and r.vg is not None:
            r.pool, r.create_pool = _pool_for(model, r.node, r.vg)
    return d


def _volumes(d: Derived, facts: dict[str, NodeFacts], allow_larger: bool) -> None:
    numbers = sorted({v for f in facts.values() for v in f.volumes})
    md_peers: set[int] = set()  # read from the metadata of volumes that are down
    cands: set[int] = set(range(mdsize.MIN_PEERS, mdsize.MAX_PEERS + 1))
    sizes: list[tuple[str, int, int, int]] = []  # node, vnr, gross bytes, net bytes
    replicas = {r.node: r for r in d.replicas}
    for vnr in numbers:
        minors = {f.volumes[vnr].minor for f in facts.values() if vnr in f.volumes}
        if len(minors) != 1 or any(vnr not in f.volumes for f in facts.values()):
            raise Refusal("minor-differs", f"volume {vnr} has minors {sorted(minors)} on the "
                          "nodes (or is missing on one)", "use one minor per volume on every "
                          "node (a minor change needs drbdadm down/up)")
        lvs: set[str] = set()
        nets: set[int] = set()
        for n, f in facts.items():
            v = f.volumes[vnr]
            if v.net_bytes is not None:
                nets.add(v.net_bytes)
            if v.disk == "none":
                continue
            if v.meta_disk != "internal":
                raise Refusal("external-metadata", f"{n}: volume {vnr} keeps its metadata "
                              f"on {v.meta_disk} (external)", "drbdeck manages internal "
                              "metadata only: move to internal metadata (needs a resync or "
                              "downtime) or keep managing this resource by hand")
            vg, lv = _split_lv(v.disk, n, vnr)
            r = replicas[n]
            if r.vg not in (None, vg):
                raise Refusal("not-lvm", f"{n}: volumes of {d.name} are in different VGs",
                              "keep all volumes of a resource in one VG per node")
            r.vg = vg
            lvs.add(lv)
            if v.gross_bytes is None or v.net_bytes is None:
                raise Refusal("peer-slots", f"{n}: could not read the sizes of volume {vnr}",
                              "check 'blockdev --getsize64' on the node")
            if v.md_error:
                raise Refusal("peer-slots", f"{n}: volume {vnr}: drbdmeta dump-md failed: "
                              f"{v.md_error}", f"run 'drbdadm apply-al {d.name}' on {n} "
                              "(a down resource may have an unapplied activity log), then "
                              "adopt")
            if v.md_max_peers is not None:
                if v.md_max_peers not in mdsize.peer_slot_candidates(v.gross_bytes,
                                                                      v.net_bytes):
                    raise Refusal("peer-slots", f"{n}: volume {vnr}: the metadata says "
                                  f"max-peers {v.md_max_peers}, which does not fit its "
                                  "size", "check the metadata with drbdadm dump-md")
                md_peers.add(v.md_max_peers)
            sizes.append((n, vnr, v.gross_bytes, v.net_bytes))
        if len(lvs) > 1:
            raise Refusal("lv-names-differ", f"volume {vnr} is on LVs named "
                          f"{', '.join(sorted(lvs))} on different nodes; drbdeck uses one "
                          "LV name per volume (OverrideVlmId)",
                          "rename the LVs to one name (lvrename; the resource must be down "
                          "on that node while its backing device is renamed), then adopt")
        if len(nets) != 1:
            raise Refusal("net-size", f"volume {vnr}: the DRBD device size differs between "
                          f"nodes ({sorted(nets)})", "connect the resource so the nodes "
                          "agree on the size, then adopt")
        net = nets.pop()
        if net % 1024:
            raise Refusal("net-size", f"volume {vnr}: the DRBD device is {net} bytes, not a "
                          "multiple of 1024 (drbdeck sizes volumes in KiB)",
                          "resize it to a whole KiB (drbdadm resize --size=…K, or remove a "
                          "'size' option and resize) before adopting")
        dv = DerivedVolume(vnr, minors.pop(), net // 1024, lvs.pop() if lvs else None)
        dv.props = _volume_options(d.name, vnr, facts)
        d.volumes.append(dv)
    exact = [(n, v) for n, v, g, net in sizes if mdsize.peer_slot_candidates(g, net)]
    for _n, _v, g, net in sizes:
        c = set(mdsize.peer_slot_candidates(g, net))
        if c:
            cands &= c
    if sizes and (not exact or not cands):
        raise Refusal("peer-slots", f"the LV and DRBD sizes of {d.name} fit no metadata "
                      "layout with one peer-slot count", "read max-peers with 'drbdadm "
                      "dump-md' (volume detached) and adopt by hand with "
                      "PeerSlotsNewResource")
    if md_peers:  # the metadata itself is the truth; the size math cross-checks it
        if len(md_peers) > 1 or not md_peers <= cands:
            raise Refusal("peer-slots", f"the metadata of {d.name} has max-peers "
                          f"{sorted(md_peers)}, not one value that fits every volume",
                          "recreate the metadata consistently (a full resync) or keep "
                          "managing it by hand")
        cands = md_peers
    d.peer_slots = max(cands) if sizes else 7


def _larger(d: Derived, facts: dict[str, NodeFacts], allow_larger: bool) -> None:
    """An LV bigger than drbdeck would size it (net size + metadata, rounded to the
    extent) is only accepted with AllowLargerVolumeSize, as the reconciler demands."""
    by_vol = {v.number: v for v in d.volumes}
    for r in d.replicas:
        f = facts[r.node]
        for vnr, v in f.volumes.items():
            if v.disk == "none" or v.gross_bytes is None or r.vg is None:
                continue
            extent = f.extent_kib.get(r.vg, 4096) or 4096
            need = mdsize.round_up(mdsize.gross_from_net(by_vol[vnr].net_kib, d.peer_slots),
                                   extent)
            have = v.gross_bytes // 1024
            if have <= need:
                continue
            if not allow_larger:
                raise Refusal("lv-larger", f"{r.node}: volume {vnr}'s LV ({have} KiB) is "
                              f"larger than the {need} KiB needed for {by_vol[vnr].net_kib} "
                              f"KiB with {d.peer_slots} peer slots",
                              "adopt with --allow-larger (sets AllowLargerVolumeSize on the "
                              "volume definition) or shrink the LV first")
            by_vol[vnr].allow_larger = True


def _conflicts(d: Derived, model: ClusterModel) -> None:
    used = minors_in_use(model)
    for v in d.volumes:
        if v.minor in used:
            raise Refusal("minor-in-use", f"minor {v.minor} (volume {v.number}) is used by "
                          f"the managed volume {used[v.minor]}", "change the hand-made "
                          "minor (drbdadm down/up: an outage) or the managed one, then adopt")
    for r in d.replicas:
        ports = ports_in_use(model, r.node)
        if d.port in ports and key(ports[d.port]) != key(d.name):
            raise Refusal("port-in-use", f"{r.node}: port {d.port} is used by the managed "
                          f"resource {ports[d.port]}", "move one of them to another port "
                          "(a reconnect), then adopt")
    if d.port and not 1 <= d.port <= 65535:
        raise Refusal("options", f"port {d.port} is out of range", "fix the .res")


__all__ = ["Derived", "DerivedReplica", "DerivedVolume", "check_name", "derive"]
