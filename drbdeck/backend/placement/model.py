"""Plain input and output types of the auto-placer.

The placer is a pure function so the controller can run it inside its store
transaction: everything it needs (pools with their free space and node state,
the RD's replicas, where other resources live) comes in as these values, and
nothing it returns has been applied anywhere yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Device providers a pool or a ``provider_list`` entry may name (LINSTOR's kinds).
PROVIDERS = frozenset({"LVM", "LVM_THIN", "FILE", "FILE_THIN", "ZFS", "ZFS_THIN", "DISKLESS"})
#: Node types that run DRBD and so may hold a replica (diskful or diskless).
REPLICA_NODE_TYPES = frozenset({"SATELLITE", "COMBINED"})
#: Node flags that take a node out of every placement.
EXCLUDING_NODE_FLAGS = frozenset({"DELETE", "EVACUATE"})

WARN_RSC_ALREADY_DEPLOYED = "WARN_RSC_ALREADY_DEPLOYED"
FAIL_NOT_ENOUGH_NODES = "FAIL_NOT_ENOUGH_NODES"
#: LINSTOR's number for FAIL_NOT_ENOUGH_NODES before the error/object masks are applied.
FAIL_NOT_ENOUGH_NODES_NR = 996


@dataclass(frozen=True)
class PoolCandidate:
    """One storage pool on one node, as the controller knows it right now.

    Pass every pool of every node (offline ones and the diskless
    ``DfltDisklessStorPool`` included): offline nodes are filtered here, the
    props of nodes already holding the resource feed replicas-on-same/different,
    and diskless pools mark the nodes that can take a diskless replica.
    ``rsc_count`` is the number of volumes in this pool (MinRscCount strategy).
    """

    node: str
    pool: str
    provider: str
    free_kib: int
    total_kib: int
    rsc_count: int = 0
    node_online: bool = True
    node_props: dict[str, str] = field(default_factory=dict)
    pool_props: dict[str, str] = field(default_factory=dict)
    node_flags: frozenset[str] | set[str] = frozenset()
    thin: bool = False
    node_type: str = "SATELLITE"

    @property
    def diskless(self) -> bool:
        return self.provider == "DISKLESS"


@dataclass(frozen=True)
class Deployed:
    """A replica of the resource being placed that exists already."""

    node: str
    pool: str
    provider: str
    diskless: bool = False
    deleting: bool = False


@dataclass
class PlaceRequest:
    """LINSTOR's auto-select filter, merged with the resource group's by the caller.

    With neither ``place_count`` nor ``additional_place_count`` set, the
    resource group's count (DfltRscGrp: 2) is the target.
    """

    place_count: int | None = None
    additional_place_count: int | None = None
    storage_pools: list[str] = field(default_factory=list)
    provider_list: list[str] = field(default_factory=list)
    do_not_place_with: list[str] = field(default_factory=list)
    do_not_place_with_regex: str | None = None
    replicas_on_same: list[str] = field(default_factory=list)
    replicas_on_different: list[str] = field(default_factory=list)
    x_replicas_on_different: dict[str, int] = field(default_factory=dict)
    diskless_on_remaining: bool = False
    size_kib: int = 0
    resource_group_place_count: int = 2


@dataclass(frozen=True)
class Weights:
    """Strategy weights (controller props ``Autoplacer/Weights/<Name>``).

    Minimising strategies get their weight negated when scored, as LINSTOR does.
    """

    max_free_space: float = 1.0
    min_rsc_count: float = 0.00001


@dataclass(frozen=True)
class PlaceWarning:
    """A warning for the API answer (the caller maps ``code`` to a ret_code)."""

    code: str
    message: str
    details: str = ""


@dataclass
class PlacementResult:
    """What to create: diskful (node, pool) pairs, diskless nodes, a tie-breaker."""

    diskful: list[tuple[str, str]] = field(default_factory=list)
    diskless: list[str] = field(default_factory=list)
    tiebreaker: str | None = None
    warnings: list[PlaceWarning] = field(default_factory=list)


class PlacementInputError(ValueError):
    """A request field breaks a rule; ``field`` names it, the message says the rule."""

    def __init__(self, field_name: str, rule: str) -> None:
        super().__init__(f"{field_name}: {rule}")
        self.field = field_name
        self.rule = rule


class NotEnoughNodes(Exception):
    """LINSTOR's FAIL_NOT_ENOUGH_NODES: too few pools pass the filters."""

    code = FAIL_NOT_ENOUGH_NODES
    number = FAIL_NOT_ENOUGH_NODES_NR

    def __init__(self, message: str, details: str) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
