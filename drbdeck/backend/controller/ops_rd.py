"""Resource-definition and volume-definition operations (linstor.md §1, §3).

The "DRBD data" of an RD (peer slots, secret, minors) is created at the moment LINSTOR
creates it — ``rd c`` with -p/--peer-slots/a drbd layer, else ``vd c -m``, else the first
``r c`` — because ``PeerSlotsNewResource`` is read exactly then and never again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from drbdeck.backend.controller import allocation as al
from drbdeck.backend.controller import answers as ans
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import names, props, units
from drbdeck.backend.controller.model import ResourceDfn, ResourceGroup, VolumeDfn
from drbdeck.backend.controller.ops_node import Result
from drbdeck.backend.controller.store import Transaction
from drbdeck.backend.controller.volumes import add_volume


def ensure_drbd_data(tx: Transaction, rd: ResourceDfn, peer_slots: int | None = None) -> None:
    """Create the RD's DRBD data once: peer slots, secret, minors of its VDs."""
    if rd.drbd_initialized:
        return
    tx.edit(rd)
    rd.peer_slots = peer_slots if peer_slots is not None else \
        al.peer_slots_for_new_resource(tx.model, rd)
    if not rd.secret:
        rd.secret = al.new_secret()
    for vd in sorted(rd.volumes.values(), key=lambda v: v.number):
        if vd.minor is None:
            vd.minor = al.allocate_minor(tx.model)


def _check_rd_port(port: object) -> int:
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise rc.error(rc.FAIL_INVLD_RSC_PORT,
                       f"Invalid port '{port}': must be an integer from 1 to 65535.")
    return port


#: DRBD's shared-secret: at most 63 bytes (drbd.md); a plain token keeps it safe to render
#: into the .res file without quoting surprises.
_SECRET = re.compile(r"^[A-Za-z0-9+/=_.:,@%^*!~-]{1,63}$")


def check_secret(secret: object) -> str:
    if not isinstance(secret, str) or not _SECRET.match(secret):
        # the value itself is never echoed: it is a credential
        raise rc.error(rc.FAIL_INVLD_CONF,
                       "Invalid DRBD secret: it must be 1 to 63 characters of letters, digits "
                       "and + / = _ . : , @ % ^ * ! ~ - (no spaces or quotes).")
    return secret


def rd_create(tx: Transaction, name: str, *, port: int | None = None,
              peer_slots: int | None = None, resource_group: str | None = None,
              layers: Iterable[str] | None = None, rd_props: dict[str, str] | None = None,
              external_name: str | None = None, secret: str | None = None) -> Result:
    names.resource_name(name)
    if secret is not None:
        check_secret(secret)
    layer_list = [x.upper() for x in (layers or [])]
    if any(x not in ("DRBD", "STORAGE") for x in layer_list) or \
            (layer_list and layer_list[-1] != "STORAGE"):
        raise rc.error(rc.FAIL_INVLD_LAYER_STACK, f"Invalid layer list {layer_list}: drbdeck "
                       "supports 'drbd,storage' (and 'storage' alone is not supported).")
    if port is not None:
        _check_rd_port(port)
    if peer_slots is not None:
        al.check_peer_slots(peer_slots)
    pr = dict(rd_props or {})
    props.check_all(props.Kind.RSC_DFN, pr)
    rg = tx.model.rg(resource_group or "DfltRscGrp")
    if name in tx.model.rds:
        raise rc.error(rc.FAIL_EXISTS_RSC_DFN,
                       f"A resource definition with the name '{name}' already exists.",
                       RscDfn=name)
    rd = tx.put(ResourceDfn(name, rg.name, port=port, props=pr, external_name=external_name,
                            secret=secret or ""))
    # Only an explicit peer-slot count fixes the DRBD data here. LINSTOR also fixes it for
    # ``-p`` or a drbd layer list, which makes the migration post's own order
    # (``rd c legacy -p 15500`` then ``rd sp legacy PeerSlotsNewResource 4``) silently get
    # 7 slots and a backing LV that no longer fits. drbdeck lets PeerSlotsNewResource apply
    # until the first resource (or ``vd c -m``) needs the DRBD data.
    if peer_slots is not None:
        ensure_drbd_data(tx, rd, peer_slots)
    return [ans.created(rc.MASK_RSC_DFN, ans.rd_phrase(name), rd.uuid, RscDfn=name)], set()


def _nodes_of(tx: Transaction, rd: str) -> set[str]:
    return {r.node for r in tx.model.resources_of_rd(rd)}


def _apply_props(target: dict[str, str], kind: props.Kind, override: dict[str, str],
                 delete: Iterable[str]) -> list[str]:
    props.check_all(kind, override)
    target.update(override)
    for k in delete:
        target.pop(k, None)
    return sorted(override)


def rd_modify(tx: Transaction, name: str, *, override: dict[str, str] | None = None,
              delete: Iterable[str] = (), peer_slots: int | None = None,
              port: int | None = None) -> Result:
    """``rd sp`` / ``rd m``: props, explicit peer slots (overrides the stored value), port."""
    rd = tx.model.rd(name)
    if peer_slots is not None:
        al.check_peer_slots(peer_slots)
        al.check_enough_peer_slots(peer_slots, sum(
            1 for r in tx.model.resources_of_rd(name) if not r.diskless), rd.name)
    if port is not None:
        _check_rd_port(port)
    tx.edit(rd)
    keys = _apply_props(rd.props, props.Kind.RSC_DFN, dict(override or {}), delete)
    if peer_slots is not None:
        if rd.drbd_initialized:
            rd.peer_slots = peer_slots
        else:
            ensure_drbd_data(tx, rd, peer_slots)
    if port is not None:
        rd.port = port
    out = []
    if keys:
        out.append(ans.props_set(rc.MASK_MOD, rc.MASK_RSC_DFN, keys))
    out.append(ans.modified(rc.MASK_RSC_DFN, ans.rd_phrase(rd.name), rd.uuid, RscDfn=rd.name))
    return out, _nodes_of(tx, name)


def rd_delete(tx: Transaction, name: str) -> Result:
    """Without resources the RD goes at once; otherwise it and its resources get DELETE."""
    rd = tx.model.rds.get(name)
    if rd is None:
        return [rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_DEL | rc.MASK_RSC_DFN,
                             f"Resource definition '{name}' not found.",
                             obj_refs={"RscDfn": name})], set()
    rscs = tx.model.resources_of_rd(name)
    if not rscs:
        tx.delete(rd)
        return [ans.deleted(rc.MASK_RSC_DFN, ans.rd_phrase(rd.name), rd.uuid,
                            RscDfn=rd.name)], set()
    tx.edit(rd).flags.add("DELETE")
    for r in rscs:
        tx.edit(r).flags.add("DELETE")
    return [rc.ApiCallRc(rc.DELETED | rc.MASK_DEL | rc.MASK_RSC_DFN,
                         f"Resource definition '{rd.name}' marked for deletion.",
                         details="It is removed when every node has deleted its resource.",
                         obj_refs={"RscDfn": rd.name, "UUID": rd.uuid})], \
        {r.node for r in rscs}


def vd_create(tx: Transaction, rd_name: str, size_kib: int, *, number: int | None = None,
              minor: int | None = None, gross: bool = False,
              vd_props: dict[str, str] | None = None) -> Result:
    rd = tx.model.rd(rd_name)
    units.check_vd_size(size_kib)
    pr = dict(vd_props or {})
    props.check_all(props.Kind.VLM_DFN, pr)
    vnr = al.allocate_vnr(rd, number)
    if minor is not None:
        al.allocate_minor(tx.model, minor)  # validates range and conflicts
    tx.edit(rd)
    vd = VolumeDfn(vnr, size_kib, None, pr, {"GROSS_SIZE"} if gross else set())
    rd.volumes[vnr] = vd
    if rd.drbd_initialized:
        vd.minor = al.allocate_minor(tx.model, minor)
    elif minor is not None:
        vd.minor = minor
        ensure_drbd_data(tx, rd)
    for r in tx.model.resources_of_rd(rd_name):
        add_volume(tx, r, rd, vd)
    return [ans.created(rc.MASK_VLM_DFN, ans.vd_phrase(rd.name, vnr), vd.uuid,
                        RscDfn=rd.name, VlmNr=str(vnr))], _nodes_of(tx, rd_name)


def vd_modify(tx: Transaction, rd_name: str, number: int, *,
              override: dict[str, str] | None = None, delete: Iterable[str] = ()) -> Result:
    rd = tx.model.rd(rd_name)
    vd = tx.model.vd(rd_name, number)
    tx.edit(rd)
    keys = _apply_props(vd.props, props.Kind.VLM_DFN, dict(override or {}), delete)
    out = []
    if keys:
        out.append(ans.props_set(rc.MASK_MOD, rc.MASK_VLM_DFN, keys))
    out.append(ans.modified(rc.MASK_VLM_DFN, ans.vd_phrase(rd.name, number), vd.uuid,
                            RscDfn=rd.name, VlmNr=str(number)))
    return out, _nodes_of(tx, rd_name)


def rg_create(tx: Transaction, name: str, *, place_count: int | None = None,
              storage_pools: Iterable[str] = (), description: str = "",
              rg_props: dict[str, str] | None = None, peer_slots: int | None = None) -> Result:
    """``rg c NAME [--place-count N] [-s POOL...]`` (place count may arrive as a string)."""
    names.resource_group_name(name)
    if place_count is not None:
        try:
            place_count = int(place_count)
        except (TypeError, ValueError):
            place_count = -1
        if not 1 <= place_count <= 32:
            raise rc.error(rc.FAIL_INVLD_PLACE_COUNT,
                           f"Invalid place count '{place_count}': must be 1 to 32.",
                           RscGrp=name)
    pools = [names.storage_pool_name(p) for p in storage_pools]
    if peer_slots is not None:
        al.check_peer_slots(peer_slots)
    pr = dict(rg_props or {})
    props.check_all(props.Kind.RSC_GRP, pr)
    if name in tx.model.rgs:
        raise rc.error(rc.FAIL_EXISTS_RSC_GRP,
                       f"A resource group with the name '{name}' already exists.", RscGrp=name)
    rg = tx.put(ResourceGroup(name, description, place_count, pools, pr, peer_slots))
    return [ans.created(rc.MASK_RSC_GRP, f"resource group '{name}'", rg.uuid,
                        RscGrp=name)], set()


def vd_delete(tx: Transaction, rd_name: str, number: int) -> Result:
    """Without replicas the VD goes at once; otherwise it is flagged DELETE until the nodes
    have removed the volume (the reconciler then calls ``vd_confirm_deleted``)."""
    rd = tx.model.rd(rd_name)
    vd = rd.volumes.get(number)
    if vd is None:
        return [rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_DEL | rc.MASK_VLM_DFN,
                             f"Volume definition with number '{number}' of resource "
                             f"definition '{rd.name}' not found.",
                             obj_refs={"RscDfn": rd.name, "VlmNr": str(number)})], set()
    tx.edit(rd)
    nodes = _nodes_of(tx, rd_name)
    if nodes:
        vd.flags.add("DELETE")
    else:
        del rd.volumes[number]
    return [ans.deleted(rc.MASK_VLM_DFN, ans.vd_phrase(rd.name, number), vd.uuid,
                        RscDfn=rd.name, VlmNr=str(number))], nodes


def mark_initial_synced(tx: Transaction, pairs: Iterable[tuple[str, int]]) -> Result:
    """For the runtime: these volumes have had their initial sync (missing ones skipped)."""
    for rd_name, vnr in pairs:
        rd = tx.model.rds.get(rd_name)
        vd = rd.volumes.get(vnr) if rd is not None else None
        if rd is not None and vd is not None and not vd.initial_synced:
            tx.edit(rd)
            vd.initial_synced = True
    return [], set()


def vd_confirm_deleted(tx: Transaction, rd_name: str, number: int) -> Result:
    rd = tx.model.rd(rd_name)
    vd = rd.volumes.get(number)
    if vd is None or "DELETE" not in vd.flags:
        return [], set()
    tx.edit(rd)
    del rd.volumes[number]
    for r in tx.model.resources_of_rd(rd_name):
        tx.edit(r).volumes.pop(number, None)
    return [], set()
