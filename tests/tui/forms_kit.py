"""Test kit for the form tests: a tiny host App and console backends.

Why our own host: the forms only need ``app.backend`` (the ConsoleBackend members they
read); a small App keeps each Pilot test about the form alone. Two backends:

* ``StoreBackend``: Operations over a real SQLite Store, no nodes — fast, deterministic
  (invalid input, previews, snapshots);
* the console's own ``InProcessBackend`` over a ControllerRuntime on a live emulated
  cluster (``emulated()``, run as tests/integration/test_seed_walk.py runs one), so a sent
  form reaches the nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Input, Select, Static

from drbdeck.backend.controller.model import ClusterModel
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.runtime.runtime import ControllerRuntime
from drbdeck.config import Config, SshConfig
from drbdeck.emulator.cluster import Cluster

GIB = 1024 * 1024


class StoreBackend:
    """ConsoleBackend members over a Store; every node counts as online."""

    def __init__(self, store: Store, *, readonly: bool = False) -> None:
        self.store = store
        self.ops = Operations(store, is_connected=lambda n: True)
        self.event_log: list[Any] = []
        self.readonly = readonly
        self.states: dict[str, Any] = {}
        self.storage: dict[str, tuple[list[Any], list[Any]]] = {}
        self.keys: dict[tuple[str, int], str] = {}
        self.accepted: list[tuple[str, int, str]] = []

    @property
    def model(self) -> ClusterModel:
        return self.store.model

    def node_status(self, name: str) -> str:
        return "ONLINE"

    async def query_storage(self, node: str) -> tuple[list[Any], list[Any]]:
        if node not in self.storage:
            raise ConnectionError(f"{node} is offline")
        return self.storage[node]

    async def host_key(self, host: str, port: int) -> str:
        if (host, port) not in self.keys:
            raise ConnectionError(f"{host}:{port} refused the connection")
        return self.keys[(host, port)]

    async def accept_host_key(self, host: str, port: int, fingerprint: str) -> None:
        self.accepted.append((host, port, fingerprint))


class FormHost(App[None]):
    """Hosts forms the way the console does (``app.backend``, ``app.readonly``)."""

    def __init__(self, backend: Any, *, readonly: bool = False) -> None:
        super().__init__()
        self.backend = backend
        self.readonly = readonly
        self.results: list[bool | None] = []

    def compose(self) -> ComposeResult:
        yield Static("host", id="host")


async def opened(pilot: Any, kind: str, **context: Any) -> Any:
    """``open_form`` and wait until the form's fields are mounted."""
    from drbdeck.tui.forms import open_form

    open_form(pilot.app, kind, **context)
    await settle(pilot, lambda: getattr(pilot.app.screen, "form_ready", False),
                 f"{kind} form mounted")
    return pilot.app.screen


async def type_into(pilot: Any, field_id: str, text: str) -> None:
    """Focus the field's input and replace its text; the LAST character is a real key
    press, so the as-you-type path runs as it does for a user (all but the last are
    pasted in, which keeps the tests fast on a loaded machine)."""
    inp = pilot.app.screen.query_one(f"#{field_id}", Input)
    inp.focus()
    await pilot.pause()  # focus selects all the text; set it after that
    inp.value = text[:-1]
    inp.action_end()
    if text:
        await pilot.press(text[-1])
    await pilot.pause()


async def choose(pilot: Any, field_id: str, value: Any) -> None:
    sel = pilot.app.screen.query_one(f"#{field_id}", Select)
    sel.value = value
    await pilot.pause()


def error_of(app: App[Any], field_id: str) -> str:
    w = app.screen.query_one(f"#{field_id}-error", Static)
    return str(w.render()) if w.display else ""


def preview_text(app: App[Any]) -> str:
    return str(app.screen.query_one("#preview", Static).render())


def status_text(app: App[Any]) -> str:
    return str(app.screen.query_one("#form-status", Static).render())


async def settle(pilot: Any, pred: Callable[[], bool], what: str,
                 timeout: float = 30.0) -> None:
    """Pause the app until ``pred`` holds (workers, timers); the timeout bounds a hang."""
    try:
        async with asyncio.timeout(timeout):
            while not pred():
                await pilot.pause(0.05)
    except TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


@contextlib.asynccontextmanager
async def emulated(tmp_path: Path, names: list[str],
                   thin_pool_kib: int = 0) -> AsyncIterator[tuple[ControllerRuntime, dict]]:
    """Emulated nodes + a controller runtime with SSH pointed at the emulator's key."""
    state_dir = tmp_path / "emu"
    cluster = await Cluster.start(names, state_dir, vgs={"vg0": 100 * GIB},
                                  sync_rate_kib=64 * GIB, thin_pool_kib=thin_pool_kib)
    rt: ControllerRuntime | None = None
    try:
        nodes = {n["name"]: n for n in json.loads((state_dir / "nodes.json").read_text())}
        cfg = Config(ssh=SshConfig(identity_file=str(state_dir / "id_ed25519"),
                                   known_hosts=str(state_dir / "known_hosts"),
                                   reconnect_min=0.05, reconnect_max=0.3,
                                   command_timeout=60.0))
        rt = ControllerRuntime(Store(tmp_path / "ctl.db"), cfg, retry_min=0.05,
                               retry_max=0.5)
        await rt.start()
        yield rt, nodes
    finally:
        if rt is not None:
            await rt.stop()
            rt.store.close()
        await cluster.stop()
