"""``drbdeck mon``'s Textual app: the local host's DRBD resources, drbdmon-style.

Why so little here: the list is the console's own :class:`ResourceList` in mon mode (one
DrbdState, no model), so ``mon`` and the cluster console judge and draw resources the same
way. This module only wires the local events2 source (:mod:`drbdeck.tui.mon_source`) to it,
adds drbdmon's header, status line and keys, the message log and the drill-down.

Data flow: the source feeds the DrbdState at full rate; its listener only notes the
resource's name (O(1)); at ≤ 4 Hz :class:`~drbdeck.tui.mon_dirty.DirtyFilter` hands the list
the rows it must rebuild (state changes at once, progress only while visible), and the list
repaints changed rows. The header and
status line are rebuilt at 2 Hz and written only when their text changed.
"""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from drbdeck import __version__
from drbdeck.collectors.drbdstate import DrbdState
from drbdeck.tui.mon_detail import ResourceDetailScreen
from drbdeck.tui.mon_dirty import DirtyFilter, visible_names
from drbdeck.tui.mon_messages import MessageLog, MessageScreen
from drbdeck.tui.mon_source import RESPAWN_DELAY_S, EventsSource
from drbdeck.widgets.resource_list import ResourceList

__all__ = ["MonApp"]

_READING = "Reading initial DRBD status..."

#: How long the newest warning stays in the status line once the source is live again
#: (it stays in the message log until cleared).
_PROBLEM_SHOWN_S = 60.0

_KEYS = "q Quit  p Problems  r Repaint  R Reinit  m Messages  < > PgUp/Dn  Enter Details"


class MonApp(App[int]):
    """The local monitor. ``argv`` is the events2 command line (see ``events2_argv``)."""

    TITLE = "drbdeck mon"
    CSS = """
    Screen { layers: base; }
    #mon-header { dock: top; height: 1; background: $primary-background; }
    #mon-status { height: 1; }
    #mon-keys { height: 1; background: $panel; }
    #mon-list { height: 1fr; }
    #mon-reading { height: 1fr; padding: 0 1; text-style: italic; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_mon", "Quit"),
        Binding("p", "problems", "Problems only"),
        Binding("r", "repaint", "Repaint"),
        Binding("R", "reinit", "Reinitialize (respawn drbdsetup)"),
        Binding("m", "messages", "Message log"),
        Binding("c", "clear_messages", "Clear messages", show=False),
        # drbdmon's paging keys, on top of the list's PgUp/PgDn/Home
        Binding("less_than_sign", "page(-1)", "Page up", show=False),
        Binding("greater_than_sign", "page(1)", "Page down", show=False),
        Binding("exclamation_mark", "first_page", "First page", show=False),
    ]
    ENABLE_COMMAND_PALETTE = False

    def __init__(
        self,
        argv: list[str],
        *,
        node: str,
        problems: bool = False,
        ascii: bool | None = None,
        respawn_delay: float = RESPAWN_DELAY_S,
    ) -> None:
        super().__init__()
        self.node = node
        self.state = DrbdState(node)
        self.messages = MessageLog()
        self.source = EventsSource(
            self.state,
            argv,
            on_message=self._message,
            on_change=self._source_changed,
            respawn_delay=respawn_delay,
        )
        self._start_problems = problems
        self._ascii = ascii
        self._header_text = ""
        self._status_text = ""
        self._reading_text = _READING

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="mon-header")
        yield Static(_READING, id="mon-reading")
        yield ResourceList(ascii=self._ascii, id="mon-list")
        yield Static(id="mon-status")
        yield Static(_KEYS, id="mon-keys")

    @property
    def resource_list(self) -> ResourceList:
        return self.query_one("#mon-list", ResourceList)

    def on_mount(self) -> None:
        rl = self.resource_list
        rl.set_states({self.node: self.state}, model=None)
        rl.problems_only = self._start_problems
        self.dirty = DirtyFilter(
            rl,
            lambda: visible_names(rl, rl.scroll_offset.y, rl.size.height or self.size.height),
        )
        self.state.add_listener(self.dirty.note)
        self.source.hint = self.dirty
        self.set_interval(1.0 / rl.REPAINT_HZ, self.dirty.flush, name="mon-dirty")
        rl.focus()
        self._message("info", f"Starting {' '.join(self.source.argv)}")
        self.run_worker(self.source.run(), group="events2", exit_on_error=False)
        self._refresh_chrome()
        self.set_interval(0.5, self._refresh_chrome, name="mon-chrome")

    # -- header and status line ----------------------------------------------------------

    def _header(self) -> Text:
        st = self.source.status
        left = Text(f" drbdeck mon {__version__} | Node {self.node}", style="bold")
        phase = st.phase
        if phase == "live":
            right = Text("events2 live", style="green")
        elif phase == "reading":
            right = Text("reading initial status", style="bold yellow")
        elif phase == "waiting":
            wait = max(0.0, (st.retry_at or 0.0) - time.monotonic())
            right = Text(f"source down, respawn in {wait:.0f} s", style="bold red")
        else:
            right = Text(phase, style="bold red" if phase == "stopped" else "")
        if self.resource_list.problems_only:
            right = Text("Problems only | ", style="bold yellow") + right
        width = max(0, self.size.width - left.cell_len - right.cell_len - 1)
        return left + Text(" " * width) + right + Text(" ")

    def _status(self) -> Text:
        total, alert, warn = self.resource_list.counts
        out = Text(f" Resources: {total} ({alert + warn} degraded)")
        if alert:
            out.append(f"  {alert} alert", "bold red")
        if warn:
            out.append(f"  {warn} warning", "bold yellow")
        if self.state.malformed:
            out.append(f"  {self.state.malformed} bad lines", "bold red")
        problem = self.messages.latest_problem
        if (
            problem is not None
            and self.source.status.phase == "live"
            and time.time() - problem.time > _PROBLEM_SHOWN_S
        ):
            out.append(f"  {len(self.messages)} messages (m)", "dim")
        elif problem is not None:
            stamp = time.strftime("%H:%M:%S", time.localtime(problem.time))
            style = "bold red" if problem.level == "error" else "bold yellow"
            out.append(f"  {stamp} {problem.text}", style)
        return out

    def _refresh_chrome(self) -> None:
        # drbdmon shows nothing of a half-read dump: the list appears with ``exists -``
        # and goes away again while a respawned source re-reads the state.
        ready = self.state.initial_done
        rl = self.resource_list
        reading = self.query_one("#mon-reading", Static)
        if rl.display != ready:
            rl.display = ready
            reading.display = not ready
            if ready:
                rl.focus()
        if not ready:
            text = _READING
            if self.source.status.phase in ("waiting", "stopped") and (
                problem := self.messages.latest_problem
            ):
                text = f"No DRBD status: {problem.text}\n(retrying; m shows the message log)"
            if text != self._reading_text:
                self._reading_text = text
                reading.update(text)
        header = self._header()
        if header.plain != self._header_text:
            self._header_text = header.plain
            self.query_one("#mon-header", Static).update(header)
        status = self._status()
        if status.plain != self._status_text:
            self._status_text = status.plain
            self.query_one("#mon-status", Static).update(status)

    # -- callbacks from the source -------------------------------------------------------

    def _message(self, level: str, text: str) -> None:
        self.messages.add(level, text)

    def _source_changed(self) -> None:
        if self.is_running:
            self._refresh_chrome()

    # -- keys ----------------------------------------------------------------------------

    async def action_quit_mon(self) -> None:
        await self.source.stop()
        self.exit(0)

    def action_problems(self) -> None:
        rl = self.resource_list
        rl.problems_only = not rl.problems_only
        self._refresh_chrome()

    def action_repaint(self) -> None:
        self.dirty.note(None)
        self.refresh(repaint=True, layout=True)

    def action_page(self, direction: int) -> None:
        self.resource_list.action_page(direction)

    def action_first_page(self) -> None:
        self.resource_list.action_jump(0)

    def action_reinit(self) -> None:
        self.source.respawn()

    def action_messages(self) -> None:
        self.push_screen(MessageScreen(self.messages), lambda _: self._refresh_chrome())

    def action_clear_messages(self) -> None:
        self.messages.clear()
        self._refresh_chrome()

    def on_resource_list_selected(self, event: ResourceList.Selected) -> None:
        event.stop()
        self.push_screen(ResourceDetailScreen(self.state, event.resource))
