"""``drbdeck demo`` with a screen: the console on the demo session, painted at once.

Why the order matters: the operator should see the console within 2 s, then watch the
cluster come alive. So only cheap things happen before the first frame (spawn the
emulator child, build the controller over a fresh store); starting the runtime and REST
and running the scenario wait for Textual's ``Ready`` event (the first frame is on
screen). The demo's narration goes into the console's event log as ``demo``/``chaos``
lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from textual.app import App

from drbdeck.tui.demo_session import DemoSession, LogEntry

log = logging.getLogger(__name__)

#: when set, the demo writes the wall-clock time of its first frame there (the bench)
PAINT_FILE_ENV = "DRBDECK_DEMO_PAINT_FILE"
#: seconds a SIGTERM'd console gets to close cleanly before the demo stops it hard
GRACE_S = 5.0


class _DemoHooks:
    """Mixed into the console class: background start after the first frame."""

    demo_session: DemoSession
    _demo_task: asyncio.Task[None] | None = None

    def on_ready(self) -> None:
        path = os.environ.get(PAINT_FILE_ENV)
        if path:
            with contextlib.suppress(OSError):
                Path(path).write_text(f"{time.time():.6f}\n")
        if self._demo_task is None:
            self._demo_task = asyncio.create_task(self._demo_start(), name="demo start")

    async def _demo_start(self) -> None:
        s = self.demo_session
        notify = getattr(self, "notify", None)
        if callable(notify):
            notify("Starting 4 emulated nodes, then pools and resources …", title="demo")
        try:
            await s.start()
        except Exception as exc:  # shown in the log; the console keeps running
            log.exception("demo start")
            s.say(f"demo: the controller could not start: {exc}", "error")
            if callable(notify):
                notify(f"the controller could not start: {exc}", title="demo",
                       severity="error")
            return
        task = s.start_setup()
        if task is None:
            return
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)
        if not callable(notify):
            return
        failed = s.setup.failed if s.setup is not None else None
        if failed:
            notify(f"set-up stopped: {failed} (log: 4)", title="demo", severity="error",
                   timeout=15)
        else:
            notify(f"Ready. x: chaos{_cli_hint(s.rest_url)}", title="demo", timeout=8)


def _cli_hint(url: str | None) -> str:
    """How to reach this demo's controller from a shell (the default port needs no flag)."""
    if not url:
        return ""
    addr = url.removeprefix("http://")
    return (" · CLI: drbdeck r l" if addr == "127.0.0.1:3370"
            else f" · CLI: drbdeck --controllers {addr} r l")


def build_app(session: DemoSession, *, title: str = "drbdeck demo") -> App[Any]:
    """The console on ``session``; call after ``session.prepare()``."""
    from drbdeck.tui.app import DrbdeckApp
    from drbdeck.tui.backend import InProcessBackend

    cls = type("DemoConsole", (_DemoHooks, DrbdeckApp), {"__module__": DrbdeckApp.__module__})
    backend = InProcessBackend(session.runtime)
    app: App[Any] = cls(backend, chaos=session.chaos, title=title)
    sink = _event_log_sink(backend)
    app.demo_session = session  # type: ignore[attr-defined]
    for e in list(session.narration):
        sink(e)
    session.listeners.append(sink)
    return app


def _event_log_sink(backend: Any) -> Any:
    elog = getattr(backend, "event_log", None)

    def sink(e: LogEntry) -> None:
        if elog is None:
            return
        source = "chaos" if e.text.startswith("chaos:") else "demo"
        text = e.text.split(": ", 1)[1] if ": " in e.text else e.text
        add = getattr(elog, "add", None)
        if callable(add):
            add(text, source=source, level=e.level, at=e.time)
    return sink


def _hard_stop(session: DemoSession, code: int) -> None:
    """Leave now: stop the emulator child, remove our temporary directory, ``_exit``.

    For a terminal that hung up (SIGHUP: Textual's own shutdown then blocks forever
    flushing output to the dead terminal) and for a graceful exit that did not finish in
    time. Safe from a signal handler or another thread."""
    with contextlib.suppress(Exception):
        session.emulator.kill()
    with contextlib.suppress(Exception):
        session.remove_own_dir()
    os._exit(code)


def _install_signals(session: DemoSession, app: App[Any]) -> dict[int, Any]:
    """SIGHUP: hard stop. SIGTERM: ask the app to exit, hard stop if it has not after
    :data:`GRACE_S`. Plain ``signal.signal`` handlers so they run even when the event
    loop is stuck."""
    loop = asyncio.get_running_loop()

    def on_hup(_sig: int, _frame: Any) -> None:
        _hard_stop(session, 128 + signal.SIGHUP)

    def on_term(_sig: int, _frame: Any) -> None:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(app.exit)
        t = threading.Timer(GRACE_S, _hard_stop, (session, 128 + signal.SIGTERM))
        t.daemon = True
        t.start()

    old = {}
    for sig, handler in ((signal.SIGHUP, on_hup), (signal.SIGTERM, on_term)):
        with contextlib.suppress(ValueError, OSError):
            old[sig] = signal.signal(sig, handler)
    return old


async def run(session: DemoSession) -> int:
    """Open the console on the session; the session is closed whatever happens."""
    old: dict[int, Any] = {}
    try:
        session.prepare()
        app = build_app(session)
        old = _install_signals(session, app)
        await app.run_async()
        return int(app.return_code or 0)
    finally:
        for sig, handler in old.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, handler)
        await session.close()


__all__ = ["PAINT_FILE_ENV", "build_app", "run"]
