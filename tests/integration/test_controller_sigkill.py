"""Issue 3 acceptance: a controller killed with SIGKILL during 1,000 mutating REST calls.

The daemon runs as a subprocess (``drbdeck controller``) over three emulated nodes. Many
chains of calls run concurrently, each chain in order (rd c → vd c → r c on two nodes or
autoplace 2 → rd property → for some, rd d), so after the crash every chain has a known acknowledged
prefix, at most one call whose fate is unknown (in flight when the process died), and
calls that were never sent. After a restart on the same DB the file must be intact, every
acknowledged call must be there, nothing beyond the one unknown call may be there, and
the nodes must converge to what the DB says: the right ``.res`` files (naming exactly the
replica hosts), LVs and UpToDate devices, and nothing left of deleted definitions.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from drbdeck.backend.reconcile.observe import RES_DIR
from tests.integration.controller_daemon import Rig, rig

NODES = ["alpha", "bravo", "charlie"]
CHAINS = 220
WITH_DELETE = 120  # chains 0..119 end with rd d: 220 * 4 + 120 = 1,000 calls
KILL_AFTER = 500  # acknowledged calls before the SIGKILL
VOL_KIB = 4096


@dataclass
class Chain:
    name: str
    steps: list[tuple[str, str, Any]]
    acked: int = 0
    in_flight: int | None = None  # index of the call whose answer never came


def chains() -> list[Chain]:
    out = []
    for i in range(CHAINS):
        n = f"r{i:03d}"
        rd = f"/v1/resource-definitions/{n}"
        place: tuple[str, str, Any] = (
            ("POST", rd + "/autoplace", {"select_filter": {"place_count": 2}}) if i % 2 else
            ("POST", rd + "/resources", [  # r c NODE NODE RSC -s pool1
                {"resource": {"node_name": NODES[(i + k) % 3],
                              "props": {"StorPoolName": "pool1"}}} for k in (0, 1)]))
        steps: list[tuple[str, str, Any]] = [
            ("POST", "/v1/resource-definitions", {"resource_definition": {"name": n}}),
            ("POST", rd + "/volume-definitions", {"volume_definition": {"size_kib": VOL_KIB}}),
            place,
            ("PUT", rd, {"override_props": {"Aux/seq": str(i)}}),
        ]
        if i < WITH_DELETE:
            steps.append(("DELETE", rd, None))
        out.append(Chain(n, steps))
    return out


async def fire(r: Rig, work: list[Chain], *, workers: int = 12) -> int:
    """Run the chains until the controller dies; returns the acknowledged count."""
    queue: asyncio.Queue[Chain] = asyncio.Queue()
    for c in work:
        queue.put_nowait(c)
    acked = 0
    kill_now = asyncio.Event()
    dead = asyncio.Event()

    async def killer() -> None:
        await kill_now.wait()
        r.daemon.kill()
        await r.daemon.proc.wait()
        dead.set()

    async def worker() -> None:
        nonlocal acked
        while not dead.is_set() and not queue.empty():
            c = queue.get_nowait()
            for i, (method, path, body) in enumerate(c.steps):
                if dead.is_set():
                    return
                try:
                    status, data = await r.call(method, path, body)
                except (aiohttp.ClientError, ConnectionError):
                    c.in_flight = i
                    return
                assert 200 <= status < 300, f"{c.name} step {i}: {status} {data}"
                c.acked = i + 1
                acked += 1
                if acked >= KILL_AFTER:
                    kill_now.set()

    kill_task = asyncio.create_task(killer())
    await asyncio.gather(*(worker() for _ in range(workers)))
    kill_now.set()  # all done before the threshold (should not happen): kill anyway
    await kill_task
    return acked


def _deleted(c: Chain) -> bool | None:
    """True: the rd d was acknowledged; None: it was in flight; False: never sent."""
    if len(c.steps) == 5 and c.acked == 5:
        return True
    if c.in_flight == 4:
        return None
    return False


async def check_db(r: Rig, work: list[Chain]) -> None:
    """Every acknowledged call is in the REST lists; nothing past an unknown call is."""
    rds = {d["name"]: d for d in await r.ok(
        "GET", "/v1/resource-definitions?with_volume_definitions=true")}
    replicas: dict[str, list[str]] = {}  # diskful ones (a tie-breaker may join them)
    for rsc in await r.view():
        if "DISKLESS" not in rsc.get("flags", []):
            replicas.setdefault(rsc["name"], []).append(rsc["node_name"])
    for c in work:
        d = rds.get(c.name)
        deleted = _deleted(c)
        if deleted:
            assert d is None or "DELETE" in d.get("flags", []), (c, d)
            continue
        if d is None:
            assert c.acked == 0 or deleted is None, f"{c.name}: acknowledged rd c lost {c}"
            continue
        if deleted is None and "DELETE" in d.get("flags", []):
            continue
        sent = c.acked + (1 if c.in_flight is not None else 0)
        assert sent >= 1, f"{c.name} exists but was never sent"
        vds = d.get("volume_definitions", [])
        if c.acked >= 2:
            assert [v["size_kib"] for v in vds] == [VOL_KIB], (c, d)
        elif sent < 2:
            assert not vds, f"{c.name}: vd present though never sent: {d}"
        n_rsc = len(replicas.get(c.name, []))
        if c.acked >= 3:
            assert n_rsc == 2, (c, replicas.get(c.name))
        elif sent < 3:
            assert n_rsc == 0, (c, replicas.get(c.name))
        seq = d.get("props", {}).get("Aux/seq")
        if c.acked >= 4:
            assert seq == str(int(c.name[1:])), (c, d)
        elif sent < 4:
            assert seq is None, (c, d)


def _hosts(text: str) -> set[str]:
    return set(re.findall(r'^\s*on\s+"?([^"\s{]+)"?\s*\{?\s*$', text, re.MULTILINE))


async def converged(r: Rig) -> bool | str:
    """The nodes show exactly what the controller's lists say (a reason when not)."""
    rds = {d["name"]: d for d in await r.ok("GET", "/v1/resource-definitions")}
    if any("DELETE" in d.get("flags", []) for d in rds.values()):
        return "definitions still DELETING"
    want: dict[str, set[str]] = {n: set() for n in NODES}
    diskful: dict[str, set[str]] = {n: set() for n in NODES}
    holders: dict[str, set[str]] = {}
    for rsc in await r.view():
        if "DELETE" in rsc.get("flags", []):
            return f"{rsc['name']}@{rsc['node_name']} still DELETING"
        want[rsc["node_name"]].add(rsc["name"])
        if "DISKLESS" not in rsc.get("flags", []):
            diskful[rsc["node_name"]].add(rsc["name"])
        holders.setdefault(rsc["name"], set()).add(rsc["node_name"])
    for n in NODES:
        node = r.cluster.node(n)
        files = {p.rsplit("/", 1)[1][:-4] for p in node.fs.glob(f"{RES_DIR}/*.res")}
        if files != want[n]:
            return f"{n}: files {sorted(files ^ want[n])[:5]} differ"
        for rsc in want[n]:
            if _hosts(node.fs.read_text(f"{RES_DIR}/{rsc}.res")) != holders[rsc]:
                return f"{n}: {rsc}.res names other hosts than {sorted(holders[rsc])}"
        kernel = node.drbd
        if set(kernel.resources) != want[n]:
            return f"{n}: running {sorted(set(kernel.resources) ^ want[n])[:5]} differ"
        for rsc in want[n]:
            disks = [d.disk for d in kernel.resources[rsc].devices.values()]
            if disks != ["UpToDate" if rsc in diskful[n] else "Diskless"]:
                return f"{n}: {rsc} is {disks}"
        lvs = {lv for (vg, lv) in _lv_names(node)}
        expect = {f"{rsc}_00000" for rsc in diskful[n]}
        if lvs != expect:
            return f"{n}: LVs {sorted(lvs ^ expect)[:5]} differ"
    return True


def _lv_names(node: Any) -> list[tuple[str, str]]:
    return [(vg.name, lv) for vg in node.lvm.vgs.values() for lv in vg.lvs]


async def test_sigkill_during_1000_calls_then_restart_converges(tmp_path: Path) -> None:
    async with rig(tmp_path, NODES) as r:
        await r.register()

        async def capacity() -> bool:
            pools = await r.ok("GET", "/v1/view/storage-pools")
            lvm = [p for p in pools if p["provider_kind"] == "LVM"]
            return (len(lvm) == 3 and all(p.get("free_capacity") for p in lvm)) or str(pools)

        await r.wait("pool capacity", capacity)
        work = chains()
        assert sum(len(c.steps) for c in work) == 1000
        acked = await fire(r, work)
        assert acked >= KILL_AFTER
        assert r.daemon.proc.returncode == -9
        unknown = [c for c in work if c.in_flight is not None]
        assert sum(c.acked for c in work) == acked

        db = sqlite3.connect(r.db)
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        finally:
            db.close()

        await r.restart()
        await check_db(r, work)
        await r.wait("the nodes converge", lambda: converged(r), timeout=30, interval=0.3)
        await check_db(r, work)
        # sanity: the run really was cut short, with replicas both made and deleted
        assert any(c.acked < len(c.steps) for c in work), "the kill came after the run"
        assert any(_deleted(c) for c in work) and any(c.acked >= 3 for c in work)
        assert len(unknown) <= 12
