"""Number allocation as LINSTOR does it (linstor.md §3): ports, minors, node-ids, vnrs.

Why here and pure: every allocator reads only the model, so an operation can allocate
inside its store transaction and a rollback forgets the numbers too. Explicit values are
checked for conflicts; exhausted ranges give LINSTOR's FAIL_POOL_EXHAUSTED_* errors.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.model import ClusterModel, ResourceDfn
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.props import parse_range

DEFAULT_PORT_RANGE = (7000, 7999)
DEFAULT_MINOR_RANGE = (1000, 49999)
MAX_MINOR = (1 << 20) - 1
MAX_NODE_ID = 31
MAX_VLM_NR = (1 << 16) - 2
DEFAULT_PEER_SLOTS = 7


def _lowest_free(lo: int, hi: int, used: Iterable[int]) -> int | None:
    taken = set(used)
    for n in range(lo, hi + 1):
        if n not in taken:
            return n
    return None


# ---- TCP ports (per node since LINSTOR 1.31.2) ----------------------------------------

def port_range(model: ClusterModel, node: str) -> tuple[int, int]:
    """``TcpPortAutoRange`` of the node, else of the controller, else 7000-7999."""
    n = model.nodes.get(node)
    value = (n.props.get("TcpPortAutoRange") if n else None) or \
        model.controller_props.get("TcpPortAutoRange")
    return parse_range(value) if value else DEFAULT_PORT_RANGE


def ports_in_use(model: ClusterModel, node: str) -> dict[int, str]:
    """port -> resource name, for the resources on ``node``."""
    return {r.tcp_port: r.rd for r in model.resources_on_node(node) if r.tcp_port is not None}


def check_port(value: object, field: str = "TCP port") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise rc.error(rc.FAIL_INVLD_TCP_PORT,
                       f"Invalid {field} '{value}': must be an integer from 1 to 65535.")
    return value


def allocate_port(model: ClusterModel, rd: str, node: str, explicit: int | None = None) -> int:
    """The port for a new resource of ``rd`` on ``node``.

    Explicit: must be free on the node. Otherwise: the RD's preferred port, then the ports
    its peers use, the first free on this node; else the lowest free in the node's range.
    """
    used = ports_in_use(model, node)
    if explicit is not None:
        check_port(explicit)
        if explicit in used:
            raise rc.error(rc.FAIL_INVLD_TCP_PORT,
                           f"TCP port {explicit} is already in use on node '{node}' by "
                           f"resource '{used[explicit]}'.", Node=node, RscDfn=rd)
        return explicit
    prefs: list[int] = []
    d = model.rds.get(rd)
    if d is not None and d.port is not None:
        prefs.append(d.port)
    prefs += sorted({r.tcp_port for r in model.resources_of_rd(rd) if r.tcp_port is not None})
    for p in prefs:
        if p not in used:
            return p
    lo, hi = port_range(model, node)
    port = _lowest_free(lo, hi, used)
    if port is None:
        raise rc.error(rc.FAIL_POOL_EXHAUSTED_TCP_PORT,
                       "No TCP/IP port number could be allocated for the resource",
                       details=f"All ports in {lo}-{hi} are in use on node '{node}'.",
                       correction="Widen TcpPortAutoRange or delete unused resources.",
                       Node=node, RscDfn=rd)
    return port


# ---- minors (controller-wide) -----------------------------------------------------------

def minor_range(model: ClusterModel) -> tuple[int, int]:
    value = model.controller_props.get("MinorNrAutoRange")
    return parse_range(value) if value else DEFAULT_MINOR_RANGE


def minors_in_use(model: ClusterModel) -> dict[int, str]:
    return {vd.minor: f"{rd.name}/{vd.number}" for rd, vd in model.iter_vds()
            if vd.minor is not None}


def _minor_set(model: ClusterModel) -> set[int]:
    """The minors in use, as a plain set (no owner names: this runs on every new volume)."""
    return {vd.minor for rd in dict.values(model.rds) for vd in rd.volumes.values()
            if vd.minor is not None}


def allocate_minor(model: ClusterModel, explicit: int | None = None) -> int:
    if explicit is not None:
        used = minors_in_use(model)
        if not isinstance(explicit, int) or isinstance(explicit, bool) or \
                not 0 <= explicit <= MAX_MINOR:
            raise rc.error(rc.FAIL_INVLD_MINOR_NR, f"Invalid minor number '{explicit}': "
                                                  f"must be an integer from 0 to {MAX_MINOR}.")
        if explicit in used:
            raise rc.error(rc.FAIL_INVLD_MINOR_NR,
                           f"Minor number {explicit} is already in use by volume "
                           f"definition '{used[explicit]}'.")
        return explicit
    lo, hi = minor_range(model)
    minor = _lowest_free(lo, hi, _minor_set(model))
    if minor is None:
        raise rc.error(rc.FAIL_POOL_EXHAUSTED_MINOR_NR, "Could not find free minor number",
                       details=f"All minor numbers in {lo}-{hi} are in use.",
                       correction="Widen MinorNrAutoRange or delete unused volumes.")
    return minor


# ---- node-ids (per RD) -------------------------------------------------------------------

def allocate_node_id(model: ClusterModel, rd: str, explicit: int | None = None) -> int:
    used = {r.node_id: r.node for r in model.resources_of_rd(rd)}
    if explicit is not None:
        if not isinstance(explicit, int) or isinstance(explicit, bool) or \
                not 0 <= explicit <= MAX_NODE_ID:
            raise rc.error(rc.FAIL_INVLD_NODE_ID, f"Invalid node-id '{explicit}': must be an "
                                                 f"integer from 0 to {MAX_NODE_ID}.",
                           RscDfn=rd)
        if explicit in used:
            raise rc.error(rc.FAIL_INVLD_NODE_ID,
                           f"Node-id {explicit} is already in use by resource '{rd}' on node "
                           f"'{used[explicit]}'.", RscDfn=rd)
        return explicit
    nid = _lowest_free(0, MAX_NODE_ID, used)
    if nid is None:
        raise rc.error(rc.FAIL_POOL_EXHAUSTED_NODE_ID,
                       f"Could not find free node-id for resource '{rd}'",
                       details="All node-ids 0-31 are in use.", RscDfn=rd)
    return nid


# ---- volume numbers ---------------------------------------------------------------------

def allocate_vnr(rd: ResourceDfn, explicit: int | None = None) -> int:
    if explicit is not None:
        if not isinstance(explicit, int) or isinstance(explicit, bool) or \
                not 0 <= explicit <= MAX_VLM_NR:
            raise rc.error(rc.FAIL_INVLD_VLM_NR, f"Invalid volume number '{explicit}': must "
                                                f"be an integer from 0 to {MAX_VLM_NR}.",
                           RscDfn=rd.name)
        if explicit in rd.volumes:
            raise rc.error(rc.FAIL_EXISTS_VLM_DFN,
                           f"A volume definition with the number {explicit} already exists "
                           f"in resource definition '{rd.name}'.", RscDfn=rd.name,
                           VlmNr=str(explicit))
        return explicit
    vnr = _lowest_free(0, MAX_VLM_NR, rd.volumes)
    if vnr is None:
        raise rc.error(rc.FAIL_POOL_EXHAUSTED_VLM_NR, "Could not find free volume number",
                       RscDfn=rd.name)
    return vnr


# ---- peer slots, secret ------------------------------------------------------------------

def check_peer_slots(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 31:
        raise rc.error(rc.FAIL_INVLD_PROP, f"Invalid peer slots '{value}': must be an integer "
                                          "from 1 to 31.")
    return value


def peer_slots_for_new_resource(model: ClusterModel, rd: ResourceDfn) -> int:
    """``PeerSlotsNewResource``: RD props > RG props/peer_slots > controller props > 7."""
    v = rd.props.get("PeerSlotsNewResource")
    if v is None:
        rg = model.rgs.get(rd.resource_group)
        if rg is not None:
            v = rg.props.get("PeerSlotsNewResource")
            if v is None and rg.peer_slots is not None:
                return rg.peer_slots
    if v is None:
        v = model.controller_props.get("PeerSlotsNewResource")
    return int(v) if v is not None else DEFAULT_PEER_SLOTS


def check_enough_peer_slots(peer_slots: int, diskful_count: int, rd: str) -> None:
    """LINSTOR refuses when ``peerSlots + 1 < diskfulCount - 1`` (FAIL_INSUFFICIENT_PEER_SLOTS)."""
    if peer_slots + 1 < diskful_count - 1:
        raise rc.error(rc.FAIL_INSUFFICIENT_PEER_SLOTS,
                       f"Resource definition '{rd}' has {peer_slots} peer slots, too few for "
                       f"{diskful_count} diskful resources.",
                       correction="Raise the peer slots with 'rd m --peer-slots N'.",
                       RscDfn=rd)


def new_secret() -> str:
    """DRBD shared secret (cram-hmac-alg sha1), 20 URL-safe characters like LINSTOR's."""
    return secrets.token_urlsafe(15)


def same_name(a: str, b: str) -> bool:
    return key(a) == key(b)
