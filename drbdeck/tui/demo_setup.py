"""The demo's scenario: nodes, pools and a handful of resources in telling states.

Why it goes through the controller's operations (not straight into the emulator): the
console should show the real path — every object is created the way an operator would
create it, the reconciler sends the commands over SSH, and the command log fills up as it
would on a real cluster. The set-up runs in the background while the console is already
painted, so the operator watches nodes appear, connect and resources get placed.

What the operator sees once it is done:

* ``web`` (thin, 3 replicas, Primary on alpha with a light write load), ``db`` and
  ``home`` (thin): healthy;
* ``archive`` (a big thick volume on charlie and delta, link slowed): a full initial
  resync with a bar, speed and ETA that runs for minutes;
* ``logs`` (thin on alpha and bravo): degraded — bravo's backing disk fails, so bravo
  runs Diskless and alpha reports its peer's disk missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from drbdeck.backend.controller.apicall import ApiCallRc
from drbdeck.backend.controller.names import key
from drbdeck.backend.runtime.runtime import ControllerRuntime
from drbdeck.emulator.ctl import CtlError
from drbdeck.tui.demo_emulator import EmulatorError, EmulatorProcess, NodeInfo

log = logging.getLogger(__name__)

GIB_KIB = 1024 * 1024
POOLS = (("thick", "LVM", "vg0"), ("thin", "LVM_THIN", "vg0/thin0"))
#: resync rate of the links that carry ``archive``: 40 GiB at 64 MiB/s ≈ 10 minutes
SLOW_LINK_KIB = 64 * 1024
WRITE_BYTES = 256 * 1024
WRITE_INTERVAL = 0.5

Say = Callable[[str, str], None]  # (text, level: "info" | "warning" | "error")


@dataclass(frozen=True)
class DemoResource:
    name: str
    size_kib: int
    pool: str
    nodes: tuple[str, ...]
    why: str


RESOURCES = (
    DemoResource("web", 2 * GIB_KIB, "thin", ("alpha", "bravo", "charlie"),
                 "healthy, Primary on alpha with a write load"),
    DemoResource("db", 4 * GIB_KIB, "thin", ("bravo", "charlie", "delta"), "healthy"),
    DemoResource("home", 1 * GIB_KIB, "thin", ("alpha", "delta"), "healthy"),
    DemoResource("archive", 40 * GIB_KIB, "thick", ("charlie", "delta"),
                 "thick: a full initial resync that runs for minutes"),
    DemoResource("logs", 1 * GIB_KIB, "thin", ("alpha", "bravo"),
                 "degraded: bravo's backing disk fails"),
)
PRIMARY = ("web", "alpha")
DEGRADED = ("logs", "bravo")
SYNCING = "archive"


class SetupError(Exception):
    """A set-up step the controller refused; the message carries its answer."""


def _check(what: str, answers: list[ApiCallRc]) -> None:
    errors = [a.message for a in answers if a.is_error()]
    if errors:
        raise SetupError(f"{what}: {'; '.join(errors)}")


def backing_path(rd: str, pool_backing: str, vnr: int = 0) -> str:
    """The LV the controller makes for volume ``vnr`` of ``rd`` (``/dev/<vg>/<rd>_0000N``)."""
    vg = pool_backing.split("/", 1)[0]
    return f"/dev/{vg}/{rd}_{vnr:05d}"


@dataclass
class DemoSetup:
    """Runs the scenario against ``runtime`` and ``emulator``; ``say`` narrates it."""

    runtime: ControllerRuntime
    emulator: EmulatorProcess
    say: Say = lambda text, level="info": None
    node_timeout: float = 30.0
    writes: int = 0
    write_errors: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    failed: str | None = None

    # ---- the whole scenario ------------------------------------------------------------
    async def run(self) -> None:
        """Every step; a failure is narrated (never raised into the console)."""
        try:
            self.say("demo: starting the emulator (4 nodes)", "info")
            nodes = await self.emulator.wait_ready()
            await self.register_nodes(nodes)
            await self.wait_online([n.name for n in nodes])
            await self.create_pools([n.name for n in nodes])
            await self.place_resources()
            await self.make_trouble()
            self.start_write_load()
            self.say("demo: ready — press x for the chaos menu", "info")
        except (SetupError, EmulatorError, CtlError, OSError, TimeoutError) as exc:
            self.failed = str(exc) or type(exc).__name__
            self.say(f"demo: set-up stopped: {self.failed}", "error")
        except Exception as exc:  # the console must keep running whatever happens
            log.exception("demo set-up")
            self.failed = f"{type(exc).__name__}: {exc}"
            self.say(f"demo: set-up failed: {self.failed}", "error")
        finally:
            self.done.set()

    async def register_nodes(self, nodes: list[NodeInfo]) -> None:
        ops = self.runtime.ops
        for n in nodes:
            _check(f"node {n.name}", await ops.node_create(
                n.name, n.address, "Combined", ssh_host=n.ssh_host, ssh_port=n.ssh_port))
            self.say(f"demo: node {n.name} registered (ssh {n.ssh_host}:{n.ssh_port})",
                     "info")

    async def wait_online(self, names: list[str]) -> None:
        async with asyncio.timeout(self.node_timeout):
            pending = set(names)
            while pending:
                for n in sorted(pending):
                    if self.runtime.is_connected(n):
                        pending.discard(n)
                        self.say(f"demo: node {n} ONLINE", "info")
                if pending:
                    await asyncio.sleep(0.05)

    async def create_pools(self, names: list[str]) -> None:
        ops = self.runtime.ops
        for node in names:
            for pool, provider, backing in POOLS:
                _check(f"storage pool {pool} on {node}", await ops.storage_pool_create(
                    node, pool, provider, {"StorDriver/StorPoolName": backing}))
        self.say("demo: storage pools thick (LVM vg0) and thin (LVM_THIN vg0/thin0) "
                 f"on {', '.join(names)}", "info")

    async def place_resources(self) -> None:
        ops = self.runtime.ops
        for r in RESOURCES:
            if r.name == SYNCING:
                # slow the links that will carry the initial sync, before it starts
                for a, b in _pairs(r.nodes):
                    await self.emulator.ctl("slow-link", a, b, SLOW_LINK_KIB)
            _check(f"resource definition {r.name}", await ops.rd_create(r.name))
            _check(f"volume definition {r.name}/0", await ops.vd_create(r.name, r.size_kib))
            _check(f"resource {r.name}", await ops.rsc_create(r.name, list(r.nodes),
                                                              storage_pool=r.pool))
            self.say(f"demo: {r.name} ({r.size_kib // GIB_KIB} GiB, {r.pool}) on "
                     f"{', '.join(r.nodes)} — {r.why}", "info")

    async def wait_disk(self, rd: str, node: str, states: set[str],
                        timeout: float = 30.0) -> None:
        async with asyncio.timeout(timeout):
            while True:
                disks = {getattr(d, "disk", None) for d in _devices(self.runtime, rd, node)}
                if disks and disks <= states:
                    return
                await asyncio.sleep(0.05)

    async def make_trouble(self) -> None:
        """Primary for the write load, then fail the degraded replica's disk."""
        rd, node = PRIMARY
        await self.wait_disk(rd, node, {"UpToDate"})
        await self.promote()
        rd, node = DEGRADED
        await self.wait_disk(rd, node, {"UpToDate"})
        await self.wait_disk(rd, "alpha", {"UpToDate"})
        backing = dict((p, b) for p, _k, b in POOLS)["thin"]
        await self.emulator.ctl("fail-disk", node, backing_path(rd, backing))
        self.say(f"demo: the backing disk of {rd} on {node} failed (I/O errors)", "warning")

    async def promote(self) -> bool:
        """``drbdadm primary web`` on alpha, through the controller's own SSH link."""
        rd, node = PRIMARY
        rt = self.runtime.nodes.get(key(node))
        if rt is None or not self.runtime.is_connected(node):
            return False
        res = await rt.link.run(["drbdadm", "primary", rd])
        if res.exit_status == 0:
            self.say(f"demo: {rd} is Primary on {node}", "info")
            return True
        return False

    # ---- write load --------------------------------------------------------------------
    def start_write_load(self) -> None:
        task = asyncio.create_task(self._write_loop(), name="demo write load")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write_loop(self) -> None:
        """256 KiB every half second on the Primary; re-promote after a node restart."""
        rd, node = PRIMARY
        failing = False
        while True:
            await asyncio.sleep(WRITE_INTERVAL)
            try:
                await self.emulator.ctl("write", node, rd, 0, WRITE_BYTES)
                self.writes += 1
                if failing:
                    self.say(f"demo: writes to {rd} on {node} resumed", "info")
                failing = False
            except CtlError as exc:
                self.write_errors += 1
                if not failing:
                    self.say(f"demo: write to {rd} on {node} failed: {exc}", "warning")
                failing = True
                if "not Primary" in str(exc):
                    with contextlib.suppress(Exception):
                        await self.promote()
                await asyncio.sleep(1.0)

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        for t in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t


def _pairs(nodes: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(nodes) for b in nodes[i + 1:]]


def _devices(runtime: ControllerRuntime, rd: str, node: str) -> list[object]:
    nrt = runtime.nodes.get(key(node))
    if nrt is None:
        return []
    res = nrt.state.resources.get(rd)
    return list(res.devices.values()) if res is not None else []


__all__ = ["RESOURCES", "DemoResource", "DemoSetup", "SetupError", "backing_path"]
