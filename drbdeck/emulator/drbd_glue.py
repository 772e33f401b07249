"""Optional link to the DRBD emulation (``drbdeck.emulator.drbd``, a separate subsystem).

The SSH server, LVM model and tests must work when the DRBD package is absent or broken:
then ``drbdadm``/``drbdsetup`` are simply "command not found" and nodes have no kernel.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

log = logging.getLogger(__name__)

_registered = False


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        log.debug("DRBD emulation unavailable (%s): %s", name, exc)
        return None


def register_commands() -> bool:
    """Fill core.COMMANDS with drbdadm/drbdsetup/drbdmeta when the package exists."""
    global _registered
    if _registered:
        return True
    pkg = _module("drbdeck.emulator.drbd")
    reg = getattr(pkg, "register", None) if pkg is not None else None
    if reg is None:
        sub = _module("drbdeck.emulator.drbd.register")
        reg = getattr(sub, "register", None) if sub is not None else None
    if reg is None:
        return False
    reg()
    _registered = True
    return True


def kernel_class() -> Any:
    mod = _module("drbdeck.emulator.drbd.kernel")
    return getattr(mod, "DrbdKernel", None) if mod is not None else None


def network_class() -> Any:
    mod = _module("drbdeck.emulator.drbd.network")
    return getattr(mod, "Network", None) if mod is not None else None
