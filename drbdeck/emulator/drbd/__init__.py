"""Emulated DRBD 9: a per-node kernel, the shared replication network, and the
``drbdadm``/``drbdsetup``/``drbdmeta`` front-ends registered into the emulator.

Public API: :class:`~.kernel.DrbdKernel`, :class:`~.network.Network`, :func:`register`.
"""

from __future__ import annotations

from drbdeck.emulator.drbd.kernel import DrbdKernel
from drbdeck.emulator.drbd.network import Network
from drbdeck.emulator.drbd.register import register

__all__ = ["DrbdKernel", "Network", "register"]
