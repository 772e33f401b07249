"""The in-process adoption API (REST route, CLI through REST, and the console's form).

``await prepare(rt, nodes, rsc)`` reads the nodes and returns the plan (or raises a
:class:`Refusal`); ``await adopt(rt, nodes, rsc, dry_run=…)`` prepares and, unless it is a
dry run, executes — always answering with an :class:`AdoptResult` (never raising for a
refusal or a failure, so every front end reports them alike). ``adopt_all(rt, node)``
does that for every resource running on ``node`` that drbdeck does not manage yet.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from drbdeck.backend.adopt.derive import check_name, derive
from drbdeck.backend.adopt.execute import AdoptFailed, execute
from drbdeck.backend.adopt.inspect import InspectError, NodeFacts, inspect_node, unmanaged
from drbdeck.backend.adopt.plan import AdoptPlan, build
from drbdeck.backend.adopt.refusals import Refusal
from drbdeck.backend.controller.names import key
from drbdeck.backend.satellite import LinkStatus, SatelliteError


@dataclass
class AdoptResult:
    resource: str
    ok: bool = False
    executed: bool = False
    plan: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    refusal: Refusal | None = None
    error: str | None = None
    rolled_back: bool | None = None

    def as_json(self) -> dict[str, Any]:
        return {"resource": self.resource, "ok": self.ok, "executed": self.executed,
                "plan": self.plan, "done": self.done,
                "refusal": self.refusal.as_json() if self.refusal else None,
                "error": self.error, "rolled_back": self.rolled_back}


def _online_link(rt: Any, node: str) -> Any:
    nr = rt.nodes.get(key(node))
    if rt.model.nodes.get(node) is None or nr is None:
        raise Refusal("unknown-node", f"{node} is not a drbdeck node with an SSH link",
                      f"register it first: drbdeck node create {node} <address>")
    if nr.link.status != LinkStatus.ONLINE:
        raise Refusal("unknown-node", f"{node} is not connected ({nr.link.status.value})",
                      "wait until the node is online, then adopt")
    return nr.link


async def _facts(rt: Any, nodes: list[str], rsc: str) -> dict[str, NodeFacts]:
    links = [_online_link(rt, n) for n in nodes]
    try:
        got = await asyncio.gather(*(inspect_node(link, rsc) for link in links))
    except (InspectError, SatelliteError) as exc:
        raise Refusal("not-running", f"reading {rsc} from the nodes failed: {exc}",
                      "check the nodes' SSH links and drbd-utils, then retry") from None
    return {rt.model.nodes.get(n).name: f for n, f in zip(nodes, got, strict=True)}


async def prepare(rt: Any, nodes: list[str], rsc: str, *, force: bool = False,
                  allow_larger: bool = False) -> AdoptPlan:
    """Inspect ``nodes`` and derive the plan for ``rsc``; raises Refusal."""
    if not nodes:
        raise Refusal("not-running", "no node given", "name the nodes the resource runs on")
    if len({key(n) for n in nodes}) != len(nodes):
        raise Refusal("not-running", "a node is named twice", "name each node once")
    check_name(rsc)
    if rsc in rt.model.rds:
        raise Refusal("already-managed", f"resource definition {rsc!r} already exists in "
                      "drbdeck", "nothing to adopt; see 'drbdeck resource list'")
    facts = await _facts(rt, nodes, rsc)
    return build(derive(rsc, facts, rt.model, force=force, allow_larger=allow_larger))


async def adopt(rt: Any, nodes: list[str], rsc: str, *, dry_run: bool = False,
                force: bool = False, allow_larger: bool = False,
                fail_at: str | None = None, timeout: float = 60.0) -> AdoptResult:
    """Prepare and (unless ``dry_run``) execute; refusals and failures are in the result."""
    res = AdoptResult(rsc)
    try:
        plan = await prepare(rt, nodes, rsc, force=force, allow_larger=allow_larger)
    except Refusal as r:
        res.refusal = r
        return res
    res.plan = plan.lines()
    if dry_run:
        res.ok = True
        return res
    try:
        res.done = await execute(rt, plan, timeout=timeout, fail_at=fail_at)
    except AdoptFailed as exc:
        res.error, res.rolled_back, res.executed = str(exc), exc.rolled_back, True
        if exc.problems:
            res.error += " (not undone: " + "; ".join(exc.problems) + ")"
        return res
    res.ok = res.executed = True
    return res


async def adopt_all(rt: Any, node: str, **kw: Any) -> list[AdoptResult]:
    """Every unmanaged resource running on ``node``, each with all the hosts of its .res."""
    try:
        link = _online_link(rt, node)
        names = await unmanaged(link)
    except Refusal as r:
        return [AdoptResult("*", refusal=r)]
    except (InspectError, SatelliteError) as exc:
        return [AdoptResult("*", error=str(exc))]
    out: list[AdoptResult] = []
    for name in names:
        if name in rt.model.rds:
            continue
        try:
            f = await inspect_node(link, name)
        except (InspectError, SatelliteError) as exc:
            out.append(AdoptResult(name, error=str(exc)))
            continue
        hosts = list(f.config.hosts) if f.config is not None else [node]
        out.append(await adopt(rt, hosts, name, **kw))
    return out


__all__ = ["AdoptResult", "adopt", "adopt_all", "prepare"]
