"""The forms against a live emulated cluster: what an operator types reaches the nodes.

A ControllerRuntime runs in the test's loop over emulated nodes (real SSH); the forms are
driven with Pilot from an empty controller to a resource that is UpToDate on its nodes,
and then deleted again with the typed confirmation until its LVs are gone.
"""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend.controller.names import key
from drbdeck.backend.runtime.observed import state_string
from tests.tui.forms_kit import (
    FormHost,
    RuntimeBackend,
    emulated,
    opened,
    preview_text,
    settle,
    type_into,
)

NAMES = ["alpha", "bravo", "charlie"]


def state(b: RuntimeBackend, rd: str, node: str) -> str:
    r = b.model.resources.get((key(rd), key(node)))
    return state_string(r.flags if r else set(), b.runtime.observe(rd, node))


async def test_from_nothing_to_uptodate_and_back(tmp_path: Path) -> None:
    async with emulated(tmp_path, NAMES) as (b, nodes):
        app = FormHost(b)
        async with app.run_test(size=(120, 50), notifications=True) as pilot:
            for n in NAMES:
                info = nodes[n]
                await opened(pilot, "node", node_type="Combined" if n == "alpha" else None)
                await type_into(pilot, "name", n)
                await type_into(pilot, "address", info["address"])
                await type_into(pilot, "ssh-host", info["ssh_host"])
                await type_into(pilot, "ssh-port", str(info["ssh_port"]))
                await pilot.press("ctrl+s")  # shows the host key first
                await settle(pilot, lambda: "SHA256:" in str(
                    app.screen.query_one("#host-key").render()), f"{n} host key")
                assert n not in b.model.nodes
                await pilot.press("ctrl+s")
                await settle(pilot, lambda n=n: n in b.model.nodes, f"node {n}")
            await settle(pilot, lambda: all(b.runtime.is_connected(n) for n in NAMES),
                         "nodes online")

            for n in NAMES:
                await opened(pilot, "storage-pool", node=n)
                # the node's only VG is offered and filled in
                await settle(pilot, lambda: app.screen.query_one("#backing").value == "vg0",
                             f"{n} reports vg0")
                await type_into(pilot, "name", "pool1")
                await pilot.press("enter")
                await settle(pilot, lambda n=n: (key(n), "POOL1") in b.model.pools,
                             f"pool on {n}")
            await settle(pilot, lambda: all(b.model.pool(n, "pool1").free_kib
                                            for n in NAMES), "capacity reported")

            await opened(pilot, "resource-definition")
            await type_into(pilot, "name", "web")
            await type_into(pilot, "size-0", "64M")
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: "web" in b.model.rds, "rd")

            await opened(pilot, "resource", rd="web")
            await type_into(pilot, "count", "2")
            await settle(pilot, lambda: "drbdadm primary --force web" in preview_text(app),
                         "auto-place preview")
            await pilot.press("ctrl+s")
            await settle(pilot, lambda: len(b.model.resources_of_rd("web")) == 3,
                         "two replicas and a tie-breaker")
            diskful = [r.node for r in b.model.resources_of_rd("web") if not r.diskless]
            await settle(pilot, lambda: all(state(b, "web", n) == "UpToDate"
                                            for n in diskful), "UpToDate on the nodes",
                         timeout=45)
            for n in diskful:
                assert b.runtime.nodes[key(n)].link is not None
            assert any("Create resource" in ln.text for ln in b.event_log)

            await opened(pilot, "delete", what="resource-definition", rd="web")
            await settle(pilot, lambda: "drbdadm down web" in preview_text(app), "preview")
            await type_into(pilot, "confirm", "web")
            await pilot.press("enter")
            await settle(pilot, lambda: "web" not in b.model.rds, "rd gone", timeout=45)
            emu = {n: b.runtime.pool.get(n) for n in diskful}
            for n, link in emu.items():
                lvs = await link.query_lvs()
                assert not [lv for lv in lvs if lv.name == "web_00000"], n
