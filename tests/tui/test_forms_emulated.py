"""The forms in the real console against a live emulated cluster: keys typed into
``DrbdeckApp`` on an ``InProcessBackend`` reach the nodes.

A ControllerRuntime runs in the test's loop over emulated nodes (real SSH). From an empty
controller: three nodes (host key fetched and pinned by the console backend), pools from
what each node reports, a resource definition, auto-place → UpToDate on the nodes, and the
typed delete until the LVs are gone.
"""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend.controller.names import key
from drbdeck.backend.runtime.observed import state_string
from drbdeck.backend.runtime.runtime import ControllerRuntime
from drbdeck.tui.app import DrbdeckApp
from drbdeck.tui.backend import InProcessBackend
from tests.tui.forms_kit import choose, emulated, preview_text, settle, type_into

NAMES = ["alpha", "bravo", "charlie"]


def state(rt: ControllerRuntime, rd: str, node: str) -> str:
    r = rt.model.resources.get((key(rd), key(node)))
    return state_string(r.flags if r else set(), rt.observe(rd, node))


async def form_key(pilot, k: str, kind: str) -> None:
    """Press the console's key for a form; wait until the form is up."""
    await pilot.press(k)
    await settle(pilot, lambda: getattr(pilot.app.screen, "form_ready", False),
                 f"{kind} form ({k})")


async def open_in(pilot, kind: str, **context) -> None:
    """The console's own ``open_form`` (what its keys call with the selection)."""
    await settle(pilot, lambda: not hasattr(pilot.app.screen, "form_ready"), "no form")
    pilot.app.open_form(kind, **context)
    await settle(pilot, lambda: getattr(pilot.app.screen, "form_ready", False), kind)


async def test_from_nothing_to_uptodate_and_back(tmp_path: Path) -> None:
    async with emulated(tmp_path, NAMES) as (rt, nodes):
        backend = InProcessBackend(rt, metrics=False)
        app = DrbdeckApp(backend)
        async with app.run_test(size=(120, 50), notifications=True) as pilot:
            for n in NAMES:
                info = nodes[n]
                await form_key(pilot, "n", "node")
                await type_into(pilot, "name", n)
                await type_into(pilot, "address", info["address"])
                await type_into(pilot, "ssh-host", info["ssh_host"])
                await type_into(pilot, "ssh-port", str(info["ssh_port"]))
                await pilot.press("ctrl+s")  # shows the host key first
                await settle(pilot, lambda: "SHA256:" in str(
                    app.screen.query_one("#host-key").render()), f"{n} host key")
                assert n not in rt.model.nodes
                await pilot.press("ctrl+s")
                await settle(pilot, lambda n=n: n in rt.model.nodes, f"node {n}")
                await settle(pilot, lambda: not hasattr(app.screen, "form_ready"), "closed")
            await settle(pilot, lambda: all(rt.is_connected(n) for n in NAMES),
                         "nodes online")
            assert any("host key" in ln.text and "accepted" in ln.text
                       for ln in backend.event_log)

            for n in NAMES:
                await form_key(pilot, "s", "storage-pool")
                await choose(pilot, "node", n)
                # the node's only VG is offered and filled in
                await settle(pilot, lambda: app.screen.query_one("#backing").value == "vg0",
                             f"{n} reports vg0")
                await type_into(pilot, "name", "pool1")
                await pilot.press("enter")
                await settle(pilot, lambda n=n: (key(n), "POOL1") in rt.model.pools,
                             f"pool on {n}")
                await settle(pilot, lambda: not hasattr(app.screen, "form_ready"), "closed")
            await settle(pilot, lambda: all(rt.model.pool(n, "pool1").free_kib
                                            for n in NAMES), "capacity reported")

            await form_key(pilot, "d", "resource-definition")
            await type_into(pilot, "name", "web")
            await type_into(pilot, "size-0", "64M")
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: "web" in rt.model.rds, "rd")
            await settle(pilot, lambda: not hasattr(app.screen, "form_ready"), "closed")

            await form_key(pilot, "c", "resource")
            await choose(pilot, "rd", "web")
            await type_into(pilot, "count", "2")
            await settle(pilot, lambda: "drbdadm primary --force web" in preview_text(app),
                         "auto-place preview")
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: len(rt.model.resources_of_rd("web")) == 3,
                         "two replicas and a tie-breaker")
            diskful = [r.node for r in rt.model.resources_of_rd("web") if not r.diskless]
            await settle(pilot, lambda: all(state(rt, "web", n) == "UpToDate"
                                            for n in diskful), "UpToDate on the nodes",
                         timeout=45)
            # the answers are in the event log (once: the console's ops log has them)
            assert sum("New resource 'web' on node" in ln.text
                       for ln in backend.event_log) == 3

            # db: manual replica, another one added, a client, a DRBD option, the client
            # removed again
            await rt.ops.rd_create("db")
            await rt.ops.vd_create("db", 64 * 1024)
            await open_in(pilot, "resource", rd="db", mode="manual", node="alpha")
            await choose(pilot, "pool", "pool1")
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: ("DB", "ALPHA") in rt.model.resources, "db@alpha")
            await open_in(pilot, "add-replica", rd="db")
            await choose(pilot, "node", "bravo")
            await choose(pilot, "pool", "pool1")
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: all(state(rt, "db", n) == "UpToDate"
                                            for n in ("alpha", "bravo")), "db UpToDate",
                         timeout=45)
            await open_in(pilot, "make-available", rd="db")  # charlie: the only choice
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: state(rt, "db", "charlie") == "Diskless",
                         "db client on charlie", timeout=45)
            await open_in(pilot, "property", target="resource-definition", rd="db",
                          key="DrbdOptions/Net/max-buffers", value="8000")
            await pilot.press("ctrl+s")
            for _ in range(200):
                if "max-buffers 8000" in await backend.read_res_file("db", "bravo"):
                    break
                await pilot.pause(0.1)
            assert "max-buffers 8000" in await backend.read_res_file("db", "bravo")
            await open_in(pilot, "remove-replica", rd="db", node="charlie")
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: ("DB", "CHARLIE") not in rt.model.resources,
                         "client removed", timeout=45)
            assert "db" not in rt.nodes[key("charlie")].state.resources

            app.open_form("delete", what="resource-definition", rd="web")
            await settle(pilot, lambda: getattr(app.screen, "form_ready", False), "delete")
            await settle(pilot, lambda: "drbdadm down web" in preview_text(app), "preview")
            await type_into(pilot, "confirm", "web")
            await pilot.press("enter")
            await settle(pilot, lambda: "web" not in rt.model.rds, "rd gone", timeout=45)
            for n in diskful:
                lvs = await rt.pool.get(n).query_lvs()
                assert not [lv for lv in lvs if lv.name == "web_00000"], n
        await backend.close()
