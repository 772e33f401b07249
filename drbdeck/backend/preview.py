"""Dry run of one controller operation: what each node would run, nothing changed.

Why: the console shows, before anything is sent, the per-node commands an operation will
cause (issue 4 "a preview shows the per-node commands"). The only honest source for that
is the controller's own code, so nothing is re-implemented here:

* the operation is the :class:`Operations` method of that name with its arguments; a
  subclass captures the transaction body the method would run instead of running it;
* that body runs in a real store transaction that is always rolled back (an exception is
  raised inside ``store.transaction()``, so the DB is never written and the undo log puts
  the in-memory model back — the same path a refused operation takes);
* while the change is applied, the affected nodes' desired state
  (:func:`desired_for_node`) is taken, and after the rollback the current one;
* the reconciler's pure planner (:func:`plan.diff`) compares them. The "actual" side of
  the diff is built from the CURRENT desired state (a converged node: its LVs, files and
  include exist), with the node's live events2 state for what DRBD runs when given. So
  the preview lists what the operation adds on top of a converged cluster, in the order
  ``apply`` runs it.

Everything runs synchronously in the caller's thread: call it from the event loop (the
controller's operations are serialized there too), never from a worker thread.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Container, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from drbdeck.backend import mdsize, resfile
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.model import ClusterModel
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store, Transaction
from drbdeck.backend.reconcile.desired import DesiredVolume, NodeDesired
from drbdeck.backend.reconcile.observe import (
    INCLUDE_FILE,
    NodeActual,
    RunningResource,
    RunningVolume,
    res_path,
)
from drbdeck.backend.reconcile.plan import Plan, create_md_argv, diff, sha256
from drbdeck.backend.runtime.desired_map import (
    DEFAULT_EXTENT_KIB,
    LVM_PROVIDERS,
    desired_for_node,
    desired_resource,
    split_backing,
)
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.collectors.lvm import LvInfo

Body = Callable[[Transaction], tuple[list[rc.ApiCallRc], set[str]]]


class PreviewError(ValueError):
    """The operation cannot be previewed (unknown name, bad arguments)."""


@dataclass
class Preview:
    """What an operation would do: controller answers and per-node command lines."""

    operation: str
    answers: list[rc.ApiCallRc] = field(default_factory=list)
    commands: dict[str, list[str]] = field(default_factory=dict)  # node → lines, in order
    files: dict[str, dict[str, str]] = field(default_factory=dict)  # node → path → text
    #: node → resource → what the node holds after the change, for the resources the
    #: operation touched ("diskful on pool1", "diskless", "tie-breaker", "removed")
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    #: node → resources left out of the preview (``max_resources``)
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(a.is_error() for a in self.answers)

    @property
    def errors(self) -> list[rc.ApiCallRc]:
        return [a for a in self.answers if a.is_error()]


class _Captured(Exception):
    """Raised inside the store transaction to roll it back, always."""


class _DryOperations(Operations):
    """The facade with ``_run`` replaced: it records the body instead of running it."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.captured: tuple[int, int, Body] | None = None

    async def _run(self, op_mask: int, obj_mask: int, fn: Body, *,  # type: ignore[override]
                   warn: bool = True) -> list[rc.ApiCallRc]:
        self.captured = (op_mask, obj_mask, fn)
        return []


#: The Operations methods a preview makes sense for (the ones the console's forms send).
PREVIEWABLE = frozenset({
    "node_create", "node_delete", "node_modify", "controller_modify",
    "storage_pool_create", "rd_create", "rd_modify", "rd_set_property", "rd_delete",
    "vd_create", "vd_modify", "vd_set_property", "vd_delete", "rsc_create", "autoplace",
    "make_available", "rsc_modify", "rsc_delete",
})


def _drive(coro: Coroutine[Any, Any, Any]) -> None:
    """Run a facade coroutine whose only await is the captured ``_run`` (never suspends)."""
    try:
        coro.send(None)
    except StopIteration:
        return
    coro.close()
    raise PreviewError("the operation tried to wait for something")


def capture(op: str, *args: Any, is_online: Callable[[str], bool] | None = None,
            default_ssh_port: int = 22, **kwargs: Any) -> tuple[int, int, Body]:
    """The (op mask, object mask, transaction body) the facade method ``op`` would run."""
    if op not in PREVIEWABLE:
        raise PreviewError(f"operation {op!r} cannot be previewed (known: "
                           + ", ".join(sorted(PREVIEWABLE)) + ")")
    dry = _DryOperations(_NoStore())
    dry.default_ssh_port = default_ssh_port
    if is_online is not None:
        dry.is_connected = is_online
    try:
        _drive(getattr(dry, op)(*args, **kwargs))
    except TypeError as exc:
        raise PreviewError(f"operation {op!r}: {exc}") from None
    if dry.captured is None:
        raise PreviewError(f"operation {op!r} runs no transaction")
    return dry.captured


class _NoStore:
    """Stands in for the store while capturing: the facade only reads ``model`` lazily."""

    model = ClusterModel()


def _vg_extents(model: ClusterModel, node: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in model.pools_of_node(node):
        if p.provider in LVM_PROVIDERS and p.backing:
            vg = split_backing(p.backing)[0]
            out[vg] = max(out.get(vg, 0), p.extent_kib or DEFAULT_EXTENT_KIB)
    return out


def _running_from_state(state: DrbdState) -> dict[str, RunningResource]:
    out: dict[str, RunningResource] = {}
    for name, res in state.resources.items():
        run = RunningResource(name, res.role)
        for vnr, dev in res.devices.items():
            run.volumes[vnr] = RunningVolume(dev.disk)
        for conn in res.connections.values():
            run.peer_disks[conn.name] = {v: pd.raw.get("peer-disk", "DUnknown")
                                         for v, pd in conn.peer_devices.items()}
        out[name] = run
    return out


def converged_actual(before: NodeDesired, vg_extents: Mapping[str, int], *,
                     known_node: bool = True, state: DrbdState | None = None) -> NodeActual:
    """The node as it is once it runs ``before``: its LVs, files (same hashes), include
    file; what DRBD runs from ``state`` (events2) when given, else as desired."""
    actual = NodeActual(extent_kib=dict(vg_extents), include_present=known_node)
    for name, r in before.resources.items():
        if r.deleting:
            continue
        for v in r.volumes:
            if not v.diskless:
                actual.lvs[(v.vg, v.lv_name)] = LvInfo(v.vg, v.lv_name, _lv_size(v, actual),
                                                       "-wi-ao----", v.thin_pool or "",
                                                       None, None)
        try:
            text = resfile.render(r.config, before.node)
        except (ValueError, KeyError):
            continue
        actual.files.add(f"{name}.res")
        actual.hashes[name] = sha256(text)
        if state is None:
            actual.running[name] = RunningResource(name, "Secondary", {
                v.number: RunningVolume("Diskless" if v.diskless else "UpToDate")
                for v in r.volumes})
    if state is not None:
        actual.running = _running_from_state(state)
    return actual


def _lv_size(v: DesiredVolume, actual: NodeActual) -> int:
    return mdsize.round_up(v.gross_kib, actual.extent_kib.get(v.vg, 1))


def plan_lines(plan: Plan, desired: NodeDesired) -> list[str]:
    """The plan as the command lines ``apply`` runs, in its phase order."""
    out: list[str] = []
    if plan.write_include:
        out.append(f"write {INCLUDE_FILE}")
    for rp in plan.resources.values():
        out += [shlex.join(a) for a in rp.delete]
        out += [shlex.join(a) for a in rp.lvcreate]
    for n, rp in plan.resources.items():
        if rp.write is not None:
            out.append(f"write {res_path(n)}")
    for n, rp in plan.resources.items():
        for v in rp.check_md:
            out.append(shlex.join(["drbdmeta", "--force", str(v.minor), "v09", v.lv_path,
                                   "internal", "dstate"]))
        for vnr in rp.create_md:
            out.append(shlex.join(create_md_argv(desired.resources[n], vnr)))
    adjust = [n for n, rp in plan.resources.items() if rp.adjust and not rp.delete]
    if adjust:
        out.append(shlex.join(["drbdadm", "adjust", *adjust]))
    for n, rp in plan.resources.items():
        if rp.initial == "force-primary":
            out += [f"drbdadm primary --force {n}", f"drbdadm secondary {n}"]
        elif rp.initial == "clear-bitmap":
            r = desired.resources[n]
            out += [f"drbdadm new-current-uuid --clear-bitmap {n}/{v.number}"
                    for v in r.volumes if not v.diskless]
    out += [f"# {n}: refused on the node: {rp.error}" for n, rp in plan.resources.items()
            if rp.error]
    return out


@dataclass(frozen=True)
class Step:
    """One facade call: ``await ops.<op>(*args, **kwargs)``."""

    op: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


def preview(store: Store | ClusterModel, op: str, *args: Any,
            states: Mapping[str, DrbdState] | None = None,
            initial_done: Iterable[str] | Callable[[str], bool] = (),
            is_online: Callable[[str], bool] | None = None,
            default_ssh_port: int = 22, max_resources: int | None = None,
            **kwargs: Any) -> Preview:
    """What ``await ops.<op>(*args, **kwargs)`` would do, computed without changing anything.

    ``states``: the nodes' live events2 models by node name (what DRBD runs now);
    ``initial_done``: the runtime's initial-sync memory; ``is_online``: node → connected
    (free-space checks and placement consider only online nodes, as the real call does).
    Refusals come back as error answers (with no commands), never as exceptions; only an
    unknown operation or wrong arguments raise :class:`PreviewError`.
    """
    return preview_steps(store, [Step(op, args, kwargs)], states=states,
                         initial_done=initial_done, is_online=is_online,
                         default_ssh_port=default_ssh_port, max_resources=max_resources)


def preview_steps(store: Store | ClusterModel, steps: Iterable[Step], *,
                  states: Mapping[str, DrbdState] | None = None,
                  initial_done: Iterable[str] | Callable[[str], bool] = (),
                  is_online: Callable[[str], bool] | None = None,
                  default_ssh_port: int = 22, max_resources: int | None = None) -> Preview:
    """Several calls in a row (e.g. ``rd_create`` then its ``vd_create`` calls) in ONE
    rolled-back transaction; the first refusal ends the run (later steps would only fail
    for its sake), as the console sends them in order and stops at an error.

    ``max_resources``: when a change reaches every resource of a node (controller or
    resource-group props), preview only the first so many per node (by name) and count
    the rest in ``left_out`` — rendering thousands of files must not freeze a console.
    """
    bodies = [(s.op, *capture(s.op, *s.args, is_online=is_online,
                              default_ssh_port=default_ssh_port, **dict(s.kwargs)))
              for s in steps]
    if not bodies:
        raise PreviewError("nothing to preview")
    model = store.model if isinstance(store, Store) else store
    done = initial_done if callable(initial_done) else frozenset(initial_done)
    result = Preview("+".join(b[0] for b in bodies))
    after: dict[str, NodeDesired] = {}
    extents: dict[str, dict[str, int]] = {}
    nodes: set[str] = set()
    new_nodes: set[str] = set()
    refused: list[rc.ApiCallRc] = []
    scope: list[set[str] | None] = [None]
    limits: dict[str, set[str]] = {}

    def run(tx: Transaction) -> None:
        before_nodes = {key(n) for n in model.nodes}
        touched: set[str] = set()
        for _op, op_mask, obj_mask, body in bodies:
            try:
                entries, t = body(tx)
            except rc.ApiError as exc:
                refused.extend(e.with_context(op_mask, obj_mask) for e in exc.entries)
                return
            result.answers += [e.with_context(op_mask, obj_mask) for e in entries]
            touched |= t
        _roles(tx, result.roles)
        scope[0] = _scope(tx)
        for n in sorted(touched):
            node = model.nodes.get(n)
            if node is None or not node.has_connection:
                continue
            nodes.add(node.name)
            if key(node.name) not in before_nodes:
                new_nodes.add(node.name)
            if scope[0] is None and max_resources is not None:
                names = sorted((r.rd for r in model.resources_on_node(node.name)), key=key)
                if len(names) > max_resources:
                    result.left_out[node.name] = len(names) - max_resources
                    limits[node.name] = {key(n) for n in names[:max_resources]}
            after[node.name] = _desired(model, node.name,
                                        limits.get(node.name, scope[0]), done)
            extents[node.name] = _vg_extents(model, node.name)

    try:
        _rolled_back(store, run)
    except Exception as exc:  # a controller bug must not take the console down
        result.answers.append(rc.ApiCallRc(rc.FAIL_IMPL_ERROR,
                                           f"Internal error: {type(exc).__name__}: {exc}"))
        return result
    if refused:
        result.answers += refused
        return result
    for name in sorted(nodes, key=key):
        before = _desired(model, name, limits.get(name, scope[0]), done) \
            if name not in new_nodes else NodeDesired(name)
        state = (states or {}).get(name)
        if state is not None and not state.initial_done:
            state = None  # events2 has not described the node yet: assume it converged
        actual = converged_actual(before, extents[name], known_node=name not in new_nodes,
                                  state=state)
        desired = after[name]
        plan = diff(desired, actual)
        result.commands[name] = plan_lines(plan, desired)
        result.files[name] = {res_path(n): rp.write for n, rp in plan.resources.items()
                              if rp.write is not None}
    return result


def _scope(tx: Transaction) -> set[str] | None:
    """The RD keys whose configuration the transaction can have changed; ``None`` (all)
    when controller or resource-group props changed (they reach every resource).

    Why: a node with a thousand resources must not have a thousand files rendered twice
    on every keystroke of a form; an operation on one RD only changes that RD's files.
    """
    kinds = {kind for kind, _k in tx.touched}
    if kinds & {"ctrl", "rg"}:
        return None
    return {k.split("\x00")[0] for kind, k in tx.touched if kind in ("rd", "rsc")}


def _desired(model: ClusterModel, node: str, rds: set[str] | None,
             done: Container[str] | Callable[[str], bool]) -> NodeDesired:
    """``desired_for_node`` limited to the RDs in ``rds`` (all when ``None``)."""
    if rds is None:
        return desired_for_node(model, node, initial_done=done)
    out = NodeDesired(model.nodes[node].name if node in model.nodes else node)
    for r in model.resources_on_node(node):
        rd = model.rds.get(r.rd)
        if rd is None or key(rd.name) not in rds:
            continue
        d = desired_resource(model, rd, out.node, initial_done=done)
        if d is not None:
            out.resources[rd.name] = d
    return out


def _roles(tx: Transaction, out: dict[str, dict[str, str]]) -> None:
    """What each replica of the resource definitions the transaction touched is now."""
    rds = {k.split("\x00")[0] for kind, k in tx.touched if kind in ("rd", "rsc")}
    for rd in sorted(rds):
        for r in tx.model.resources_of_rd(rd):
            if "DELETE" in r.flags:
                what = "removed"
            elif "TIE_BREAKER" in r.flags:
                what = "tie-breaker"
            elif r.diskless:
                what = "diskless"
            else:
                what = f"diskful on {r.storage_pool}"
            out.setdefault(r.node, {})[r.rd] = what


def _rolled_back(store: Store | ClusterModel, fn: Callable[[Transaction], None]) -> None:
    """Run ``fn`` in a transaction that is rolled back whatever happens."""
    if isinstance(store, Store):
        try:
            with store.transaction() as tx:
                fn(tx)
                raise _Captured
        except _Captured:
            return
    tx = Transaction(store)
    try:
        fn(tx)
    finally:
        tx.rollback()



__all__ = ["PREVIEWABLE", "Preview", "PreviewError", "Step", "capture", "converged_actual",
           "plan_lines", "preview", "preview_steps"]
