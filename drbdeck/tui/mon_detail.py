"""Drill-down of one resource in ``drbdeck mon``: volumes, connections, peer devices.

Why a plain text page rebuilt at 2 Hz: one resource has a handful of objects, so rendering
it whole is cheap, and the page only rebuilds when the resource's ``generation`` moved. It
reads the objects through ``.get``-based properties, so an object with missing keys shows
"?" rather than breaking the screen, and a resource that disappears says so.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from drbdeck.collectors.drbdstate import DrbdState, ResourceState

__all__ = ["ResourceDetailScreen", "render_resource"]

_GOOD = {"UpToDate", "Connected", "Established", "Primary", "Secondary", "yes", "no"}
_WARN = {
    "SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "StartingSyncS",
    "StartingSyncT", "WFBitMapS", "WFBitMapT", "WFSyncUUID", "VerifyS", "VerifyT",
    "Inconsistent", "Consistent", "Connecting", "Attaching", "Negotiating",
}  # fmt: skip


def _state(value: str | None, good: bool | None = None) -> Text:
    """A state word styled by meaning; the word itself always carries the meaning."""
    word = value if value else "?"
    if good is None:
        good = word in _GOOD
    style = "green" if good else ("bold yellow" if word in _WARN else "bold red")
    return Text(word, style=style)


def _speed(kib_s: float | None) -> str:
    if kib_s is None:
        return ""
    if kib_s >= 1024:
        return f"{kib_s / 1024:.1f} MiB/s"
    return f"{kib_s:.0f} KiB/s"


def _size(kib: int | None) -> str:
    """KiB as drbdsetup counts them (``out-of-sync:``, only with --statistics)."""
    if kib is None:
        return ""
    return f"{kib / 1024:.1f} MiB" if kib >= 1024 else f"{kib} KiB"


def _eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return ""
    s = int(seconds)
    if s < 3600:
        return f"{s // 60}:{s % 60:02d}"  # as the resource list shows it
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"



def _table(title: str, *columns: str) -> Table:
    """A compact, borderless table with a left-aligned title (one per detail section)."""
    t = Table(title=title, title_justify="left", expand=False, box=None, pad_edge=False,
              collapse_padding=True)
    for col in columns:
        t.add_column(col, no_wrap=True)
    return t

def render_resource(res: ResourceState, node: str) -> Group:
    """The whole drill-down page of ``res`` as seen on ``node``."""
    r = res.raw
    head = Text()
    head.append(res.name, "bold")
    head.append(f" on {node}: ")
    head.append_text(_state(r.get("role"), r.get("role") in ("Primary", "Secondary")))
    head.append(f"  suspended {r.get('suspended', '?')}")
    head.append(f"  may promote {r.get('may_promote', '?')}")
    head.append(f"  promotion score {r.get('promotion_score', '?')}")

    vols = _table("Volumes", "vol", "minor", "disk", "client", "quorum", "open",
                  "backing device", "size")
    for vnr in sorted(res.devices):
        d = res.devices[vnr]
        size = d.size_kib
        vols.add_row(
            str(vnr),
            str(d.minor if d.minor is not None else "?"),
            _state(d.disk, d.disk == "UpToDate" or d.is_diskless_client),
            d.raw.get("client", "?"),
            _state(d.raw.get("quorum"), d.quorum is not False),
            d.raw.get("open", "-"),
            d.backing_dev or "?",
            _size(size),
        )

    conns = _table("Connections", "peer", "node-id", "connection", "peer role", "paths")
    peers = _table("Peer devices", "peer", "vol", "replication", "peer disk", "susp", "done",
                   "to sync", "speed", "ETA")
    for pnid in sorted(res.connections):
        c = res.connections[pnid]
        paths = ", ".join(
            f"{p.local.rsplit(':', 2)[-2]}→{p.peer.rsplit(':', 2)[-2]}"
            f"{'' if p.established else ' (down)'}"
            for p in c.paths.values()
        )
        conns.add_row(c.name or "?", str(pnid), _state(c.connection), _state(c.role), paths or "-")
        for vnr in sorted(c.peer_devices):
            pd = c.peer_devices[vnr]
            raw = pd.raw
            done = pd.done
            peers.add_row(
                c.name or "?",
                str(vnr),
                _state(raw.get("replication")),
                _state(
                    raw.get("peer-disk"),
                    raw.get("peer-disk") == "UpToDate"
                    or (raw.get("peer-disk") == "Diskless" and raw.get("peer-client") == "yes"),
                ),
                raw.get("resync-suspended", "?"),
                f"{done:.2f}%" if done is not None else "",
                _size(pd.out_of_sync_kib),
                _speed(pd.resync_speed_kib_s),
                _eta(pd.eta_s),
            )
    parts: list[object] = [head, Text(""), vols, Text(""), conns, Text(""), peers]
    helper = res.last_helper
    if helper:
        parts += [
            Text(""),
            Text(
                f"last helper: {helper.get('action', '?')} {helper.get('helper', '?')}"
                + (f" status {helper['status']}" if "status" in helper else ""),
                style="dim",
            ),
        ]
    problems = res.problems()
    if problems:
        parts += [Text(""), Text("Problems: " + "; ".join(problems), style="bold red")]
    return Group(*parts)  # type: ignore[arg-type]


class ResourceDetailScreen(Screen[None]):
    """Full-screen drill-down; Esc (or Enter, ``q``) goes back to the list."""

    DEFAULT_CSS = """
    ResourceDetailScreen > VerticalScroll { padding: 0 1; }
    ResourceDetailScreen > #detail-keys { dock: bottom; height: 1; background: $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q,backspace", "back", "Back")]

    def __init__(self, state: DrbdState, resource: str) -> None:
        super().__init__()
        self._state = state
        self._name = resource
        self._shown_generation: int | None = -1

    def compose(self) -> ComposeResult:
        yield VerticalScroll(Static(id="detail-body"))
        yield Static(" Esc Back", id="detail-keys")

    def on_mount(self) -> None:
        self._refresh_body()
        self.set_interval(0.5, self._refresh_body)

    def _refresh_body(self) -> None:
        res = self._state.resources.get(self._name)
        gen = res.generation if res is not None else None
        if gen == self._shown_generation:
            return
        self._shown_generation = gen
        body = self.query_one("#detail-body", Static)
        if res is None:
            body.update(Text(f"Resource {self._name} is gone.", style="bold red"))
        else:
            body.update(render_resource(res, self._state.node))

    def action_back(self) -> None:
        self.dismiss(None)
