"""``drbdeck r l`` end to end: the real ``drbdeck controller`` process, the real ``drbdeck``
CLI (a subprocess per call), emulated nodes over SSH.

What an operator watches: a thick resource created while its two nodes cannot reach each
other shows the initial node UpToDate and the other Inconsistent; when the link comes back
the other shows SyncTarget(x.xx%) (the emulated link is slow) and then UpToDate. A replica
deleted while its node is down shows DELETING until the node is back and has removed it,
then its row disappears; ``rd d`` does the same for the rest (``rd l`` shows LINSTOR's
``DELETE`` meanwhile).
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from tests.integration.controller_daemon import Rig, rig

NODES = ["alpha", "bravo"]
SYNC_KIB_S = 2 * 1024  # 2 MiB/s: a 32 MiB volume would take 16 s; sped up once seen
SYNC_TARGET = re.compile(r"^SyncTarget\(\d{1,3}\.\d\d%\)$")


async def drbdeck(r: Rig, *words: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LS_CONTROLLERS"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "drbdeck.cli.main", "--controllers",
        f"127.0.0.1:{r.daemon.port}", "--no-color", *words,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env)
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def ok(r: Rig, *words: str) -> str:
    code, out, err = await drbdeck(r, *words)
    assert code == 0, f"drbdeck {' '.join(words)}: exit {code}\n{out}\n{err}"
    assert "Traceback" not in err
    return out


async def rl_states(r: Rig, rsc: str) -> dict[str, str]:
    """node → State cell of ``rsc``'s rows in ``drbdeck r l``."""
    out = await ok(r, "r", "l")
    rows: dict[str, str] = {}
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 6 and cells[0] == rsc:
            rows[cells[1]] = cells[5]
    return rows


async def watch(r: Rig, rsc: str, until: object, what: str,
                timeout: float = 30.0) -> list[dict[str, str]]:
    """Run ``r l`` again and again until ``until(states)``; every listing seen."""
    seen: list[dict[str, str]] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                seen.append(await rl_states(r, rsc))
                if until(seen[-1]):  # type: ignore[operator]
                    return seen
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}; r l showed {seen[-5:]}") from None


async def test_rl_shows_sync_and_deleting_through_daemon_and_cli(tmp_path: Path) -> None:
    async with rig(tmp_path, NODES, sync_rate_kib=SYNC_KIB_S) as r:
        await r.register()
        await r.wait("nodes online", lambda: _online(r))
        r.cluster.cut_link("alpha", "bravo")
        await ok(r, "rd", "c", "data")
        await ok(r, "vd", "c", "data", "32M")
        await ok(r, "r", "c", "alpha", "data", "-s", "pool1")
        await ok(r, "r", "c", "bravo", "data", "-s", "pool1")

        seen = await watch(r, "data", lambda s: s.get("bravo") == "Inconsistent"
                           and s.get("alpha") == "UpToDate", "alpha UpToDate, bravo Inconsistent")
        r.cluster.restore_link("alpha", "bravo")
        # however slow the machine, r l gets to show the sync at least twice; then the
        # link is made fast so the test does not wait out the whole resync
        samples: list[str] = []

        def two_samples(s: dict[str, str]) -> bool:
            if SYNC_TARGET.match(s.get("bravo", "")):
                samples.append(s["bravo"])
            return len(samples) >= 2 or s.get("bravo") == "UpToDate"

        seen += await watch(r, "data", two_samples, "two listings with SyncTarget(x.xx%)")
        r.cluster.slow_link("alpha", "bravo", 1024 * 1024)
        seen += await watch(r, "data", lambda s: s == {"alpha": "UpToDate", "bravo": "UpToDate"},
                            "both UpToDate after the resync")
        bravo = [s.get("bravo") for s in seen]
        syncing = [b for b in bravo if b and SYNC_TARGET.match(b)]
        assert syncing, f"never saw SyncTarget(x.xx%) for bravo: {bravo}"
        first_sync = bravo.index(syncing[0])
        assert "Inconsistent" in bravo[:first_sync]
        assert bravo[-1] == "UpToDate" and "UpToDate" not in bravo[:first_sync]
        # the percentage only grows
        pcts = [float(b[len("SyncTarget("):-2]) for b in syncing]
        assert pcts == sorted(pcts), pcts

        # a replica deleted while its node is down: DELETING until the node removed it
        await r.cluster.node("bravo").stop()
        await watch(r, "data", lambda s: s.get("bravo") == "Unknown", "bravo Unknown")
        await ok(r, "r", "d", "bravo", "data")
        states = await rl_states(r, "data")
        assert states == {"alpha": "UpToDate", "bravo": "DELETING"}, states
        await r.cluster.node("bravo").start()
        await watch(r, "data", lambda s: s == {"alpha": "UpToDate"}, "bravo's row gone")
        assert not r.cluster.node("bravo").fs.exists("/var/lib/drbdeck.d/data.res")

        await r.cluster.node("alpha").stop()
        await ok(r, "rd", "d", "data")
        assert await rl_states(r, "data") == {"alpha": "DELETING"}
        rd_list = await ok(r, "rd", "l")
        assert _row(rd_list, "data").split("|")[-2].strip() == "DELETE", rd_list  # as LINSTOR
        await r.cluster.node("alpha").start()
        await watch(r, "data", lambda s: s == {}, "alpha's row gone")
        assert "data" not in await ok(r, "rd", "l")
        assert "data_00000" not in r.cluster.node("alpha").lvm.vgs["vg0"].lvs


def _row(table: str, first: str) -> str:
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == first:
            return line
    raise AssertionError(f"no row {first!r} in\n{table}")


async def _online(r: Rig) -> bool | str:
    nodes = await r.ok("GET", "/v1/nodes")
    states = {n["name"]: n.get("connection_status") for n in nodes}
    return all(v == "ONLINE" for v in states.values()) or str(states)
