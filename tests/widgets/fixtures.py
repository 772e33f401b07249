"""events2 fixtures for the widget tests: real ``drbdsetup events2`` lines per node.

Why generated lines rather than hand-built objects: feeding text through DrbdState keeps
the tests honest about what the widgets will see from real nodes (diff semantics, missing
keys), and lets one helper produce one resource or ten thousand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from drbdeck.collectors.drbdstate import DrbdState


def resource_exists(
    node: str,
    res: str,
    nodes: Sequence[str],
    *,
    volumes: int = 1,
    primary: str | None = None,
    diskless: Iterable[str] = (),
    minor0: int = 1000,
) -> list[str]:
    """The ``exists`` dump of a healthy, connected resource as ``node`` prints it."""
    dl = set(diskless)
    me = nodes.index(node)
    role = "Primary" if node == primary else "Secondary"
    out = [f"exists resource name:{res} role:{role} suspended:no force-io-failures:no "
           f"may_promote:no promotion_score:10101"]
    for vol in range(volumes):
        if node in dl:
            out.append(f"exists device name:{res} volume:{vol} minor:{minor0 + vol} "
                       f"backing_dev:none disk:Diskless client:yes quorum:yes")
        else:
            out.append(f"exists device name:{res} volume:{vol} minor:{minor0 + vol} "
                       f"backing_dev:/dev/vg0/{res}_{vol:05d} disk:UpToDate client:no "
                       f"quorum:yes")
    for pid, peer in enumerate(nodes):
        if pid == me:
            continue
        prole = "Primary" if peer == primary else "Secondary"
        out.append(f"exists connection name:{res} peer-node-id:{pid} conn-name:{peer} "
                   f"connection:Connected role:{prole}")
        for vol in range(volumes):
            pdisk, pclient = ("Diskless", "yes") if peer in dl else ("UpToDate", "no")
            out.append(f"exists peer-device name:{res} peer-node-id:{pid} conn-name:{peer} "
                       f"volume:{vol} replication:Established peer-disk:{pdisk} "
                       f"peer-client:{pclient} resync-suspended:no")
    return out


def cluster(
    nodes: Sequence[str],
    resources: Iterable[str],
    *,
    volumes: int = 1,
    primary: dict[str, str] | None = None,
    diskless: dict[str, Iterable[str]] | None = None,
    clock: object = None,
) -> dict[str, DrbdState]:
    """A healthy cluster: every resource on every node, initial dump finished."""
    primary = primary or {}
    diskless = diskless or {}
    states = {n: DrbdState(n) if clock is None else DrbdState(n, clock=clock)  # type: ignore[arg-type]
              for n in nodes}
    for i, res in enumerate(resources):
        for n in nodes:
            states[n].feed_many(resource_exists(n, res, nodes, volumes=volumes,
                                                primary=primary.get(res),
                                                diskless=diskless.get(res, ()),
                                                minor0=1000 + 10 * i))
    for st in states.values():
        st.feed("exists -")
    return states


def disconnect(states: dict[str, DrbdState], res: str, a: str, b: str,
               nodes: Sequence[str]) -> None:
    """The link between ``a`` and ``b`` breaks for ``res`` (both sides see it)."""
    for me, peer in ((a, b), (b, a)):
        pid = nodes.index(peer)
        states[me].feed(f"change connection name:{res} peer-node-id:{pid} conn-name:{peer} "
                        f"connection:Connecting role:Unknown")
        states[me].feed(f"change peer-device name:{res} peer-node-id:{pid} conn-name:{peer} "
                        f"volume:0 replication:Off peer-disk:DUnknown")


def _minor(states: dict[str, DrbdState], node: str, res: str) -> str:
    return states[node].resources[res].devices[0].raw["minor"]


def start_resync(states: dict[str, DrbdState], res: str, source: str, target: str,
                 nodes: Sequence[str], done: float = 37.5) -> None:
    """A resync from ``source`` to ``target`` at ``done`` %, with kernel speed/ETA."""
    sid, tid = nodes.index(source), nodes.index(target)
    states[target].feed(f"change device name:{res} volume:0 minor:{_minor(states, target, res)} "
                        f"disk:Inconsistent")
    states[source].feed(f"change peer-device name:{res} peer-node-id:{tid} conn-name:{target} "
                        f"volume:0 replication:SyncSource peer-disk:Inconsistent done:{done:.2f}")
    states[target].feed(f"change peer-device name:{res} peer-node-id:{sid} conn-name:{source} "
                        f"volume:0 replication:SyncTarget done:{done:.2f} dbdt1:85.55 eta:10")
    for n in nodes:
        if n in (source, target):
            continue
        states[n].feed(f"change peer-device name:{res} peer-node-id:{tid} conn-name:{target} "
                       f"volume:0 peer-disk:Inconsistent")


def progress(states: dict[str, DrbdState], res: str, source: str, target: str,
             nodes: Sequence[str], done: float) -> None:
    sid = nodes.index(source)
    states[target].feed(f"change peer-device name:{res} peer-node-id:{sid} conn-name:{source} "
                        f"volume:0 done:{done:.2f}")


def finish_resync(states: dict[str, DrbdState], res: str, source: str, target: str,
                  nodes: Sequence[str]) -> None:
    sid, tid = nodes.index(source), nodes.index(target)
    states[target].feed(f"change device name:{res} volume:0 minor:{_minor(states, target, res)} "
                        f"disk:UpToDate")
    states[source].feed(f"change peer-device name:{res} peer-node-id:{tid} conn-name:{target} "
                        f"volume:0 replication:Established peer-disk:UpToDate")
    states[target].feed(f"change peer-device name:{res} peer-node-id:{sid} conn-name:{source} "
                        f"volume:0 replication:Established")
    for n in nodes:
        if n not in (source, target):
            states[n].feed(f"change peer-device name:{res} peer-node-id:{tid} "
                           f"conn-name:{target} volume:0 peer-disk:UpToDate")


NODES = ("alpha", "bravo", "charlie")


def demo_states(n: int = 12) -> dict[str, DrbdState]:
    """A small mixed picture: healthy, one disconnected, one syncing, one diskless client."""
    names = [f"res{i:02d}" for i in range(n)]
    names[0] = "web"
    states = cluster(NODES, names, primary={"web": "alpha", "res03": "bravo"},
                     diskless={"res02": ["charlie"]})
    if n > 5:
        disconnect(states, "res05", "alpha", "bravo", NODES)
    if n > 7:
        start_resync(states, "res07", "alpha", "charlie", NODES)
    return states
