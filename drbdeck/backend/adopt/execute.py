"""Carry out an adoption plan as one operation, with rollback.

Order: move the hand-written files aside (drbdadm would otherwise see the resource twice),
create every object in ONE store transaction (so each node's first generated file already
lists all peers and ``drbdadm adjust`` has nothing to change), then wait until every node
applied it. Any failure undoes what was done, newest first: the objects are removed from
the store (without a DELETE, so nothing is taken down), our generated file is removed and
the hand-written file is moved back. The running resource is never touched by a rollback.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from drbdeck.backend.adopt.derive import Derived
from drbdeck.backend.adopt.plan import AdoptPlan, FileMove
from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import ops_node, ops_rd, ops_rsc
from drbdeck.backend.controller.names import key
from drbdeck.backend.controller.ops_node import Result
from drbdeck.backend.controller.store import Transaction
from drbdeck.backend.reconcile.observe import res_path

log = logging.getLogger(__name__)

#: test/chaos hook: raise right after this step ("moves", "transaction", "apply")
STEPS = ("moves", "transaction", "apply")


class AdoptFailed(RuntimeError):
    """The adoption failed part-way; ``rolled_back`` tells whether the undo went through."""

    def __init__(self, message: str, rolled_back: bool, problems: list[str]) -> None:
        super().__init__(message)
        self.rolled_back = rolled_back
        self.problems = problems


def _create(tx: Transaction, d: Derived) -> Result:
    entries: list[rc.ApiCallRc] = []
    for r in d.replicas:
        if r.create_pool:
            e, _n = ops_node.storage_pool_create(tx, r.node, r.pool or "", "LVM",
                                                 {"StorDriver/StorPoolName": r.vg or ""})
            entries += e
    e, _n = ops_rd.rd_create(tx, d.name, port=d.port, peer_slots=d.peer_slots,
                             rd_props=dict(d.rd_props), secret=d.secret or None)
    entries += e
    if not d.secret:  # none runs: drbdeck must not add one (adjust would change the net)
        tx.edit(tx.model.rd(d.name)).secret = ""
    for v in d.volumes:
        vp = dict(v.props)
        if v.lv:
            vp["OverrideVlmId"] = v.lv
        if v.allow_larger:
            vp["AllowLargerVolumeSize"] = "true"
        e, _n = ops_rd.vd_create(tx, d.name, v.net_kib, number=v.number, minor=v.minor,
                                 vd_props=vp)
        entries += e
        # the data exists: no initial sync (force-primary / clear-bitmap) may ever run
        tx.edit(tx.model.rd(d.name)).volumes[v.number].initial_synced = True
    for r in d.replicas:
        e, _n = ops_rsc.rsc_create(tx, d.name, [r.node], node_id=r.node_id,
                                   storage_pool=None if r.diskless else r.pool,
                                   drbd_diskless=r.diskless, tcp_port=d.port)
        entries += e
    return entries, {r.node for r in d.replicas}


def _remove(tx: Transaction, d: Derived) -> Result:
    m = tx.model
    for r in list(m.resources_of_rd(d.name)):
        tx.delete(r)
    rd = m.rds.get(d.name)
    if rd is not None:
        tx.delete(rd)
    for r in d.replicas:
        p = m.pools.get((key(r.node), key(r.pool))) if r.create_pool and r.pool else None
        if p is not None and not any(x.storage_pool == p.name
                                     for x in m.resources_on_node(r.node)):
            tx.delete(p)
    return [], {r.node for r in d.replicas}


def _link(rt: Any, node: str) -> Any:
    nr = rt.nodes.get(key(node))
    if nr is None:
        raise RuntimeError(f"{node}: no link to the node")
    return nr.link


async def _move(rt: Any, m: FileMove, back: bool = False) -> None:
    src, dst = (m.dst, m.src) if back else (m.src, m.dst)
    res = await _link(rt, m.node).run(["mv", src, dst])
    if not res.ok:
        raise RuntimeError(f"{m.node}: mv {src} {dst}: {res.stderr_text.strip()}")


async def execute(rt: Any, plan: AdoptPlan, *, timeout: float = 60.0,
                  fail_at: str | None = None) -> list[str]:
    """Run ``plan`` through the controller runtime ``rt``; returns what was done.

    Raises :class:`AdoptFailed` after undoing everything (``fail_at`` forces a failure
    after that step — for rollback tests and chaos drills)."""
    d = plan.derived
    done: list[str] = []
    moved: list[FileMove] = []
    created = False
    try:
        for m in plan.moves:
            await _move(rt, m)
            moved.append(m)
            done.append(f"{m.node}: moved {m.src} aside")
        if fail_at == "moves":
            raise RuntimeError("forced failure after the file moves")
        # before the transaction's hooks kick the workers: they must already know
        done_keys = {f"{key(d.name)}/{v.number}" for v in d.volumes} - rt.initial_done
        rt.initial_done.update(done_keys)
        entries = await rt.ops.transact(rc.MASK_CRT, rc.MASK_RSC_DFN,
                                    lambda tx: _create(tx, d), warn=False)
        errors = [e for e in entries if e.is_error()]
        if errors:
            rt.initial_done.difference_update(done_keys)
            raise RuntimeError("; ".join(e.message for e in errors))
        created = True
        done.append(f"created {d.name} with {len(d.volumes)} volume(s) and "
                    f"{len(d.replicas)} replica(s)")
        if fail_at == "transaction":
            raise RuntimeError("forced failure after the store transaction")
        await asyncio.gather(*(_applied(rt, d.name, r.node, timeout) for r in d.replicas))
        done.append("every node applied it (drbdadm adjust changed nothing)")
        if fail_at == "apply":
            raise RuntimeError("forced failure after the nodes applied it")
        return done
    except Exception as exc:
        problems = await _rollback(rt, d, moved, created, timeout)
        raise AdoptFailed(f"adoption of {d.name} failed: {exc}", not problems,
                          problems) from exc


async def _applied(rt: Any, name: str, node: str, timeout: float) -> None:
    worker = rt.worker(node)
    if worker is None:
        raise RuntimeError(f"{node}: no reconcile worker (node offline?)")
    report = await worker.sync(timeout=timeout)
    err = rt.apply_error(name, node)
    rr = report.resources.get(name)
    if err or (rr is not None and not rr.ok):
        raise RuntimeError(f"{node}: {err or rr.error}")
    # a report can miss a failed adjust that a later run found nothing left to do for, so
    # check the outcome itself: drbdadm reads the node's configuration and takes the
    # resource from our file
    dump = await _link(rt, node).run(["drbdadm", "dump", name])
    if not dump.ok or f"# defined at {res_path(name)}:" not in dump.stdout_text:
        why = dump.stderr_text.strip() or "the resource is not defined by drbdeck's file"
        raise RuntimeError(f"{node}: drbdadm dump {name}: {why}")


async def _rollback(rt: Any, d: Derived, moved: list[FileMove], created: bool,
                    timeout: float) -> list[str]:
    """Undo, newest first; returns what could not be undone (empty: all restored)."""
    problems: list[str] = []
    if created:
        rt.initial_done.difference_update({f"{key(d.name)}/{v.number}" for v in d.volumes})
        await rt.ops.transact(rc.MASK_DEL, rc.MASK_RSC_DFN, lambda tx: _remove(tx, d),
                          warn=False)
        for r in d.replicas:
            try:
                w = rt.worker(r.node)
                if w is not None:
                    await w.sync(timeout=timeout)  # no apply of ours may still be running
                res = await _link(rt, r.node).run(["rm", "-f", res_path(d.name)])
                if not res.ok:
                    problems.append(f"{r.node}: rm {res_path(d.name)}: "
                                    f"{res.stderr_text.strip()}")
            except Exception as exc:  # keep undoing the rest
                problems.append(f"{r.node}: {exc}")
    for m in reversed(moved):
        try:
            await _move(rt, m, back=True)
        except Exception as exc:
            problems.append(str(exc))
    if problems:
        log.error("adoption rollback of %s incomplete: %s", d.name, problems)
    return problems


__all__ = ["STEPS", "AdoptFailed", "execute"]
