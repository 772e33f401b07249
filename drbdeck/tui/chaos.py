"""The chaos menu: stop/restart a node, cut/restore a link, and watch DRBD react.

Why a protocol: the console only knows *that* faults can be injected, not how. The demo
injects them into its emulator process (``drbdeck.tui.demo_chaos``); a lab could plug in
something that drives real machines. The app shows the menu (key ``x``) only when it was
given a :class:`ChaosActions`.

The menu lists the actions for every node and every pair of nodes; when the
implementation can tell the current state (the optional ``node_running`` /
``link_is_cut``), only the action that changes something is offered ("restart bravo"
after "stop bravo"), with the state beside it.
"""

from __future__ import annotations

from itertools import combinations
from typing import ClassVar, Protocol, runtime_checkable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


@runtime_checkable
class ChaosActions(Protocol):
    """Fault injection the console can offer. Each call returns a short message saying
    what was done (shown as a toast and in the event log) or raises with the reason."""

    async def stop_node(self, node: str) -> str | None: ...

    async def start_node(self, node: str) -> str | None: ...

    async def cut_link(self, a: str, b: str) -> str | None: ...

    async def restore_link(self, a: str, b: str) -> str | None: ...

    def nodes(self) -> list[str]: ...


def menu_entries(chaos: ChaosActions) -> list[tuple[str, str] | None]:
    """``(action id, label)`` per entry, ``None`` between groups. Ids: ``stop:N``,
    ``start:N``, ``cut:A:B``, ``restore:A:B``. When the implementation tells the state
    (optional ``node_running(n)`` / ``link_is_cut(a, b)``), only the action that changes
    something is offered, with the state beside it; otherwise both are."""
    running = getattr(chaos, "node_running", None)
    is_cut = getattr(chaos, "link_is_cut", None)
    names = list(chaos.nodes())
    nodes: list[tuple[str, str, str]] = []  # (id, action text, state text)
    for n in names:
        up = running(n) if callable(running) else None
        if up is not False:
            nodes.append((f"stop:{n}", f"■ stop node {n}", "" if up is None else "running"))
        if up is not True:
            nodes.append((f"start:{n}", f"▶ restart node {n}", "" if up is None else "STOPPED"))
    links: list[tuple[str, str, str]] = []
    for a, b in combinations(names, 2):
        cut = is_cut(a, b) if callable(is_cut) else None
        if cut is not True:
            links.append((f"cut:{a}:{b}", f"✂ cut link {a} ↔ {b}",
                          "" if cut is None else "connected"))
        if cut is not False:
            links.append((f"restore:{a}:{b}", f"≡ restore link {a} ↔ {b}",
                          "" if cut is None else "CUT"))
    width = max((len(t) for _i, t, _s in nodes + links), default=0)
    out: list[tuple[str, str] | None] = []
    for group in (nodes, links):
        if out and group:
            out.append(None)
        out += [(i, f"{t:<{width}}  {s}".rstrip()) for i, t, s in group]
    return out


async def run_action(chaos: ChaosActions, action: str) -> str:
    """Run one menu entry by its id; the message to show."""
    verb, *args = action.split(":")
    if verb == "stop" and len(args) == 1:
        msg = await chaos.stop_node(args[0])
        return msg or f"node {args[0]} stopped"
    if verb == "start" and len(args) == 1:
        msg = await chaos.start_node(args[0])
        return msg or f"node {args[0]} restarted"
    if verb == "cut" and len(args) == 2:
        msg = await chaos.cut_link(args[0], args[1])
        return msg or f"link {args[0]}-{args[1]} cut"
    if verb == "restore" and len(args) == 2:
        msg = await chaos.restore_link(args[0], args[1])
        return msg or f"link {args[0]}-{args[1]} restored"
    raise ValueError(f"chaos action {action!r} is not one of stop/start/cut/restore")


class ChaosScreen(ModalScreen[str | None]):
    """The chaos menu. Enter runs the highlighted fault; the screen closes with the
    message on success and stays open with the error shown otherwise. Esc closes."""

    DEFAULT_CSS = """
    ChaosScreen { align: center middle; }
    ChaosScreen > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 90%;
        border: thick $error; background: $surface; padding: 0 1;
    }
    ChaosScreen #chaos-title { text-style: bold; }
    ChaosScreen OptionList { height: auto; max-height: 20; }
    ChaosScreen #chaos-status { color: $text-muted; }
    ChaosScreen #chaos-status.error { color: $error; }
    """
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "close", "Close", show=True)]

    def __init__(self, chaos: ChaosActions) -> None:
        super().__init__()
        self.chaos = chaos
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Chaos: inject a fault, then watch DRBD react", id="chaos-title")
            yield OptionList(*self._options(), id="chaos-menu")
            yield Static("↑↓ choose · Enter run · Esc close", id="chaos-status")

    def _options(self) -> list[Option | None]:
        return [None if e is None else Option(e[1], id=e[0]) for e in menu_entries(self.chaos)]

    def action_close(self) -> None:
        if not self.busy:
            self.dismiss(None)

    @on(OptionList.OptionSelected, "#chaos-menu")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if self.busy or event.option.id is None:
            return
        self._run(event.option.id)

    @work(exclusive=True, group="chaos", exit_on_error=False)
    async def _run(self, action: str) -> None:
        status = self.query_one("#chaos-status", Static)
        self.busy = True
        status.remove_class("error")
        status.update(f"running {action.replace(':', ' ')} …")
        try:
            msg = await run_action(self.chaos, action)
        except Exception as exc:  # the reason goes on screen, never a traceback
            self.busy = False
            text = str(exc) or type(exc).__name__
            status.add_class("error")
            status.update(f"✗ {text}")
            self.app.notify(text, title="chaos", severity="error")
            return
        self.busy = False
        self.app.notify(msg, title="chaos")
        self.dismiss(msg)


__all__ = ["ChaosActions", "ChaosScreen", "menu_entries", "run_action"]
