"""The controller's object model (DESIGN.md, linstor.md §1) as plain dataclasses.

Why plain data: the store persists it, the REST layer serialises it, the reconciler derives
per-node desired state from it; none of them should need behaviour here. Identity is the
upper-cased name (``names.key``); objects keep the spelling the operator typed.
"""

from __future__ import annotations

import copy
import uuid as _uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.names import key


class NodeType(StrEnum):
    CONTROLLER = "CONTROLLER"
    SATELLITE = "SATELLITE"
    COMBINED = "COMBINED"
    AUXILIARY = "AUXILIARY"


class Provider(StrEnum):
    DISKLESS = "DISKLESS"
    LVM = "LVM"
    LVM_THIN = "LVM_THIN"
    FILE = "FILE"
    FILE_THIN = "FILE_THIN"


def new_uuid() -> str:
    return str(_uuid.uuid4())


@dataclass
class Node:
    name: str
    type: NodeType = NodeType.SATELLITE
    address: str = ""  # DRBD replication IP
    ssh_host: str = ""
    ssh_port: int = 22
    ssh_user: str | None = None
    props: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    uuid: str = field(default_factory=new_uuid)

    @property
    def has_connection(self) -> bool:
        """Controller and Auxiliary nodes get no SSH connection (they stay OFFLINE)."""
        return self.type in (NodeType.SATELLITE, NodeType.COMBINED)


@dataclass
class StorPoolDfn:
    name: str
    props: dict[str, str] = field(default_factory=dict)
    uuid: str = field(default_factory=new_uuid)


@dataclass
class StorPool:
    node: str
    name: str
    provider: Provider
    props: dict[str, str] = field(default_factory=dict)
    free_kib: int | None = None  # as last reported by the node
    total_kib: int | None = None
    extent_kib: int | None = None  # VG extent size (AllocationGranularity)
    uuid: str = field(default_factory=new_uuid)

    @property
    def backing(self) -> str | None:
        return self.props.get("StorDriver/StorPoolName")


@dataclass
class ResourceGroup:
    name: str
    description: str = ""
    place_count: int | None = None
    storage_pools: list[str] = field(default_factory=list)
    props: dict[str, str] = field(default_factory=dict)
    peer_slots: int | None = None
    uuid: str = field(default_factory=new_uuid)


DEFAULT_RG = "DfltRscGrp"


@dataclass
class VolumeDfn:
    number: int
    size_kib: int  # net (usable) size, or gross when GROSS_SIZE is set
    minor: int | None = None
    props: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)  # GROSS_SIZE, DELETE, RESIZE ...
    uuid: str = field(default_factory=new_uuid)
    #: the initial full sync (or clear-bitmap) has happened: persisted so a restarted
    #: controller never forces a fresh replica over the real data (not a LINSTOR flag,
    #: so it is kept out of the ``flags`` that REST lists show)
    initial_synced: bool = False


@dataclass
class ResourceDfn:
    name: str
    resource_group: str = DEFAULT_RG
    port: int | None = None  # preferred port (rd c -p)
    peer_slots: int | None = None  # None until the DRBD data exists (§1 timing)
    secret: str = ""
    props: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    volumes: dict[int, VolumeDfn] = field(default_factory=dict)
    external_name: str | None = None
    uuid: str = field(default_factory=new_uuid)

    @property
    def drbd_initialized(self) -> bool:
        return self.peer_slots is not None


@dataclass
class Volume:
    number: int
    storage_pool: str | None = None
    backing_device: str | None = None
    allocated_kib: int | None = None


RSC_FLAGS = frozenset({"DISKLESS", "DRBD_DISKLESS", "TIE_BREAKER", "DELETE", "INACTIVE"})


@dataclass
class Resource:
    node: str
    rd: str
    node_id: int
    storage_pool: str | None = None
    tcp_port: int | None = None
    flags: set[str] = field(default_factory=set)
    props: dict[str, str] = field(default_factory=dict)
    volumes: dict[int, Volume] = field(default_factory=dict)
    create_ts_ms: int = 0
    uuid: str = field(default_factory=new_uuid)

    @property
    def diskless(self) -> bool:
        return "DISKLESS" in self.flags


V = TypeVar("V")


class CIDict(dict[str, V]):
    """A dict keyed by upper-cased names; callers pass names in any spelling."""

    def __getitem__(self, name: str) -> V:
        return super().__getitem__(key(name))

    def __setitem__(self, name: str, value: V) -> None:
        super().__setitem__(key(name), value)

    def __delitem__(self, name: str) -> None:
        super().__delitem__(key(name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(key(name))

    def get(self, name: str, default: V | None = None) -> V | None:  # type: ignore[override]
        return super().get(key(name), default)

    def pop(self, name: str, *default: V) -> V:  # type: ignore[override]
        return super().pop(key(name), *default)


RKey = tuple[str, str]


class ResourceTable(dict[RKey, Resource]):
    """(rd key, node key) -> Resource, with per-RD and per-node indexes.

    Why: allocation asks "which replicas does this RD have / what runs on this node" for
    every new replica; with 10,000 RDs a scan per question would dominate each API call.
    Keys must be upper-cased names; all changes go through item assignment / deletion,
    and a replica changed in place (its volumes) is announced with ``touch`` (the store's
    ``Transaction.edit`` does it), so the per-pool volume count stays exact.
    """

    def __init__(self) -> None:
        super().__init__()
        self._by_rd: dict[str, dict[str, Resource]] = {}
        self._by_node: dict[str, dict[str, Resource]] = {}
        # auto-place's "volumes per storage pool", kept up to date instead of recounted
        # over every replica on every placement
        self._usage: dict[tuple[str, str], int] = {}
        self._contrib: dict[RKey, tuple[tuple[str, str], int]] = {}
        self._dirty: set[RKey] = set()

    def _uncount(self, k: RKey) -> None:
        old = self._contrib.pop(k, None)
        if old is not None:
            left = self._usage[old[0]] - old[1]
            if left:
                self._usage[old[0]] = left
            else:
                del self._usage[old[0]]

    def _count(self, k: RKey, r: Resource) -> None:
        if r.storage_pool is not None:
            pk = (k[1], key(r.storage_pool))
            n = max(1, len(r.volumes))
            self._contrib[k] = (pk, n)
            self._usage[pk] = self._usage.get(pk, 0) + n

    def touch(self, k: RKey) -> None:
        """Replica ``k`` may be changed in place: recount it before the next ``pool_usage``."""
        self._dirty.add(k)

    def pool_usage(self) -> dict[tuple[str, str], int]:
        """(node key, pool key) → volumes placed there (a replica counts at least 1)."""
        for k in self._dirty:
            self._uncount(k)
            r = dict.get(self, k)
            if r is not None:
                self._count(k, r)
        self._dirty.clear()
        return self._usage

    def __setitem__(self, k: RKey, r: Resource) -> None:
        if k in self:
            self.__delitem__(k)
        super().__setitem__(k, r)
        self._by_rd.setdefault(k[0], {})[k[1]] = r
        self._by_node.setdefault(k[1], {})[k[0]] = r
        self._count(k, r)

    def __delitem__(self, k: RKey) -> None:
        super().__delitem__(k)
        self._uncount(k)
        for index, a, b in ((self._by_rd, k[0], k[1]), (self._by_node, k[1], k[0])):
            inner = index.get(a)
            if inner is not None:
                inner.pop(b, None)
                if not inner:
                    del index[a]

    def pop(self, k: RKey, *default: Resource) -> Resource:  # type: ignore[override]
        if k in self:
            r = self[k]
            del self[k]
            return r
        if default:
            return default[0]
        raise KeyError(k)

    def clear(self) -> None:
        super().clear()
        self._by_rd.clear()
        self._by_node.clear()
        self._usage.clear()
        self._contrib.clear()
        self._dirty.clear()

    def of_rd(self, rd_key: str) -> list[Resource]:
        return list(self._by_rd.get(rd_key, {}).values())

    def on_node(self, node_key: str) -> list[Resource]:
        return list(self._by_node.get(node_key, {}).values())

    def rd_names_by_node(self) -> dict[str, list[str]]:
        """node key → names of the RDs with a replica there (one pass over the index)."""
        return {nk: [r.rd for r in rs.values()] for nk, rs in self._by_node.items()}

    def __deepcopy__(self, memo: dict[int, object]) -> ResourceTable:
        out = ResourceTable()
        memo[id(self)] = out
        for k, r in self.items():
            out[k] = copy.deepcopy(r, memo)
        return out

    def __reduce__(self) -> tuple[object, ...]:
        return (ResourceTable, (), None, None, iter(self.items()))


@dataclass
class ClusterModel:
    """Everything the controller knows; the store loads and saves exactly this."""

    controller_props: dict[str, str] = field(default_factory=dict)
    nodes: CIDict[Node] = field(default_factory=CIDict)
    spds: CIDict[StorPoolDfn] = field(default_factory=CIDict)
    # (node key, pool key) -> StorPool
    pools: dict[tuple[str, str], StorPool] = field(default_factory=dict)
    rgs: CIDict[ResourceGroup] = field(default_factory=CIDict)
    rds: CIDict[ResourceDfn] = field(default_factory=CIDict)
    # (rd key, node key) -> Resource
    resources: ResourceTable = field(default_factory=ResourceTable)

    @classmethod
    def initial(cls) -> ClusterModel:
        m = cls()
        m.rgs[DEFAULT_RG] = ResourceGroup(DEFAULT_RG, place_count=2)
        return m

    def clone(self) -> ClusterModel:
        return copy.deepcopy(self)

    # lookups raising LINSTOR's not-found errors
    def node(self, name: str) -> Node:
        n = self.nodes.get(name)
        if n is None:
            raise rc.error(rc.FAIL_NOT_FOUND_NODE, f"Node '{name}' not found.",
                           cause=f"The specified node '{name}' could not be found in the "
                                 "database", correction=f"Create a node with the name "
                                 f"'{name}' first.", Node=name)
        return n

    def rd(self, name: str) -> ResourceDfn:
        r = self.rds.get(name)
        if r is None:
            raise rc.error(rc.FAIL_NOT_FOUND_RSC_DFN,
                           f"Resource definition '{name}' not found.",
                           cause=f"The specified resource definition '{name}' could not be "
                                 "found in the database", correction="Create a resource "
                                 f"definition with the name '{name}' first.", RscDfn=name)
        return r

    def vd(self, rd_name: str, vnr: int) -> VolumeDfn:
        v = self.rd(rd_name).volumes.get(vnr)
        if v is None:
            raise rc.error(rc.FAIL_NOT_FOUND_VLM_DFN,
                           f"Volume definition with number '{vnr}' on resource definition "
                           f"'{rd_name}' not found.", RscDfn=rd_name, VlmNr=str(vnr))
        return v

    def rg(self, name: str) -> ResourceGroup:
        g = self.rgs.get(name)
        if g is None:
            raise rc.error(rc.FAIL_NOT_FOUND_RSC_GRP, f"Resource group '{name}' not found.",
                           RscGrp=name)
        return g

    def pool(self, node: str, name: str) -> StorPool:
        p = self.pools.get((key(node), key(name)))
        if p is None:
            raise rc.error(rc.FAIL_NOT_FOUND_STOR_POOL,
                           f"Storage pool '{name}' on node '{node}' not found.",
                           Node=node, StorPool=name)
        return p

    def resource(self, rd: str, node: str) -> Resource:
        r = self.resources.get((key(rd), key(node)))
        if r is None:
            raise rc.error(rc.FAIL_NOT_FOUND_RSC,
                           f"Resource '{rd}' on node '{node}' not found.",
                           RscDfn=rd, Node=node)
        return r

    def resources_of_rd(self, rd: str) -> list[Resource]:
        return self.resources.of_rd(key(rd))

    def resources_on_node(self, node: str) -> list[Resource]:
        return self.resources.on_node(key(node))

    def pools_of_node(self, node: str) -> list[StorPool]:
        k = key(node)
        return [p for (nk, _), p in self.pools.items() if nk == k]

    def iter_vds(self) -> Iterator[tuple[ResourceDfn, VolumeDfn]]:
        for rd in self.rds.values():
            for vd in rd.volumes.values():
                yield rd, vd
