"""The node drill-down (Enter on a node): link details, pools, replicas and its commands.

Why: the Nodes row says *that* a link is OFFLINE or has a host-key problem; this screen
says why (the last error, attempts, next retry, offered and pinned fingerprints) and what
the node holds, next to the commands the controller ran there.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from drbdeck.tui.views.logpane import LogPane
from drbdeck.tui.views.nodefmt import clock_text, pools_text, ssh_state
from drbdeck.widgets.glyphs import STYLE

REPAINT_S = 1.0
CONFIRM_S = 15.0
KEY_WAITING = frozenset({"UNKNOWN_HOST_KEY", "HOST_KEY_MISMATCH"})


def link_text(backend: Any, node: str) -> Text:
    status = backend.node_status(node)
    st = backend.link_state(node)
    t = Text("SSH  ")
    t.append_text(ssh_state(status, st))
    if st is None:
        return t
    t.append(f"\n     since {clock_text(st.since)}")
    if st.attempts:
        t.append(f" · {st.attempts} failed attempts")
    if st.next_retry:
        t.append(f" · next try in {max(0.0, st.next_retry - time.time()):.0f} s")
    if st.error:
        t.append(f"\n     last error: {st.error}", STYLE["warn"])
    if st.offered_fingerprint:
        t.append(f"\n     offered key {st.offered_fingerprint}", STYLE["alert"])
    if st.pinned_fingerprint:
        t.append(f"\n     pinned key  {st.pinned_fingerprint}", STYLE["dim"])
    return t


def replicas_text(backend: Any, node: str) -> Text:
    model = backend.model
    state = backend.states.get(node)
    t = Text()
    for r in sorted(model.resources_on_node(node), key=lambda r: r.rd.upper()):
        res = state.resources.get(r.rd) if state is not None else None
        kind = "diskless" if r.diskless else (r.storage_pool or "diskful")
        t.append(f"{r.rd:<16} ", STYLE["name"])
        t.append(f"{kind:<12} ")
        if res is None:
            t.append("not running", STYLE["warn"])
        else:
            probs = res.problems()
            t.append(f"{res.role:<10} ")
            t.append("; ".join(probs) if probs else "ok",
                     STYLE["alert"] if probs else STYLE["ok"])
        t.append("\n")
    return t or Text("no replicas", STYLE["dim"])


class NodeScreen(Screen[None]):
    """One node: its link, pools, replicas and commands; Esc goes back."""

    SCOPE = "node"
    HELP = ("One node: the SSH link (status, since when, failed attempts, the last error, "
            "offered and pinned host-key fingerprints), its storage pools, the replicas it "
            "holds with their state, and the commands the controller ran there. When the "
            "link waits for a host key (unknown or changed), k shows the offered "
            "fingerprint and k again within 15 s pins it. Esc goes back.")
    BINDINGS = [  # noqa: RUF012
        Binding("k", "accept_key", "Accept host key",
                tooltip="Pin the host key the node offers (asks once more first)"),
    ]

    def __init__(self, backend: Any, node: str) -> None:
        super().__init__()
        self.backend = backend
        self.node_name = node
        mark = f"cmd {node}".lower()
        word = node.lower()
        self._armed: tuple[str, float] | None = None  # (fingerprint, when) after one k
        self._mentions = lambda ln: (ln.source.lower() == mark
                                     or ln.text.lower().startswith(word + " ")
                                     or ln.text.lower().startswith(word + ":"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "accept_key":
            return True
        if getattr(self.app, "readonly", False):
            return False
        st = self.backend.link_state(self.node_name)
        return st is not None and str(st.status) in KEY_WAITING

    def action_accept_key(self) -> None:
        st = self.backend.link_state(self.node_name)
        node = self.backend.model.nodes.get(self.node_name)
        if st is None or node is None or str(st.status) not in KEY_WAITING:
            return
        fp = st.offered_fingerprint
        if not fp:
            self.notify("The node has not offered a key yet; try again in a moment.",
                        severity="warning")
            return
        now = time.monotonic()
        if self._armed is None or self._armed[0] != fp or now - self._armed[1] > CONFIRM_S:
            self._armed = (fp, now)
            self.notify(f"{self.node_name} offers {fp}" + (
                f"\n(pinned until now: {st.pinned_fingerprint})" if st.pinned_fingerprint
                else "") + "\nCompare it with the node's own key; press k again to pin it.",
                title="host key", severity="warning", timeout=CONFIRM_S)
            return
        self._armed = None
        self.pin_key(node.ssh_host or node.address, node.ssh_port, fp)

    @work(exclusive=True, group="hostkey")
    async def pin_key(self, host: str, port: int, fp: str) -> None:
        try:
            await self.backend.accept_host_key(host, port, fp)
        except Exception as exc:
            self.notify(str(exc), title="host key not pinned", severity="error")
            return
        self.notify(f"pinned {fp}; reconnecting", title="host key")

    def compose(self) -> ComposeResult:
        yield Static(id="node-title")
        with VerticalScroll(id="node-info"):
            yield Static(id="node-body")
        yield LogPane(self.backend, only=self._mentions, id="node-log")
        yield Footer()

    def on_mount(self) -> None:
        self.repaint()
        self.set_interval(REPAINT_S, self.repaint)

    def repaint(self) -> None:
        node = self.backend.model.nodes.get(self.node_name)
        title = Text("◀ Esc  ", STYLE["dim"])
        title.append(self.node_name, STYLE["name"])
        if node is None:
            title.append("  (deleted)", STYLE["alert"])
        else:
            title.append(f"  {node.type} · {node.address} · ssh {node.ssh_user or ''}"
                         f"{'@' if node.ssh_user else ''}{node.ssh_host or node.address}"
                         f":{node.ssh_port}")
        self.query_one("#node-title", Static).update(title)
        if node is None:
            return
        pools = self.backend.model.pools_of_node(self.node_name)
        self.query_one("#node-body", Static).update(Group(
            link_text(self.backend, self.node_name),
            Text("\nStorage pools", STYLE["header"]), pools_text(pools, width=12),
            Text("\nReplicas", STYLE["header"]), replicas_text(self.backend, self.node_name)))


__all__ = ["NodeScreen", "link_text", "replicas_text"]
