"""Controller model → one node's desired state (the reconciler's input).

Why a pure function: the reconciler must not read the model (it is tested and benchmarked
without a database), and the controller must not know about ``drbdadm``. This module is the
only place where LINSTOR's object rules (linstor.md §3, §4) become a ``.res`` configuration,
LV names and LV sizes, so the rules can be checked without any node.

Choices made here (where the model has no field for it):

* The initial-sync step (``force-primary`` for thick, ``clear-bitmap`` for thin) goes to
  exactly ONE diskful replica: the one with the lowest node-id. For thin that one
  ``new-current-uuid --clear-bitmap`` is enough: fresh peers join the day-0 generation
  without a resync; running it on every replica separately would give each its own
  generation (unrelated data). Whether the step has already happened is not stored in the
  model: the caller passes ``initial_done`` (the runtime remembers it in memory), and the
  reconciler's guard (only fresh Inconsistent volumes with no UpToDate peer) is the safety
  net after a controller restart.
* ``DrbdOptions/<Section>/<opt>`` props merge controller → resource group → RD; VD props
  with ``DrbdOptions/Disk/*`` go into the volume's ``disk`` block. Node- and replica-level
  DrbdOptions are not rendered (one configuration is shared by all hosts).
* A volume definition flagged DELETE (``vd d``) is left out of the configuration, so
  ``drbdadm adjust`` takes the volume down, and listed in ``drop_volumes`` so the
  reconciler then removes its LV. A replica flagged DELETE lists every volume so all its
  LVs go.
* Auto-quorum as LINSTOR: ``quorum majority`` + ``on-no-quorum suspend-io`` with at least
  three diskful replicas, or two diskful plus a diskless one; ``quorum off`` otherwise.
  Explicit ``DrbdOptions/Resource/quorum`` props win.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Container

from drbdeck.backend import mdsize
from drbdeck.backend.controller.model import (
    ClusterModel,
    Provider,
    Resource,
    ResourceDfn,
    StorPool,
    VolumeDfn,
)
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.props import DRBD_SECTIONS
from drbdeck.backend.reconcile.desired import DesiredResource, DesiredVolume, NodeDesired
from drbdeck.backend.resconfig import Address, HostConfig, ResourceConfig, VolumeConfig

log = logging.getLogger(__name__)

#: Extent size assumed for a pool whose node has not reported one yet (LVM's 4 MiB default).
DEFAULT_EXTENT_KIB = 4096
DEFAULT_PEER_SLOTS = 7
LVM_PROVIDERS = (Provider.LVM, Provider.LVM_THIN)
#: Backing files in the pool's directory (StorPoolName), attached to loop devices.
FILE_PROVIDERS = (Provider.FILE, Provider.FILE_THIN)
DISK_PROVIDERS = LVM_PROVIDERS + FILE_PROVIDERS

InitialDone = Container[str] | Callable[[str], bool]


def _has(initial_done: InitialDone, k: str) -> bool:
    return bool(initial_done(k)) if callable(initial_done) else k in initial_done


def _done(initial_done: InitialDone, rd_key: str, vnrs: list[int]) -> bool:
    """Done for the whole RD (``"R1"``) or for every one of its volumes (``"R1/0"``): a
    volume added later to a running resource needs its own initial sync."""
    return _has(initial_done, rd_key) or all(_has(initial_done, f"{rd_key}/{v}")
                                             for v in vnrs)


def _pool(model: ClusterModel, r: Resource) -> StorPool | None:
    if r.storage_pool is None:
        return None
    return model.pools.get((key(r.node), key(r.storage_pool)))


def is_diskful(model: ClusterModel, r: Resource) -> bool:
    """A replica with backing storage: not flagged diskless and on an LVM or FILE pool."""
    if r.diskless or "DRBD_DISKLESS" in r.flags:
        return False
    p = _pool(model, r)
    return p is not None and p.provider in DISK_PROVIDERS and bool(p.backing)


def split_backing(backing: str) -> tuple[str, str | None]:
    """``"vg"`` → (vg, None); ``"vg/thin"`` → (vg, thin)."""
    vg, _, thin = backing.partition("/")
    return vg, (thin or None)


def lv_name(rd: ResourceDfn, vd: VolumeDfn) -> str:
    """LINSTOR's ``<rsc>_<vnr:05d>`` unless ``OverrideVlmId`` adopts an existing LV."""
    return vd.props.get("OverrideVlmId") or f"{rd.name}_{vd.number:05d}"


def extent_kib(model: ClusterModel, replicas: list[Resource]) -> int:
    """The LARGEST extent size among the pools the diskful replicas use (linstor.md §4:
    every replica rounds alike, so all LVs of a volume get the same size)."""
    sizes = [DEFAULT_EXTENT_KIB if not replicas else 0]
    for r in replicas:
        p = _pool(model, r)
        if p is not None:
            sizes.append(p.extent_kib or DEFAULT_EXTENT_KIB)
    return max(sizes) or DEFAULT_EXTENT_KIB


def gross_kib(rd: ResourceDfn, vd: VolumeDfn, extent: int) -> int:
    """Backing LV size: net → gross with the RD's peer slots (GROSS_SIZE: as given),
    rounded up to ``extent``."""
    peers = rd.peer_slots or DEFAULT_PEER_SLOTS
    gross = vd.size_kib if "GROSS_SIZE" in vd.flags else mdsize.gross_from_net(vd.size_kib,
                                                                              peers)
    return mdsize.round_up(gross, extent)


def drbd_options(*prop_maps: dict[str, str]) -> dict[str, dict[str, str]]:
    """``DrbdOptions/<Section>/<opt>`` props (later maps win) → {section: {opt: value}}."""
    out: dict[str, dict[str, str]] = {s: {} for s in DRBD_SECTIONS.values()}
    for props in prop_maps:
        for k, v in props.items():
            parts = k.split("/")
            if len(parts) == 3 and parts[0] == "DrbdOptions" and parts[1] in DRBD_SECTIONS:
                out[DRBD_SECTIONS[parts[1]]][parts[2]] = v
    return out


def _family(host: str) -> str:
    return "ipv6" if ":" in host else "ipv4"


def _initial_node(model: ClusterModel, live: list[Resource]) -> tuple[str, str] | None:
    """(node key, kind) of the one replica that makes the initial-sync decision."""
    diskful = sorted((r for r in live if is_diskful(model, r)), key=lambda r: r.node_id)
    if not diskful:
        return None
    first = diskful[0]
    p = _pool(model, first)
    thin = p is not None and p.provider in (Provider.LVM_THIN, Provider.FILE_THIN)
    kind = "clear-bitmap" if thin else "force-primary"
    return key(first.node), kind


def resource_config(model: ClusterModel, rd: ResourceDfn,
                    live: list[Resource]) -> ResourceConfig | None:
    """The shared multi-host configuration of ``rd`` over its non-deleted replicas;
    ``None`` when it cannot be rendered yet (a volume without minor, a node without address)."""
    vds = sorted((v for v in rd.volumes.values() if "DELETE" not in v.flags),
                 key=lambda v: v.number)
    if any(vd.minor is None for vd in vds):
        return None
    rg = model.rgs.get(rd.resource_group)
    opts = drbd_options(model.controller_props, rg.props if rg else {}, rd.props)
    diskful = [r for r in live if is_diskful(model, r)]
    n_diskless = len(live) - len(diskful)
    options = dict(opts["options"])
    if "quorum" not in options:
        if len(diskful) >= 3 or (len(diskful) == 2 and n_diskless >= 1):
            options["quorum"] = "majority"
            options.setdefault("on-no-quorum", "suspend-io")
        else:
            options["quorum"] = "off"
    net = {}
    if rd.secret:
        net = {"cram-hmac-alg": "sha1", "shared-secret": rd.secret}
    net.update(opts["net"])
    rc = ResourceConfig(name=rd.name, options=options, net=net, disk=dict(opts["disk"]),
                        handlers=dict(opts["handlers"]))
    for r in sorted(live, key=lambda x: x.node_id):
        node = model.nodes.get(r.node)
        port = r.tcp_port if r.tcp_port is not None else rd.port
        if node is None or not node.address or port is None:
            return None
        p = _pool(model, r)
        vols: dict[int, VolumeConfig] = {}
        for vd in vds:
            if is_diskful(model, r) and p is not None and p.backing \
                    and p.provider in FILE_PROVIDERS:
                # the node's loop device replaces this when the file is rendered there
                disk = f"{p.backing.rstrip('/')}/{lv_name(rd, vd)}.img"
            elif is_diskful(model, r) and p is not None and p.backing:
                disk = f"/dev/{split_backing(p.backing)[0]}/{lv_name(rd, vd)}"
            else:
                disk = "none"
            vd_disk = drbd_options(vd.props)["disk"]
            vols[vd.number] = VolumeConfig(number=vd.number, minor=vd.minor, disk=disk,
                                           meta_disk="internal", disk_options=vd_disk)
        rc.hosts[node.name] = HostConfig(
            name=node.name, node_id=r.node_id,
            address=Address(_family(node.address), node.address, port), volumes=vols)
    return rc


def _volume(rd: ResourceDfn, vd: VolumeDfn, pool: StorPool | None,
            extent: int) -> DesiredVolume:
    """One volume as this replica holds it (``pool`` None: diskless)."""
    assert vd.minor is not None
    if pool is None or not pool.backing:
        return DesiredVolume(number=vd.number, minor=vd.minor, diskless=True)
    allow = vd.props.get("AllowLargerVolumeSize", "").lower() == "true"
    if pool.provider in FILE_PROVIDERS:
        return DesiredVolume(
            number=vd.number, minor=vd.minor, diskless=False,
            provider="FILE_THIN" if pool.provider is Provider.FILE_THIN else "FILE",
            directory=pool.backing.rstrip("/") or "/", lv_name=lv_name(rd, vd),
            gross_kib=gross_kib(rd, vd, extent), allow_larger=allow)
    vg, thin = split_backing(pool.backing)
    return DesiredVolume(
        number=vd.number, minor=vd.minor, diskless=False,
        provider="LVM_THIN" if pool.provider is Provider.LVM_THIN else "LVM",
        vg=vg, thin_pool=thin if pool.provider is Provider.LVM_THIN else None,
        lv_name=lv_name(rd, vd), gross_kib=gross_kib(rd, vd, extent), allow_larger=allow)


def desired_resource(model: ClusterModel, rd: ResourceDfn, node_name: str, *,
                     initial_done: InitialDone = ()) -> DesiredResource | None:
    """``rd`` as ``node_name`` should run it, or ``None`` when the node holds no replica
    (or the resource cannot be rendered yet)."""
    replicas = model.resources_of_rd(rd.name)
    mine = next((r for r in replicas if key(r.node) == key(node_name)), None)
    if mine is None:
        return None
    live = [r for r in replicas if "DELETE" not in r.flags]
    deleting = "DELETE" in mine.flags
    # a deleted replica removes every LV; a live one drops volumes flagged DELETE (vd d)
    vds = sorted((v for v in rd.volumes.values() if deleting or "DELETE" not in v.flags),
                 key=lambda v: v.number)
    extent = extent_kib(model, [r for r in replicas if is_diskful(model, r)])
    pool = _pool(model, mine) if is_diskful(model, mine) else None
    if any(vd.minor is None for vd in vds):
        return None
    volumes = [_volume(rd, vd, pool, extent) for vd in vds]
    drop = [] if deleting or pool is None else [
        _volume(rd, vd, pool, extent) for vd in sorted(rd.volumes.values(),
                                                        key=lambda v: v.number)
        if "DELETE" in vd.flags and vd.minor is not None]
    config = resource_config(model, rd, live) if not deleting else ResourceConfig(rd.name)
    if config is None:
        return None
    initial = None
    if not deleting and not _done(initial_done, key(rd.name), [v.number for v in vds]):
        chosen = _initial_node(model, live)
        if chosen is not None and chosen[0] == key(node_name):
            initial = chosen[1]
    return DesiredResource(name=rd.name, config=config, volumes=volumes,
                           max_peers=rd.peer_slots or DEFAULT_PEER_SLOTS,
                           initial=initial,  # type: ignore[arg-type]
                           deleting=deleting, drop_volumes=drop)


def desired_for_node(model: ClusterModel, node_name: str, *,
                     initial_done: InitialDone = ()) -> NodeDesired:
    """Every resource with a replica on ``node_name`` (see the module docstring).

    ``initial_done`` holds (or answers for) the keys whose initial sync has happened:
    an RD key (``"R1"``) for all its volumes, or ``"R1/<vnr>"`` per volume.
    Resources that cannot be rendered yet are left out (and logged): the node keeps them
    as they are until the model is complete, rather than receiving a broken file.
    """
    node = model.nodes.get(node_name)
    name = node.name if node is not None else node_name
    out = NodeDesired(name)
    for r in model.resources_on_node(name):
        rd = model.rds.get(r.rd)
        if rd is None:
            continue
        d = desired_resource(model, rd, name, initial_done=initial_done)
        if d is None:
            log.debug("%s: resource %s not renderable yet", name, rd.name)
            continue
        out.resources[rd.name] = d
    return out


__all__ = ["DEFAULT_EXTENT_KIB", "desired_for_node", "desired_resource", "drbd_options",
           "extent_kib", "gross_kib", "is_diskful", "lv_name", "resource_config"]
