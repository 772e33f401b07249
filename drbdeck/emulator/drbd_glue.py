"""The link from the SSH server and node model to the DRBD emulation (``emulator/drbd``).

Why a module of its own: ``node.py`` and ``cluster.py`` need the kernel and network classes
and the registered ``drbdadm``/``drbdsetup``/``drbdmeta`` commands, while the DRBD package
itself imports the emulator's core; importing it lazily here keeps that cycle out of
module import time. A broken DRBD package is an error, never a node silently without DRBD.
"""

from __future__ import annotations

import importlib
from typing import Any

_registered = False


def register_commands() -> bool:
    """Fill core.COMMANDS with drbdadm/drbdsetup/drbdmeta (once)."""
    global _registered
    if not _registered:
        importlib.import_module("drbdeck.emulator.drbd").register()
        _registered = True
    return True


def kernel_class() -> Any:
    return importlib.import_module("drbdeck.emulator.drbd.kernel").DrbdKernel


def network_class() -> Any:
    return importlib.import_module("drbdeck.emulator.drbd.network").Network
