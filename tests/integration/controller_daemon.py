"""``drbdeck controller`` as a real subprocess over emulated nodes, driven over REST.

Why a subprocess: the controller tests of this directory kill the daemon with SIGKILL,
restart it on the same DB and run the real ``drbdeck`` CLI against it; only a separate
process can die mid-transaction the way a crashed controller does. The emulated nodes run
in the test's own event loop (``Cluster.start``); the daemon reaches them over SSH with a
config file that points at the emulator's client key and known_hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from drbdeck.emulator.cluster import Cluster

_READY = re.compile(r"REST API on http://127\.0\.0\.1:(\d+)")


def write_config(path: Path, state_dir: Path) -> Path:
    """A drbdeck config whose [ssh] table reaches the emulator (fast reconnects)."""
    path.write_text(
        "[ssh]\n"
        f'identity_file = "{state_dir / "id_ed25519"}"\n'
        f'known_hosts = "{state_dir / "known_hosts"}"\n'
        "reconnect_min = 0.05\nreconnect_max = 0.3\ncommand_timeout = 60.0\n")
    return path


@dataclass
class Daemon:
    """One running ``drbdeck controller`` process."""

    proc: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, the WAL is left as it is."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> int:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(20):
                    return await self.proc.wait()
            except TimeoutError:
                self.proc.kill()
        return await self.proc.wait()


async def start_daemon(db: Path, config: Path, log: Path) -> Daemon:
    """Start the daemon on a free port; its first stdout line names the port."""
    env = dict(os.environ)
    env.pop("LS_CONTROLLERS", None)
    with log.open("ab") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "drbdeck.cli.main", "--config", str(config), "controller",
            "--db", str(db), "--listen", "127.0.0.1:0",
            stdout=asyncio.subprocess.PIPE, stderr=err, env=env)
    assert proc.stdout is not None
    try:
        async with asyncio.timeout(30):
            line = (await proc.stdout.readline()).decode()
    except TimeoutError:
        proc.kill()
        raise AssertionError(f"controller did not start: {log.read_text()[-2000:]}") from None
    m = _READY.search(line)
    if m is None:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"controller said {line!r}: {log.read_text()[-2000:]}")
    return Daemon(proc, int(m.group(1)), log)


@dataclass
class Rig:
    """Emulated nodes + one daemon + an HTTP session; ``restart`` keeps the DB."""

    tmp: Path
    cluster: Cluster
    nodes: dict[str, dict[str, Any]]
    config: Path
    db: Path
    daemon: Daemon
    http: aiohttp.ClientSession
    generations: list[Daemon] = field(default_factory=list)

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, self.daemon.url + path, json=body) as resp:
            text = await resp.text()
            return resp.status, (json.loads(text) if text else None)

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, data = await self.call(method, path, body)
        assert 200 <= status < 300, f"{method} {path} → {status}: {data}"
        return data

    async def restart(self) -> None:
        self.daemon = await start_daemon(self.db, self.config, self.tmp / "controller.log")
        self.generations.append(self.daemon)

    async def register(self, vg: str = "vg0", pool: str = "pool1",
                       provider: str = "LVM") -> None:
        """Every emulated node as a SATELLITE with one storage pool."""
        for name, info in self.nodes.items():
            await self.ok("POST", "/v1/nodes", {
                "name": name, "type": "SATELLITE",
                "net_interfaces": [{"name": "default", "address": info["address"]}],
                "ssh": {"host": info["ssh_host"], "port": info["ssh_port"]}})
            await self.ok("POST", f"/v1/nodes/{name}/storage-pools", {
                "storage_pool_name": pool, "provider_kind": provider,
                "props": {"StorDriver/StorPoolName": vg}})

    async def view(self) -> list[dict[str, Any]]:
        return await self.ok("GET", "/v1/view/resources")  # type: ignore[no-any-return]

    async def wait(self, what: str, check: Any, timeout: float = 30.0,
                   interval: float = 0.1) -> None:
        """Poll ``await check()`` (a falsy result or a string is "not yet": the string
        says why) until it returns True."""
        last: Any = None
        try:
            async with asyncio.timeout(timeout):
                while (last := await check()) is not True:
                    await asyncio.sleep(interval)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what}: {last}") from None


@contextlib.asynccontextmanager
async def rig(tmp: Path, names: list[str], *, sync_rate_kib: int = 64 * 1024 * 1024,
              vgs: dict[str, int] | None = None) -> AsyncIterator[Rig]:
    state_dir = tmp / "emu"
    cluster = await Cluster.start(names, state_dir, sync_rate_kib=sync_rate_kib,
                                  vgs=vgs or {"vg0": 64 * 1024 * 1024}, thin_pool_kib=0)
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
    daemon: Daemon | None = None
    r: Rig | None = None
    try:
        nodes = {n["name"]: n for n in json.loads((state_dir / "nodes.json").read_text())}
        config = write_config(tmp / "drbdeck.toml", state_dir)
        db = tmp / "ctl.db"
        daemon = await start_daemon(db, config, tmp / "controller.log")
        r = Rig(tmp, cluster, nodes, config, db, daemon, http, [daemon])
        yield r
    finally:
        for d in (r.generations if r is not None else [daemon] if daemon else []):
            with contextlib.suppress(ProcessLookupError):
                await d.stop()
        await http.close()
        await cluster.stop()
