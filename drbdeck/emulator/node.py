"""An emulated storage node: file tree, LVM, loop devices, DRBD kernel and an SSH server.

Implements ``core.NodeServices``. ``stop()`` is a crash as seen from outside: the SSH
port refuses connections, open sessions die and the DRBD kernel forgets its state, while
disks (LVs with their DRBD metadata, loop files, config files) survive for ``start()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import asyncssh

from drbdeck.emulator import builtins as _builtins  # noqa: F401 - registers commands
from drbdeck.emulator import df as _df  # noqa: F401 - registers df
from drbdeck.emulator import lvm_cmds as _lvm_cmds  # noqa: F401 - registers commands
from drbdeck.emulator.core import BlockDevice
from drbdeck.emulator.drbd_glue import kernel_class, register_commands
from drbdeck.emulator.fs import MemoryFS
from drbdeck.emulator.loops import LoopTable
from drbdeck.emulator.lvm import LvmState
from drbdeck.emulator.seed import seed_node_fs
from drbdeck.emulator.server import listen

log = logging.getLogger(__name__)


class NodeStateError(Exception):
    """An operation that does not fit the node's state (start twice, unknown disk…)."""


class EmulatedNode:
    """One node. ``port`` is fixed after the first start so restarts keep the address."""

    def __init__(self, name: str, address: str, *, host: str = "127.0.0.1", port: int = 0,
                 host_key: asyncssh.SSHKey | None = None,
                 authorized_keys: asyncssh.SSHAuthorizedKeys | str | None = None,
                 cluster: Any = None) -> None:
        self.name = name
        self.address = address
        self.host = host
        self.port = port
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        if isinstance(authorized_keys, str):
            authorized_keys = asyncssh.import_authorized_keys(authorized_keys)
        self.authorized_keys = authorized_keys or asyncssh.SSHAuthorizedKeys()
        self.fs = MemoryFS()
        self.proc = seed_node_fs(self.fs, name)
        self.lvm = LvmState(opener=self._lv_open)
        self.loops = LoopTable()
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.session_events: set[asyncio.Event] = set()
        self._cluster = cluster
        self._kernel: Any = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        register_commands()

    # -- core.NodeServices -----------------------------------------------------------------
    @property
    def drbd(self) -> Any:
        return self._kernel

    @property
    def cluster(self) -> Any:
        return self._cluster

    def block_device(self, path: str) -> BlockDevice | None:
        dev = self.lvm.find_device(path)
        if dev is not None:
            return dev
        return self.loops.find(path)

    def _lv_open(self, lv: Any) -> bool:
        probe = getattr(self._kernel, "backing_in_use", None)
        if probe is None:
            return False
        try:
            return probe(lv.path) is not None or probe(lv.dm_path) is not None
        except Exception:
            return False

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._acceptor is not None

    async def start(self) -> None:
        """Boot: a fresh DRBD kernel, then the SSH server on the same port and host key."""
        if self._acceptor is not None:
            raise NodeStateError(f"node {self.name} is already running")
        self._kernel = kernel_class()(self)
        self._acceptor = await listen(self, self.host, self.port, self.host_key,
                                      self.authorized_keys)
        self.port = self._acceptor.get_port()

    async def stop(self) -> None:
        """Crash: refuse connections, kill sessions, lose the kernel; keep the disks."""
        if self._acceptor is None:
            raise NodeStateError(f"node {self.name} is not running")
        acceptor, self._acceptor = self._acceptor, None
        acceptor.close()
        self.drop_sessions()
        kernel, self._kernel = self._kernel, None
        if kernel is not None:
            try:
                await kernel.shutdown()
            except Exception:
                log.exception("DRBD kernel of %s failed to shut down", self.name)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(acceptor.wait_closed(), 2.0)

    def drop_sessions(self) -> int:
        """Abort every SSH connection (a network blip as the controller sees it)."""
        conns = list(self.connections)
        for conn in conns:
            conn.abort()
        for ev in list(self.session_events):
            ev.set()
        self.connections.clear()
        return len(conns)

    def fail_disk(self, path: str) -> None:
        """Make a backing device fail; DRBD notices through ``BlockDevice.failed``."""
        dev = self.block_device(path)
        if dev is None:
            raise NodeStateError(f"node {self.name} has no block device {path}")
        dev.failed = True
        notify = getattr(self._kernel, "disk_failed", None)
        if notify is not None:
            try:
                notify(path)
            except Exception:
                log.exception("DRBD kernel of %s: disk_failed(%s)", self.name, path)

    def __repr__(self) -> str:
        state = "up" if self.running else "down"
        return f"<EmulatedNode {self.name} {self.host}:{self.port} {state}>"
