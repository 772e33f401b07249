"""Node and storage-pool operations: validate, then change the model inside a store transaction.

Each function returns (answer entries, names of nodes whose desired state changed); the
``Operations`` facade commits, adds not-connected warnings and wakes the reconciler.
"""

from __future__ import annotations

import ipaddress
import re

from drbdeck.backend.controller import answers as ans
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import names, props
from drbdeck.backend.controller.model import Node, NodeType, Provider, StorPool, StorPoolDfn
from drbdeck.backend.controller.store import Transaction
from drbdeck.backend.satellite.endpoint import validate_host
from drbdeck.backend.satellite.errors import InvalidArgument

Result = tuple[list[rc.ApiCallRc], set[str]]
DISKLESS_POOL = "DfltDisklessStorPool"
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]{0,31}$")


def parse_node_type(value: object) -> NodeType:
    """Case-insensitive; None means SATELLITE (as LINSTOR's REST parser)."""
    if value is None:
        return NodeType.SATELLITE
    try:
        return NodeType(str(value).upper())
    except ValueError:
        raise rc.error(rc.FAIL_INVLD_NODE_TYPE,
                       f"Invalid node type '{value}': must be one of "
                       + ", ".join(t.value.lower() for t in NodeType) + ".") from None


def _address(value: object) -> str:
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        raise rc.error(rc.FAIL_INVLD_NET_ADDR,
                       f"Invalid node address '{value}': must be an IPv4 or IPv6 address "
                       "(the DRBD replication address).") from None


def node_create(tx: Transaction, name: str, address: str, node_type: object = None, *,
                ssh_host: str | None = None, ssh_port: int | None = None,
                ssh_user: str | None = None, node_props: dict[str, str] | None = None,
                default_ssh_port: int = 22) -> Result:
    names.node_name(name)
    ntype = parse_node_type(node_type)
    addr = _address(address)
    host = ssh_host if ssh_host is not None else addr
    try:
        validate_host(host)
    except InvalidArgument as exc:
        raise rc.error(rc.FAIL_INVLD_NET_ADDR, f"Invalid SSH host: {exc}") from None
    port = default_ssh_port if ssh_port is None else ssh_port
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise rc.error(rc.FAIL_INVLD_NET_PORT,
                       f"Invalid SSH port '{port}': must be an integer from 1 to 65535.")
    if ssh_user is not None and not _USER.match(ssh_user):
        raise rc.error(rc.FAIL_INVLD_CONF, f"Invalid SSH user '{ssh_user}': 1-32 characters "
                       "from letters, digits, '.', '_', '-', not starting with a digit.")
    pr = dict(node_props or {})
    props.check_all(props.Kind.NODE, pr)
    if name in tx.model.nodes:
        raise rc.error(rc.FAIL_EXISTS_NODE,
                       f"Registration of node '{name}' failed.",
                       cause=f"A node with the name '{tx.model.nodes[name].name}' already "
                             "exists.", correction="Specify another name for the new node "
                       "or remove the existing node first.", Node=name)
    node = tx.put(Node(name, ntype, addr, host, port, ssh_user, pr))
    out = [ans.created(rc.MASK_NODE, ans.node_phrase(name), node.uuid, "registered",
                       Node=name)]
    if ntype in (NodeType.SATELLITE, NodeType.COMBINED):
        if DISKLESS_POOL not in tx.model.spds:
            tx.put(StorPoolDfn(DISKLESS_POOL))
        tx.put(StorPool(name, DISKLESS_POOL, Provider.DISKLESS))
    return out, {name}


def node_delete(tx: Transaction, name: str) -> Result:
    m = tx.model
    node = m.nodes.get(name)
    if node is None:
        return [rc.ApiCallRc(rc.WARN_NOT_FOUND | rc.MASK_DEL | rc.MASK_NODE,
                             f"Deletion of node '{name}' had no effect.",
                             cause=f"Node '{name}' does not exist.", obj_refs={"Node": name})
                ], set()
    in_use = m.resources_on_node(name)
    if in_use:
        raise rc.error(rc.FAIL_IN_USE, f"Node '{node.name}' still holds resources: "
                       + ", ".join(sorted(r.rd for r in in_use)) + ".",
                       correction="Delete the resources on the node first.", Node=name)
    for pool in m.pools_of_node(name):
        tx.delete(pool)
    tx.delete(node)
    return [ans.deleted(rc.MASK_NODE, ans.node_phrase(node.name), node.uuid,
                        Node=node.name)], {node.name}


def parse_provider(value: object) -> Provider:
    text = str(value).upper().replace("-", "_")
    text = {"LVMTHIN": "LVM_THIN", "FILETHIN": "FILE_THIN"}.get(text, text)
    try:
        return Provider(text)
    except ValueError:
        raise rc.error(rc.FAIL_INVLD_PROVIDER,
                       f"Invalid storage provider '{value}': must be one of "
                       + ", ".join(p.value for p in Provider) + ".") from None


_LVM_NAME = re.compile(r"^[A-Za-z0-9_+.][A-Za-z0-9_+.-]{0,126}$")
_DIR = re.compile(r"^/(?:[A-Za-z0-9_+.-]+/?)*$")


def check_backing(kind: Provider, backing: str, node: str, pool: str) -> None:
    """``StorDriver/StorPoolName`` must suit the provider and be safe on a node's command
    line: a VG name (LVM), ``vg/thinpool`` (LVM_THIN), an absolute directory (FILE*)."""
    def bad(rule: str) -> rc.ApiError:
        return rc.error(rc.FAIL_INVLD_PROP,
                        f"Invalid 'StorDriver/StorPoolName' '{backing}' for {kind.value}: "
                        f"{rule}", Node=node, StorPool=pool)
    if kind is Provider.LVM and not _LVM_NAME.match(backing):
        raise bad("must be a volume group name (letters, digits, + _ . -, not starting "
                  "with '-').")
    if kind is Provider.LVM_THIN:
        parts = backing.split("/")
        if len(parts) != 2 or not all(_LVM_NAME.match(x) for x in parts):
            raise bad("must be '<vg>/<thinpool>', each a valid LVM name.")
    if kind in (Provider.FILE, Provider.FILE_THIN) and (
            not _DIR.match(backing) or ".." in backing.split("/")):
        raise bad("must be an absolute directory of letters, digits, + _ . - without '..'.")


def storage_pool_dfn_create(tx: Transaction, name: str) -> Result:
    names.storage_pool_name(name)
    if name in tx.model.spds:
        raise rc.error(rc.FAIL_EXISTS_STOR_POOL_DFN,
                       f"A storage pool definition with the name '{name}' already exists.",
                       StorPoolDfn=name)
    spd = tx.put(StorPoolDfn(name))
    return [ans.created(rc.MASK_STOR_POOL_DFN, f"storage pool definition '{name}'", spd.uuid,
                        StorPoolDfn=name)], set()


def storage_pool_create(tx: Transaction, node: str, name: str, provider: object,
                        pool_props: dict[str, str] | None = None) -> Result:
    """``sp c``: the storage pool definition is created implicitly when missing."""
    names.storage_pool_name(name)
    kind = parse_provider(provider)
    pr = dict(pool_props or {})
    props.check_all(props.Kind.STOR_POOL, pr)
    n = tx.model.node(node)
    if n.type not in (NodeType.SATELLITE, NodeType.COMBINED):
        raise rc.error(rc.FAIL_INVLD_PROVIDER,
                       f"Node '{n.name}' of type {n.type.value} cannot hold storage pools.",
                       correction="Use a Satellite or Combined node.", Node=n.name)
    backing = pr.get("StorDriver/StorPoolName")
    if kind in (Provider.LVM, Provider.LVM_THIN, Provider.FILE, Provider.FILE_THIN) \
            and not backing:
        raise rc.error(rc.FAIL_MISSING_PROPS,
                       f"Storage pool '{name}' of kind {kind.value} needs the property "
                       "'StorDriver/StorPoolName' (the VG, VG/thinpool or directory).",
                       Node=n.name, StorPool=name)
    if backing:
        check_backing(kind, backing, n.name, name)
    if (n.name.upper(), name.upper()) in tx.model.pools:
        raise rc.error(rc.FAIL_EXISTS_STOR_POOL,
                       f"A storage pool with the name '{name}' already exists on node "
                       f"'{n.name}'.", Node=n.name, StorPool=name)
    if name not in tx.model.spds:
        tx.put(StorPoolDfn(name))
    sp = tx.put(StorPool(n.name, name, kind, pr))
    return [ans.created(rc.MASK_STOR_POOL, ans.sp_phrase(name, n.name), sp.uuid,
                        "registered", Node=n.name, StorPool=name)], {n.name}


def _apply(target: dict[str, str], kind: props.Kind, override: dict[str, str],
           delete: list[str]) -> list[str]:
    props.check_all(kind, override)
    target.update(override)
    for k in delete:
        target.pop(k, None)
    return sorted(override)


def controller_modify(tx: Transaction, override: dict[str, str], delete: list[str]) -> Result:
    """``c sp KEY VAL``: controller-wide props (PeerSlotsNewResource, ranges, DrbdOptions)."""
    keys = _apply(tx.edit_controller_props(), props.Kind.CONTROLLER, override, delete)
    out = [ans.props_set(rc.MASK_MOD, rc.MASK_CTRL_CONF, keys)] if keys else []
    out.append(rc.ApiCallRc(rc.MODIFIED | rc.MASK_MOD | rc.MASK_CTRL_CONF,
                            "Controller properties modified."))
    # DRBD options on the controller reach every node's .res files
    return out, {n.name for n in tx.model.nodes.values()} if any(
        k.startswith("DrbdOptions/") for k in [*override, *delete]) else set()


def node_modify(tx: Transaction, name: str, override: dict[str, str],
                delete: list[str]) -> Result:
    node = tx.model.node(name)
    keys = _apply(tx.edit(node).props, props.Kind.NODE, override, delete)
    out = [ans.props_set(rc.MASK_MOD, rc.MASK_NODE, keys)] if keys else []
    out.append(ans.modified(rc.MASK_NODE, ans.node_phrase(node.name), node.uuid,
                            Node=node.name))
    return out, {node.name}


def pool_report(tx: Transaction, node: str, name: str, *, free_kib: int | None,
                total_kib: int | None, extent_kib: int | None) -> Result:
    """A node reported a pool's capacity (from ``vgs``/``lvs``); kept so a restarted
    controller shows the last known figures until the node answers again."""
    pool = tx.model.pool(node, name)
    if (pool.free_kib, pool.total_kib, pool.extent_kib) != (free_kib, total_kib, extent_kib):
        tx.edit(pool)
        pool.free_kib, pool.total_kib, pool.extent_kib = free_kib, total_kib, extent_kib
    return [], set()
