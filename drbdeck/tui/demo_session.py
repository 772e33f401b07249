"""One demo run: its directory, the emulator child, the in-process controller and REST.

Why separate from the console: the same session backs the console (``drbdeck demo``),
the tests (which check the scenario without a screen) and the benches. ``open()`` is
fast (no waiting for nodes) so the console can paint at once; the scenario then runs in
the background (:meth:`start_setup`). ``close()`` undoes everything in reverse and is
safe to call twice, after a failure half-way, or from a ``finally`` after Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drbdeck.config import Config
from drbdeck.tui.demo_chaos import EmulatorChaos
from drbdeck.tui.demo_emulator import DEMO_NODES, EmulatorProcess
from drbdeck.tui.demo_setup import DemoSetup

log = logging.getLogger(__name__)

DEFAULT_REST = ("127.0.0.1", 3370)
DB_NAME = "demo.db"


@dataclass
class DemoOptions:
    state_dir: Path | None = None  # None: a fresh temporary directory, removed at the end
    port_base: int = 0
    sync_rate_kib: int | None = None
    rest: tuple[str, int] | None = DEFAULT_REST  # None: no REST
    rest_fallback_free_port: bool = True  # 3370 taken → any free port (and say so)
    setup: bool = True


@dataclass
class LogEntry:
    time: float
    text: str
    level: str


@dataclass
class DemoSession:
    options: DemoOptions
    config: Config = field(default_factory=Config)
    run_dir: Path = field(init=False)
    emulator: EmulatorProcess = field(init=False)
    runtime: Any = None  # ControllerRuntime
    setup: DemoSetup | None = None
    chaos: EmulatorChaos = field(init=False)
    rest_url: str | None = None
    narration: list[LogEntry] = field(default_factory=list)
    listeners: list[Callable[[LogEntry], None]] = field(default_factory=list)
    _own_dir: bool = False
    _runner: Any = None
    _feed: Any = None
    _setup_task: asyncio.Task[None] | None = None
    _closed: bool = False

    def __post_init__(self) -> None:
        if self.options.state_dir is None:
            self.run_dir = Path(tempfile.mkdtemp(prefix="drbdeck-demo-"))
            self._own_dir = True
        else:
            self.run_dir = Path(self.options.state_dir)
            self.run_dir.mkdir(parents=True, exist_ok=True)
        self.emulator = EmulatorProcess(self.run_dir / "emulator", nodes=DEMO_NODES,
                                        port_base=self.options.port_base,
                                        sync_rate_kib=self.options.sync_rate_kib)
        self.chaos = EmulatorChaos(self.emulator, self.say)

    # ---- narration -------------------------------------------------------------------
    def say(self, text: str, level: str = "info") -> None:
        """A line for the console's event log (kept here too, for late listeners)."""
        entry = LogEntry(time.time(), text, level)
        self.narration.append(entry)
        log.info("%s", text)
        for cb in list(self.listeners):
            try:
                cb(entry)
            except Exception:
                log.exception("demo narration listener")

    # ---- life cycle ------------------------------------------------------------------
    def _node_config(self) -> Config:
        """The user's config with SSH pointed at the emulator's key and known_hosts, and
        quick reconnects (nodes come back within seconds in the demo)."""
        sd = self.emulator.sd
        ssh = dataclasses.replace(self.config.ssh, identity_file=str(sd.client_key_path),
                                  known_hosts=str(sd.known_hosts_path), reconnect_min=0.3,
                                  reconnect_max=3.0, connect_timeout=5.0)
        return dataclasses.replace(self.config, ssh=ssh)

    def _fresh_db(self) -> Path:
        db = self.run_dir / DB_NAME
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{db}{suffix}").unlink()
        return db

    def prepare(self) -> None:
        """Spawn the emulator and build the controller over a fresh store, without
        starting anything that runs on the event loop (the console needs the runtime
        object before its first paint, the rest can follow)."""
        from drbdeck.backend.controller.store import Store
        from drbdeck.backend.runtime.runtime import ControllerRuntime

        if self.runtime is not None:
            return
        self.emulator.spawn()
        self.runtime = ControllerRuntime(Store(self._fresh_db()), self._node_config(),
                                         retry_min=0.3, retry_max=3.0)

    async def start(self) -> None:
        """Start the runtime and REST (quick: nothing here waits for the nodes)."""
        self.prepare()
        await self.runtime.start()
        if self.options.rest is not None:
            await self._start_rest(*self.options.rest)

    async def open(self) -> None:
        """:meth:`prepare` and :meth:`start` in one (tests, benches)."""
        await self.start()

    async def _start_rest(self, host: str, port: int) -> None:
        from drbdeck.backend.rest import bound_port, start
        from drbdeck.backend.rest.wiring import runtime_app

        app, feed = runtime_app(self.runtime)
        try:
            runner = await start(app, host, port)
        except OSError as exc:
            if not (self.options.rest_fallback_free_port and port):
                self.say(f"demo: REST API not started: {host}:{port}: "
                         f"{exc.strerror or exc}", "warning")
                feed.close()
                return
            runner = await start(app, host, 0)
            self.say(f"demo: port {port} is taken; REST on a free port instead", "info")
        self._runner, self._feed = runner, feed
        feed.sync()
        self.rest_url = f"http://{host}:{bound_port(runner)}"
        self.say(f"demo: REST API on {self.rest_url} — try: drbdeck --controllers "
                 f"{host}:{bound_port(runner)} resource list", "info")

    def start_setup(self) -> asyncio.Task[None] | None:
        """The scenario in the background (nodes, pools, resources, write load)."""
        if not self.options.setup or self._setup_task is not None:
            return self._setup_task
        self.setup = DemoSetup(self.runtime, self.emulator, say=self.say)
        self._setup_task = asyncio.create_task(self.setup.run(), name="demo set-up")
        return self._setup_task

    async def wait_setup(self, timeout: float = 60.0) -> None:
        if self._setup_task is not None:
            await asyncio.wait_for(asyncio.shield(self._setup_task), timeout)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._setup_task is not None and not self._setup_task.done():
            self._setup_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._setup_task
        if self.setup is not None:
            await self.setup.stop()
        if self._runner is not None:
            with contextlib.suppress(Exception):
                await self._runner.cleanup()
        if self._feed is not None:
            self._feed.close()
        if self.runtime is not None:
            with contextlib.suppress(Exception):
                await self.runtime.stop()
            self.runtime.store.close()
        await self.emulator.stop()
        self.remove_own_dir()

    def remove_own_dir(self) -> None:
        """Remove the run directory if this session made it (a temporary one)."""
        if self._own_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)


__all__ = ["DemoOptions", "DemoSession", "LogEntry"]
