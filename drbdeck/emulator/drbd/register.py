"""Puts the emulated DRBD programs into the emulator's command registry."""

from __future__ import annotations

from drbdeck.emulator import core
from drbdeck.emulator.drbd.drbdadm import drbdadm
from drbdeck.emulator.drbd.drbdmeta import drbdmeta
from drbdeck.emulator.drbd.drbdsetup import drbdsetup


def register() -> None:
    """Register ``drbdadm``, ``drbdsetup`` and ``drbdmeta`` (idempotent)."""
    for name, fn in (("drbdadm", drbdadm), ("drbdsetup", drbdsetup), ("drbdmeta", drbdmeta)):
        core.COMMANDS[name] = fn
