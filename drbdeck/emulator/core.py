"""The contract inside the emulator: how a shell command reaches a node's subsystems.

The SSH server (``server.py``) parses a command line into argv lists and runs each through
:data:`COMMANDS`, handing the handler an :class:`Invocation`. Subsystems register their
programs here (``lvm.py`` registers ``vgs``/``lvcreate``…, ``drbd/`` registers
``drbdadm``/``drbdsetup``/``drbdmeta``), so the server knows nothing about LVM or DRBD and
a subsystem knows nothing about SSH.

The node-facing services a handler may use are described by :class:`NodeServices`; the
concrete node class in ``node.py`` implements it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class FileSystem(Protocol):
    """The node's in-memory file tree (``/etc/drbd.d``, ``/var/lib/drbdeck.d``, ``/proc``…)."""

    def read_bytes(self, path: str) -> bytes: ...  # FileNotFoundError when missing
    def write_bytes(self, path: str, data: bytes) -> None: ...
    def exists(self, path: str) -> bool: ...
    def is_dir(self, path: str) -> bool: ...
    def listdir(self, path: str) -> list[str]: ...
    def glob(self, pattern: str) -> list[str]: ...  # sorted, like the shell's expansion
    def remove(self, path: str) -> None: ...
    def rename(self, src: str, dst: str) -> None: ...
    def mkdir(self, path: str, parents: bool = False) -> None: ...


class BlockDevice(Protocol):
    """A backing device (an LV or a loop device) as DRBD sees it.

    DRBD keeps its on-disk metadata on the device object itself (``md``), so it survives a
    node restart the way real metadata on a real disk does.
    """

    path: str
    size_bytes: int
    failed: bool  # a failed disk: I/O errors, DRBD detaches (disk Failed → Diskless)
    md: Any  # owned by the DRBD emulation; None until create-md


class NodeServices(Protocol):
    """What a command handler may touch on its node."""

    name: str  # the node's hostname (``uname -n``)
    address: str  # its DRBD replication IP
    fs: FileSystem

    def block_device(self, path: str) -> BlockDevice | None:
        """Resolve ``/dev/vg/lv``, ``/dev/mapper/vg-lv`` or ``/dev/loopN``; None if absent."""
        ...

    @property
    def drbd(self) -> Any:
        """This node's emulated DRBD kernel (``drbd.kernel.DrbdKernel``)."""
        ...

    @property
    def cluster(self) -> Any:
        """The cluster the node belongs to (other nodes, the simulated network)."""
        ...


@dataclass
class Invocation:
    """One program run: argv, its stdin, and where its output goes.

    ``out``/``err`` write text to the SSH channel immediately (a streaming program such as
    ``drbdsetup events2`` writes as it goes). ``closed`` is set when the client closes the
    channel or the node's SSH sessions are dropped; a long-running handler must return soon
    after. The handler's return value is the exit status.
    """

    node: NodeServices
    argv: list[str]
    stdin: bytes = b""
    env: dict[str, str] = field(default_factory=dict)
    out: Callable[[str], None] = lambda _s: None
    err: Callable[[str], None] = lambda _s: None
    closed: asyncio.Event = field(default_factory=asyncio.Event)


CommandHandler = Callable[[Invocation], Awaitable[int]]

#: Program name (argv[0] basename) → handler. Filled by the subsystems' ``register()``.
COMMANDS: dict[str, CommandHandler] = {}


def command(*names: str) -> Callable[[CommandHandler], CommandHandler]:
    """Register a handler under one or more program names."""

    def deco(fn: CommandHandler) -> CommandHandler:
        for n in names:
            COMMANDS[n] = fn
        return fn

    return deco
