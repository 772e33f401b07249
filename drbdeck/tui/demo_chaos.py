"""The demo's :class:`~drbdeck.tui.chaos.ChaosActions`: faults sent to the emulator process.

Each action goes through the emulator's control socket (the same path as ``drbdeck
emulator ctl``), is narrated into the console's event log, and is remembered so the menu
can mark stopped nodes and cut links.
"""

from __future__ import annotations

from collections.abc import Callable

from drbdeck.emulator.ctl import CtlError
from drbdeck.tui.demo_emulator import EmulatorProcess

Say = Callable[[str, str], None]


def _pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


class EmulatorChaos:
    """Stop/start nodes and cut/restore links of the demo's emulator."""

    def __init__(self, emulator: EmulatorProcess, say: Say | None = None) -> None:
        self.emulator = emulator
        self.say: Say = say or (lambda text, level: None)
        self.stopped: set[str] = set()
        self.cut: set[frozenset[str]] = set()

    def nodes(self) -> list[str]:
        return list(self.emulator.names)

    def node_running(self, node: str) -> bool:
        return node not in self.stopped

    def link_is_cut(self, a: str, b: str) -> bool:
        return _pair(a, b) in self.cut

    async def _ctl(self, what: str, verb: str, *args: str) -> str:
        try:
            result = await self.emulator.ctl(verb, *args)
        except CtlError as exc:
            self.say(f"chaos: {what} failed: {exc}", "error")
            raise
        msg = result if isinstance(result, str) else what
        self.say(f"chaos: {msg}", "warning")
        return msg

    async def stop_node(self, node: str) -> str:
        msg = await self._ctl(f"stop node {node}", "stop-node", node)
        self.stopped.add(node)
        return msg

    async def start_node(self, node: str) -> str:
        msg = await self._ctl(f"restart node {node}", "start-node", node)
        self.stopped.discard(node)
        return msg

    async def cut_link(self, a: str, b: str) -> str:
        msg = await self._ctl(f"cut link {a}-{b}", "cut-link", a, b)
        self.cut.add(_pair(a, b))
        return msg

    async def restore_link(self, a: str, b: str) -> str:
        msg = await self._ctl(f"restore link {a}-{b}", "restore-link", a, b)
        self.cut.discard(_pair(a, b))
        return msg


__all__ = ["EmulatorChaos"]
