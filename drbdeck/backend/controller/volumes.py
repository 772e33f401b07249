"""Per-replica volume records: which pool, which backing device (linstor.md §3 LV names).

Why separate: both ``vd c`` (new volume on existing replicas) and ``r c`` (all volumes of
a new replica) create them, and the reconciler reads the same device paths.
"""

from __future__ import annotations

from drbdeck.backend import mdsize
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.model import (
    ClusterModel,
    Provider,
    Resource,
    ResourceDfn,
    Volume,
    VolumeDfn,
)
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.store import Transaction


def lv_name(rd: ResourceDfn, vd: VolumeDfn) -> str:
    """``<rsc>_<vnr:05d>``, or the VD's ``OverrideVlmId`` (adopting an existing LV)."""
    return vd.props.get("OverrideVlmId") or f"{rd.name}_{vd.number:05d}"


def backing_device(model: ClusterModel, r: Resource, rd: ResourceDfn,
                   vd: VolumeDfn) -> str | None:
    if r.diskless or r.storage_pool is None:
        return None
    pool = model.pools.get((key(r.node), key(r.storage_pool)))
    if pool is None or pool.backing is None:
        return None
    name = lv_name(rd, vd)
    if pool.provider in (Provider.LVM, Provider.LVM_THIN):
        vg = pool.backing.split("/")[0]
        return f"/dev/{vg}/{name}"
    if pool.provider in (Provider.FILE, Provider.FILE_THIN):
        return f"{pool.backing.rstrip('/')}/{name}.img"
    return None


def add_volume(tx: Transaction, r: Resource, rd: ResourceDfn, vd: VolumeDfn) -> None:
    tx.edit(r)
    r.volumes[vd.number] = Volume(
        vd.number, None if r.diskless else r.storage_pool,
        backing_device(tx.model, r, rd, vd),
    )


def granularity_kib(model: ClusterModel, rd: ResourceDfn) -> int:
    """The largest extent size among the diskful pools the RD's replicas use (LINSTOR copies
    the largest AllocationGranularity onto the VD so every replica rounds alike); 4 KiB
    when nothing has been reported yet."""
    sizes = [4]
    for r in model.resources_of_rd(rd.name):
        if r.diskless or r.storage_pool is None:
            continue
        pool = model.pools.get((key(r.node), key(r.storage_pool)))
        if pool is not None and pool.extent_kib:
            sizes.append(pool.extent_kib)
    return max(sizes)


def gross_kib(model: ClusterModel, rd: ResourceDfn, vd: VolumeDfn) -> int:
    """Backing LV size for one replica: net → gross with the RD's peer slots (unless the VD
    has GROSS_SIZE), rounded up to the granularity (linstor.md §4)."""
    peers = rd.peer_slots or 7
    gross = vd.size_kib if "GROSS_SIZE" in vd.flags else mdsize.gross_from_net(vd.size_kib,
                                                                              peers)
    return mdsize.round_up(gross, granularity_kib(model, rd))


def check_existing_lv(model: ClusterModel, rd: ResourceDfn, vd: VolumeDfn, node: str,
                      device: str, lv_kib: int) -> str:
    """Decide what to do with a backing LV that already exists (OverrideVlmId adoption).

    Returns ``"use"`` (right size), ``"grow"`` (too small: LINSTOR grows it) or raises
    ApiError when it is larger than needed and the VD lacks ``AllowLargerVolumeSize true``
    — drbdeck keeps that property so adopting an oversized LV is a deliberate choice.
    """
    need = gross_kib(model, rd, vd)
    if lv_kib < need:
        return "grow"
    if lv_kib == need or vd.props.get("AllowLargerVolumeSize", "").lower() == "true":
        return "use"
    raise rc.error(rc.FAIL_INVLD_VLM_SIZE,
                   f"Backing device '{device}' on node '{node}' is {lv_kib} KiB, larger than "
                   f"the {need} KiB volume {vd.number} of resource '{rd.name}' needs.",
                   correction=f"Set 'vd sp {rd.name} {vd.number} AllowLargerVolumeSize true' "
                              "to use it as it is, or resize the volume definition.",
                   RscDfn=rd.name, Node=node, VlmNr=str(vd.number))
