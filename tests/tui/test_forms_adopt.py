"""The adopt form in the real console (``DrbdeckApp`` on an ``InProcessBackend``) against
emulated nodes running the migration post's hand-made ``legacy`` (eagle, rabbit).

What must hold: the form finds the resource drbdeck does not manage on the chosen node,
shows the dry run's plan (commands and file moves) before anything changes, adopts only
after the name is typed — and the resource is then managed with no connection drop, no
resync, no create-md and the same data. A refusal shows its reason and what to do
instead and changes nothing; the allow-larger switch re-runs the dry run; a read-only
console refuses the form; a remote console adopts through ``POST /v1/drbdeck/adopt``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Select

from drbdeck.backend.adopt import service
from drbdeck.backend.controller.store import Store
from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.emulator.handmade import HandmadeSpec, HandmadeVolume
from drbdeck.tui.app import DrbdeckApp
from drbdeck.tui.backend import InProcessBackend
from drbdeck.tui.forms import open_form
from drbdeck.tui.forms.adopt_client import plan_nodes
from drbdeck.tui.remote import RemoteBackend
from tests.adopt.world import adopt_world
from tests.tui.forms_kit import (
    FormHost,
    StoreBackend,
    choose,
    error_of,
    preview_text,
    settle,
    status_text,
    type_into,
)

N2 = ["eagle", "rabbit"]


def _has_form(app: Any) -> bool:
    return getattr(app.screen, "form_ready", False)


async def _open(pilot: Any, **context: Any) -> Any:
    pilot.app.open_form("adopt", **context)
    await settle(pilot, lambda: _has_form(pilot.app), "adopt form")
    return pilot.app.screen


def _log(backend: Any) -> str:
    return "\n".join(ln.text for ln in backend.event_log)


def _untouched(w: Any, name: str) -> None:
    assert name not in w.rt.model.rds
    for n in N2:
        node = w.cluster.node(n)
        assert node.fs.exists(f"/etc/drbd.d/{name}.res"), n
        assert not node.fs.exists(f"{RES_DIR}/{name}.res"), n


async def test_pick_plan_confirm_adopt(tmp_path: Path) -> None:
    spec = HandmadeSpec(net={"protocol": "C", "cram-hmac-alg": "sha1",
                             "shared-secret": "hand-made-secret"})
    async with adopt_world(tmp_path, N2, [spec]) as w:
        before = w.cluster.resource_facts("legacy")
        backend = InProcessBackend(w.rt, metrics=False)
        app = DrbdeckApp(backend)
        async with app.run_test(size=(120, 50), notifications=True) as pilot:
            form = await _open(pilot, node="eagle")
            # found in eagle's live state, with the peer it runs with
            await settle(pilot, lambda: form.query_one("#resource", Select).value
                         == "legacy", "legacy offered on eagle")
            await settle(pilot, lambda: form.query_one("#nodes").value == "eagle rabbit",
                         "its nodes filled in")
            await settle(pilot, lambda: "PeerSlotsNewResource" in preview_text(app),
                         "the dry run's plan")
            plan = preview_text(app)
            for words in ("resource-definition create legacy -p 15500",
                          "-n 10 -m 9100 1371956KiB", "OverrideVlmId legacy",
                          "on eagle: mv /etc/drbd.d/legacy.res",
                          "on rabbit: mv /etc/drbd.d/legacy.res",
                          "--node-id 4 -s datastore eagle legacy",
                          "--node-id 8 -s datastore rabbit legacy"):
                assert words in plan, plan
            assert "hand-made-secret" not in plan
            _untouched(w, "legacy")  # the dry run changed nothing
            # the form put the cursor where the operator goes next: the typed name
            assert app.focused is not None and app.focused.id == "confirm", app.focused

            # Enter without the typed name: refused under the field, nothing happens
            await type_into(pilot, "confirm", "legac")
            await pilot.press("enter")
            assert "type 'legacy' to confirm" in error_of(app, "confirm")
            assert "need fixing" in status_text(app)
            _untouched(w, "legacy")

            await type_into(pilot, "confirm", "legacy")
            await pilot.press("enter")
            await settle(pilot, lambda: not _has_form(app), "form closed after adopting",
                         timeout=60)
            assert "legacy" in w.rt.model.rds
            assert {r.node for r in w.rt.model.resources_of_rd("legacy")} == set(N2)
            for n in N2:
                node = w.cluster.node(n)
                assert node.fs.exists(f"{RES_DIR}/legacy.res"), n
                assert node.fs.exists("/etc/drbd.d/legacy.res.drbdeck-adopted"), n
                assert w.state("legacy", n, 10) == "UpToDate"
            after = w.cluster.resource_facts("legacy")
            assert after == before  # data, generation UUIDs, create-md calls (the install's)
            assert (after.connection_drops, after.resyncs) == (0, 0)
            assert "Adopt legacy: now managed by drbdeck on eagle, rabbit" in _log(backend)
            assert any("Adopt legacy: done" in (n.title or "")
                       for n in app._notifications)

            # managed now: the node offers nothing more to adopt
            form = await _open(pilot, node="eagle")
            await settle(pilot, lambda: "no DRBD resource on eagle" in str(
                form.query_one("#resource-help").render()), "nothing left to adopt")
            await pilot.press("escape")
        await backend.close()


async def test_refusal_shows_reason_and_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    specs = [HandmadeSpec(volumes=[HandmadeVolume(size_mib=100, external_md=True)]),
             HandmadeSpec(name="bigger", port=15510, volumes=[HandmadeVolume(
                 0, 9110, "bigger", 100, size_per_node={"rabbit": 104})])]
    async with adopt_world(tmp_path, N2, specs) as w:
        before = w.cluster.resource_facts("legacy")
        backend = InProcessBackend(w.rt, metrics=False)
        app = DrbdeckApp(backend)
        async with app.run_test(size=(120, 50), notifications=True) as pilot:
            await _open(pilot, resource="legacy", nodes=N2)
            await settle(pilot, lambda: "Refused" in preview_text(app), "the refusal")
            text = preview_text(app)
            assert "external" in text.lower() and "Instead:" in text, text
            await type_into(pilot, "confirm", "legacy")
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert "refused" in status_text(app).lower()
            assert _has_form(app)
            _untouched(w, "legacy")
            assert w.cluster.resource_facts("legacy") == before
            await pilot.press("escape")
            await settle(pilot, lambda: not _has_form(app), "closed")

            # both unmanaged resources offered; a node drbdeck does not know is refused
            # under the field, before any dry run
            form = await _open(pilot, node="rabbit")
            await settle(pilot, lambda: "2 unmanaged" in str(
                form.query_one("#resource-help").render()), "both offered on rabbit")
            await choose(pilot, "resource", "bigger")
            await settle(pilot, lambda: form.query_one("#nodes").value == "rabbit eagle",
                         "bigger's nodes")
            await type_into(pilot, "nodes", "eagle nosuch")
            assert "nosuch: not a drbdeck node" in error_of(app, "nodes")
            await settle(pilot, lambda: "not a drbdeck node" in preview_text(app),
                         "no dry run with a bad node")
            await pilot.press("escape")
            await settle(pilot, lambda: not _has_form(app), "closed")

            # an LV larger than needed: refused until allow-larger is ticked
            form = await _open(pilot, node="rabbit", resource="bigger")
            await settle(pilot, lambda: "Refused" in preview_text(app), "lv-larger refusal")
            assert "AllowLargerVolumeSize" in preview_text(app) or \
                "larger" in preview_text(app).lower()
            form.query_one("#allow-larger", Checkbox).value = True
            await settle(pilot, lambda: "AllowLargerVolumeSize true" in preview_text(app),
                         "the plan with AllowLargerVolumeSize: " + preview_text(app), timeout=5)
            assert "bigger" not in w.rt.model.rds

            # a failure part-way (after every node applied it): rolled back, said so
            real = service.execute

            async def failing(rt, plan, *, timeout, fail_at=None):  # type: ignore[no-untyped-def]
                return await real(rt, plan, timeout=timeout, fail_at="apply")
            monkeypatch.setattr(service, "execute", failing)
            big_before = w.cluster.resource_facts("bigger")
            await type_into(pilot, "confirm", "bigger")
            await pilot.press("enter")
            await settle(pilot, lambda: "Rolled back" in status_text(app), "the rollback",
                         timeout=60)
            assert _has_form(app)
            assert "everything was undone" in preview_text(app)
            assert "Adopt bigger failed" in _log(backend)
            assert any("Adopt bigger failed" in (n.title or "") for n in app._notifications)
            assert "bigger" not in w.rt.model.rds
            assert not w.rt.model.resources_of_rd("bigger")
            _untouched(w, "bigger")
            assert w.cluster.resource_facts("bigger") == big_before
            await pilot.press("escape")
        await backend.close()


async def test_readonly_refuses(tmp_path: Path) -> None:
    async with adopt_world(tmp_path, N2, [HandmadeSpec()]) as w:
        backend = InProcessBackend(w.rt, metrics=False, readonly=True)
        app = DrbdeckApp(backend, readonly=True)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            app.open_form("adopt", node="eagle", resource="legacy")
            open_form(app, "adopt", node="eagle", resource="legacy")
            await pilot.pause(0.2)
            assert not _has_form(app)
            assert any("read-only" in n.message for n in app._notifications)
        await backend.close()
        _untouched(w, "legacy")


async def test_remote_console_adopts_over_rest(tmp_path: Path) -> None:
    async with adopt_world(tmp_path, N2, [HandmadeSpec()]) as w:
        before = w.cluster.resource_facts("legacy")
        backend = RemoteBackend(f"http://127.0.0.1:{w.ctl.port}")
        await backend.connect()
        app = DrbdeckApp(backend)
        async with app.run_test(size=(120, 50), notifications=True) as pilot:
            form = await _open(pilot, node="eagle")
            # the remote list comes from the endpoint's read-only dry run of everything
            await settle(pilot, lambda: form.query_one("#nodes").value == "eagle rabbit",
                         "legacy and its nodes from the controller")
            await settle(pilot, lambda: "--node-id 8" in preview_text(app), "the plan")
            await type_into(pilot, "confirm", "legacy")
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: not _has_form(app), "adopted", timeout=60)
            assert "legacy" in w.rt.model.rds
            assert w.cluster.resource_facts("legacy") == before
        await backend.close()


async def test_without_an_adoption_service(tmp_path: Path) -> None:
    """A backend with neither a runtime nor a controller URL says so and sends nothing."""
    store = Store(tmp_path / "x.db")
    backend = StoreBackend(store)
    async with FormHost(backend).run_test(size=(100, 30)) as pilot:
        open_form(pilot.app, "adopt", resource="legacy", nodes="eagle rabbit")
        await settle(pilot, lambda: _has_form(pilot.app), "form")
        await settle(pilot, lambda: "in-process controller" in preview_text(pilot.app),
                     "the reason")
        await type_into(pilot, "confirm", "legacy")
        await pilot.press("enter")
        assert "in-process controller" in status_text(pilot.app)
        assert _has_form(pilot.app)
        await pilot.press("escape")
        # a remote controller that does not answer: said in the plan pane, no traceback
        backend.url = "http://127.0.0.1:9"  # type: ignore[attr-defined]
        assert not any(a.is_error() for a in await backend.ops.node_create("eagle",
                                                                          "10.0.0.1"))
        await settle(pilot, lambda: not _has_form(pilot.app), "closed")
        open_form(pilot.app, "adopt", node="eagle", resource="legacy", nodes=["eagle"])
        await settle(pilot, lambda: _has_form(pilot.app), "form again")
        await settle(pilot, lambda: "cannot reach the controller" in
                     preview_text(pilot.app), "the transport error", timeout=10)
    store.close()


def test_plan_nodes() -> None:
    plan = ["Adopt legacy: port 15500", "  drbdeck resource-definition create legacy -p 1",
            "  drbdeck resource create --node-id 4 -s datastore eagle legacy",
            "  drbdeck resource create --node-id 2 --drbd-diskless client legacy"]
    assert plan_nodes(plan, "legacy") == ["eagle", "client"]
