"""The demo's emulator, run as a child process and driven through its control socket.

Why a separate process: the emulated nodes' SSH servers and DRBD kernels are busy (resync
ticks, events2 streams); in their own process they cost the console's event loop nothing
and behave like remote machines. The child is tied to this process three ways so it never
outlives the demo: ``stop()`` in a ``finally``, an ``atexit`` hook for exits that skip it,
and Linux's parent-death signal (``PR_SET_PDEATHSIG``) for crashes and SIGKILL.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drbdeck.emulator.ctl import CtlError, request
from drbdeck.emulator.statedir import StateDir

DEMO_NODES = ("alpha", "bravo", "charlie", "delta")
START_TIMEOUT = 30.0


class EmulatorError(Exception):
    """The emulator could not start, or died; the message says why (with its stderr)."""


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the demo process dies (Linux only)."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass(frozen=True)
class NodeInfo:
    """One emulated node as published in ``nodes.json``."""

    name: str
    ssh_host: str
    ssh_port: int
    address: str


class EmulatorProcess:
    """``python -m drbdeck.cli.main emulator --nodes … --state-dir DIR`` as a child."""

    def __init__(self, state_dir: Path, *, nodes: Sequence[str] = DEMO_NODES,
                 port_base: int = 0, sync_rate_kib: int | None = None,
                 extra_args: Sequence[str] = ()) -> None:
        self.state_dir = Path(state_dir)
        self.names = list(nodes)
        self.port_base = port_base
        self.sync_rate_kib = sync_rate_kib
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen[bytes] | None = None
        self._stderr_path = self.state_dir / "emulator.log"
        self._atexit_registered = False

    @property
    def sd(self) -> StateDir:
        return StateDir(self.state_dir)

    def argv(self) -> list[str]:
        args = [sys.executable, "-m", "drbdeck.cli.main", "emulator",
                "--nodes", ",".join(self.names), "--state-dir", str(self.state_dir),
                "--port-base", str(self.port_base)]
        if self.sync_rate_kib is not None:
            args += ["--sync-rate", str(self.sync_rate_kib)]
        return args + self.extra_args

    # ---- life cycle ------------------------------------------------------------------
    def spawn(self) -> None:
        """Start the child (returns at once; :meth:`wait_ready` waits for its nodes)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        for stale in (self.sd.nodes_json_path, self.sd.ctl_socket):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        log = open(self._stderr_path, "wb")  # noqa: SIM115 - handed to the child
        try:
            self.proc = subprocess.Popen(
                self.argv(), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        finally:
            log.close()
        if not self._atexit_registered:
            atexit.register(self.kill)
            self._atexit_registered = True

    def _log_tail(self, lines: int = 8) -> str:
        try:
            text = self._stderr_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])

    def ready(self) -> bool:
        return self.sd.ctl_socket.exists() and self.sd.nodes_json_path.exists()

    async def wait_ready(self, timeout: float = START_TIMEOUT) -> list[NodeInfo]:
        """Wait until the child serves its control socket; its nodes from nodes.json."""
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.proc is None:
                raise EmulatorError("the emulator was not started")
            if self.proc.poll() is not None:
                raise EmulatorError(f"the emulator exited with status {self.proc.returncode}"
                                    f": {self._log_tail() or '(no output)'}")
            if time.monotonic() > deadline:
                raise EmulatorError(f"the emulator did not come up within {timeout:.0f} s: "
                                    f"{self._log_tail() or '(no output)'}")
            await asyncio.sleep(0.05)
        return self.nodes()

    def nodes(self) -> list[NodeInfo]:
        return [NodeInfo(n["name"], n["ssh_host"], int(n["ssh_port"]), n["address"])
                for n in self.sd.read_nodes()]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """Synchronous hard stop (atexit and error paths): SIGTERM, then SIGKILL."""
        p = self.proc
        if p is None or p.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                p.kill()
            p.wait(timeout=5)

    async def stop(self) -> None:
        """Clean stop without blocking the event loop."""
        await asyncio.to_thread(self.kill)

    # ---- control socket ---------------------------------------------------------------
    async def ctl(self, verb: str, *args: Any, timeout: float = 20.0) -> Any:
        """One control request (``stop-node``, ``cut-link``, ``write`` …), off the loop."""
        if not self.alive():
            raise CtlError("the emulator process is not running", code=20)
        return await asyncio.to_thread(request, self.sd.ctl_socket, verb, list(args),
                                       timeout)

    async def running_nodes(self) -> dict[str, bool]:
        rows = await self.ctl("nodes")
        return {str(r["name"]): bool(r["running"]) for r in rows}


__all__ = ["DEMO_NODES", "EmulatorError", "EmulatorProcess", "NodeInfo"]
