"""Every form with a Store-backed backend: invalid input shows its error under the field
and sends nothing (the store is unchanged); valid input creates the object; the preview
shows the per-node commands; Esc cancels; a read-only console opens no form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

import pytest

from drbdeck.backend.controller import codec
from drbdeck.backend.controller.store import Store
from drbdeck.collectors.lvm import LvInfo, VgInfo
from drbdeck.tui.forms import KINDS, open_form
from tests.tui.forms_kit import (
    GIB,
    FormHost,
    StoreBackend,
    choose,
    error_of,
    opened,
    preview_text,
    settle,
    status_text,
    type_into,
)


def snapshot(backend: StoreBackend) -> str:
    m = backend.model
    rows = {
        "nodes": {k: codec.encode(v) for k, v in m.nodes.items()},
        "pools": {"/".join(k): codec.encode(v) for k, v in m.pools.items()},
        "rds": {k: codec.encode(v) for k, v in m.rds.items()},
        "rsc": {"/".join(k): codec.encode(v) for k, v in m.resources.items()},
        "ctrl": dict(m.controller_props),
    }
    return json.dumps(rows, sort_keys=True, default=str)


@pytest.fixture
async def backend(tmp_path: Path) -> StoreBackend:
    b = StoreBackend(Store(tmp_path / "c.db"))
    for i, n in enumerate(["alpha", "bravo", "charlie"]):
        await b.ops.node_create(n, f"10.0.0.{i + 1}")
        await b.ops.storage_pool_create(n, "pool1", "LVM", {"StorDriver/StorPoolName": "vg0"})
        await b.ops.pool_report(n, "pool1", free_kib=100 * GIB, total_kib=100 * GIB,
                                extent_kib=4096)
    await b.ops.rd_create("web")
    await b.ops.vd_create("web", 10 * GIB)
    vg = VgInfo("vg0", 100 * GIB, 90 * GIB, 4096, 25600, 23040, 1)
    thin = LvInfo("vg0", "thin0", 50 * GIB, "twi-a-tz--", "", 1.0, 1.0)
    b.storage["delta"] = ([vg], [thin])
    b.storage["alpha"] = ([vg], [thin])
    return b


async def submit_refused(pilot, backend: StoreBackend, before: str) -> None:
    logged = len(backend.event_log)
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert "nothing was sent" in status_text(pilot.app)
    assert snapshot(backend) == before
    assert len(backend.event_log) == logged


async def test_node_form_checks_fields_then_shows_the_host_key(backend: StoreBackend) -> None:
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "node")
        before = snapshot(backend)
        await type_into(pilot, "name", "bad_name")
        assert "Invalid node name" in error_of(app, "name")
        await type_into(pilot, "address", "10.0.0.300")
        assert "not an IPv4 or IPv6 address" in error_of(app, "address")
        await type_into(pilot, "ssh-port", "70000")
        assert "SSH port must be an integer from 1 to 65535" in error_of(app, "ssh-port")
        await submit_refused(pilot, backend, before)
        # fixed: the first send only fetches the host key and shows it
        await type_into(pilot, "name", "delta")
        await type_into(pilot, "address", "10.0.0.4")
        await type_into(pilot, "ssh-port", "2222")
        assert error_of(app, "name") == error_of(app, "address") == ""
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "refused" in str(app.screen.query_one("#host-key")
                                                    .render()), "host key error")
        assert snapshot(backend) == before
        backend.keys[("10.0.0.4", 2222)] = "SHA256:abcdefTESTKEY"
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "SHA256:abcdefTESTKEY" in str(
            app.screen.query_one("#host-key").render()), "fingerprint shown")
        assert snapshot(backend) == before
        await settle(pilot, lambda: "delta:" in preview_text(app), "preview")
        assert "write /etc/drbd.d/drbdeck-resources.res" in preview_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "delta" in backend.model.nodes, "node created")
        node = backend.model.nodes["delta"]
        assert (node.address, node.ssh_port) == ("10.0.0.4", 2222)
        assert backend.accepted == [("10.0.0.4", 2222, "SHA256:abcdefTESTKEY")]
        assert any("delta" in ln.text for ln in backend.event_log)
        await settle(pilot, lambda: app.screen is not None and
                     not hasattr(app.screen, "steps"), "form closed")


async def test_storage_pool_form_offers_the_nodes_vgs(backend: StoreBackend) -> None:
    await backend.ops.node_create("delta", "10.0.0.4")
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "storage-pool", node="delta")
        await settle(pilot, lambda: "vg0" in str(
            app.screen.query_one("#backing-help").render()), "VGs offered")
        before = snapshot(backend)
        # the only VG is filled in; a name the node lacks is refused
        await type_into(pilot, "backing", "vg9")
        assert "delta has no 'vg9'" in error_of(app, "backing")
        await type_into(pilot, "name", "p")
        assert "must be 3 to 48 characters" in error_of(app, "name")
        await submit_refused(pilot, backend, before)
        await choose(pilot, "provider", "LVM_THIN")
        await type_into(pilot, "backing", "vg0")
        assert "must be '<vg>/<thinpool>'" in error_of(app, "backing")
        await choose(pilot, "provider", "FILE")
        await type_into(pilot, "backing", "/srv/../etc")
        assert "absolute directory" in error_of(app, "backing")
        await choose(pilot, "provider", "LVM_THIN")
        await type_into(pilot, "backing", "vg0/thin0")
        await type_into(pilot, "name", "thinpool")
        assert error_of(app, "backing") == error_of(app, "name") == ""
        await pilot.press("enter")
        await settle(pilot, lambda: ("DELTA", "THINPOOL") in backend.model.pools, "pool")
        assert backend.model.pools[("DELTA", "THINPOOL")].backing == "vg0/thin0"


async def test_resource_definition_form_with_volumes(backend: StoreBackend) -> None:
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "resource-definition")
        before = snapshot(backend)
        await type_into(pilot, "name", "all")
        assert "reserved for DRBD" in error_of(app, "name")
        await type_into(pilot, "port", "6999")
        assert "port must be an integer from 7000 to 7999" in error_of(app, "port")
        await type_into(pilot, "peer-slots", "32")
        assert "from 1 to 31" in error_of(app, "peer-slots")
        await type_into(pilot, "size-0", "1.5G")
        assert '"." is not a valid unit' in error_of(app, "size-0")
        await submit_refused(pilot, backend, before)
        await type_into(pilot, "name", "db")
        await type_into(pilot, "port", "7100")
        await type_into(pilot, "peer-slots", "")
        await type_into(pilot, "size-0", "2G")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await type_into(pilot, "size-1", "500M")
        await type_into(pilot, "minor-1", "2000")
        await settle(pilot, lambda: "only the controller" in preview_text(app), "preview")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "db" in backend.model.rds, "rd created")
        rd = backend.model.rds["db"]
        assert rd.port == 7100
        # -m on a VD creates the RD's DRBD data: volume 0 gets a minor from the auto range
        assert {v.number: (v.size_kib, v.minor) for v in rd.volumes.values()} == \
            {0: (2 * GIB, 1000), 1: (500 * 1024, 2000)}


async def test_resource_form_manual_and_auto(backend: StoreBackend) -> None:
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "resource", rd="web")
        before = snapshot(backend)
        await type_into(pilot, "count", "0")
        assert "replicas must be an integer from 1 to 31" in error_of(app, "count")
        await type_into(pilot, "not-with-regex", "web(")
        assert "not a regular expression" in error_of(app, "not-with-regex")
        await submit_refused(pilot, backend, before)
        await type_into(pilot, "not-with-regex", "")
        await type_into(pilot, "count", "4")
        await settle(pilot, lambda: "Not enough available nodes" in preview_text(app),
                     "the placer's refusal in the preview")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "Not enough available nodes" in status_text(app),
                     "refusal shown")
        assert snapshot(backend) == before
        assert [ln.level for ln in backend.event_log] == ["error"]
        await type_into(pilot, "count", "2")
        await settle(pilot, lambda: "drbdadm primary --force web" in preview_text(app),
                     "preview of two replicas")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: len(backend.model.resources_of_rd("web")) == 3,
                     "two replicas and a tie-breaker")
    await backend.ops.rd_create("db")
    await backend.ops.vd_create("db", GIB)
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "resource", rd="db", mode="manual", node="bravo")
        before = snapshot(backend)
        await type_into(pilot, "node-id", "40")
        assert "node-id must be an integer from 0 to 31" in error_of(app, "node-id")
        await submit_refused(pilot, backend, before)
        await choose(pilot, "pool", "pool1")
        await type_into(pilot, "node-id", "5")
        await settle(pilot, lambda: "-n db_00000 vg0" in preview_text(app), "preview")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: ("DB", "BRAVO") in backend.model.resources, "created")
        r = backend.model.resources[("DB", "BRAVO")]
        assert (r.node_id, r.storage_pool) == (5, "pool1")


async def test_replica_forms(backend: StoreBackend) -> None:
    await backend.ops.rsc_create("web", ["alpha", "bravo"], storage_pool="pool1")
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "make-available", rd="web")
        # only charlie lacks a replica: it is preselected
        assert app.screen.query_one("#node-field").value == "charlie"
        await settle(pilot, lambda: "charlie:" in preview_text(app), "preview")
        assert "lvcreate" not in preview_text(app)  # a DRBD client: no LV
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: ("WEB", "CHARLIE") in backend.model.resources, "client")
        assert backend.model.resources[("WEB", "CHARLIE")].diskless
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "remove-replica", rd="web", node="bravo")
        await settle(pilot, lambda: "lvremove -f vg0/web_00000" in preview_text(app),
                     "preview")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "DELETE" in backend.model.resources[("WEB", "BRAVO")]
                     .flags, "marked for deletion")
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "add-replica", rd="web")
        before = snapshot(backend)
        await pilot.press("ctrl+s")  # no node to choose: refused, nothing sent
        await pilot.pause()
        assert "choose a node" in error_of(app, "node")
        assert snapshot(backend) == before


async def test_delete_needs_the_typed_name(backend: StoreBackend) -> None:
    await backend.ops.rsc_create("web", ["alpha"], storage_pool="pool1")
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "delete", what="resource-definition", rd="web")
        await settle(pilot, lambda: "alpha:" in preview_text(app), "preview before typing")
        assert "drbdadm down web" in preview_text(app)
        before = snapshot(backend)
        await type_into(pilot, "confirm", "wbe")
        assert "type 'web' to confirm" in error_of(app, "confirm")
        await submit_refused(pilot, backend, before)
        await type_into(pilot, "confirm", "web")
        await pilot.press("enter")
        await settle(pilot, lambda: "DELETE" in backend.model.rds["web"].flags, "deleted")


async def test_property_form_completes_and_checks_keys(backend: StoreBackend) -> None:
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "property", target="resource-definition", rd="web")
        before = snapshot(backend)
        await type_into(pilot, "key", "DrbdOptions/Net/protocoll")
        assert "not a drbd.conf net option" in error_of(app, "key")
        await type_into(pilot, "key", "PeerSlotsNew")
        await pilot.press("right")  # accept the suggestion
        await pilot.pause()
        assert app.screen.query_one("#key").value == "PeerSlotsNewResource"
        await type_into(pilot, "value", "99")
        assert "from 1 to 31" in error_of(app, "value")
        await submit_refused(pilot, backend, before)
        await type_into(pilot, "key", "DrbdOptions/Net/proto")
        await pilot.press("right")
        await type_into(pilot, "value", "C")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: backend.model.rds["web"].props.get(
            "DrbdOptions/Net/protocol") == "C", "property set")
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "property", target="controller", action="delete",
                     key="DrbdOptions/Net/protocol")
        assert not app.screen.query_one("#value-field").display
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: not hasattr(app.screen, "steps"), "closed")


async def test_escape_cancels_and_readonly_refuses(backend: StoreBackend) -> None:
    app = FormHost(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        before = snapshot(backend)
        for kind in KINDS:
            ctx = {"what": "resource-definition", "rd": "web"} if kind == "delete" else {}
            await opened(pilot, kind, **ctx)
            assert hasattr(app.screen, "steps"), kind
            await pilot.press("escape")
            await pilot.pause()
            assert not hasattr(app.screen, "steps"), kind
        assert snapshot(backend) == before
    ro = FormHost(backend, readonly=True)
    async with ro.run_test(size=(80, 24), notifications=True) as pilot:
        open_form(ro, "resource-definition")
        await pilot.pause()
        assert not hasattr(ro.screen, "steps")
        assert any("read-only" in n.message for n in ro._notifications)
    with pytest.raises(ValueError, match="unknown form"):
        open_form(app, "nonsense")
    with pytest.raises(ValueError, match="needs node"):
        open_form(app, "delete", what="node")


async def test_remote_backend_says_no_preview(backend: StoreBackend) -> None:
    class Remote:
        ops = backend.ops
        model = backend.model
        event_log: ClassVar[list] = []
        readonly = False

    app = FormHost(Remote())
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "resource-definition", name="x1", size="1G")
        await settle(pilot, lambda: "Preview not available" in preview_text(app),
                     "remote notice")


async def test_in_the_console_app_keys_do_not_leak_out_of_a_form(fixed_backend) -> None:
    """DrbdeckApp's one-letter keys stay off while a form is up (a focused choice list
    must not open a second form), and the preview runs on the console's backend."""
    from drbdeck.tui.app import DrbdeckApp

    app = DrbdeckApp(fixed_backend)
    async with app.run_test(size=(100, 40)) as pilot:
        app.open_form("resource", rd="web", mode="manual")
        await settle(pilot, lambda: getattr(app.screen, "form_ready", False), "form")
        form = app.screen
        form.query_one("#rd").focus()
        await pilot.press("d", "n", "s")
        await pilot.pause()
        assert app.screen is form
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is not form, "closed")


async def test_property_targets_and_make_available_without_a_choice(
        backend: StoreBackend) -> None:
    await backend.ops.rsc_create("web", ["alpha", "bravo", "charlie"], storage_pool="pool1")
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "property", target="volume-definition", rd="web")
        before = snapshot(backend)
        await type_into(pilot, "volume", "x")
        assert "volume number must be an integer from 0 to 65534" in error_of(app, "volume")
        await type_into(pilot, "key", "PeerSlotsNewResource")
        assert "not allowed on this object" in error_of(app, "key")
        await submit_refused(pilot, backend, before)
        await type_into(pilot, "volume", "0")
        await type_into(pilot, "key", "Aux/owner")
        await type_into(pilot, "value", "ops team")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: backend.model.rds["web"].volumes[0].props.get(
            "Aux/owner") == "ops team", "vd property")
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "property", target="node", node="bravo", key="Aux/rack",
                     value="r1")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: backend.model.nodes["bravo"].props.get("Aux/rack")
                     == "r1", "node property")
    app = FormHost(backend)
    async with app.run_test(size=(100, 40)) as pilot:
        await opened(pilot, "make-available", rd="web")  # every node holds a replica
        before = snapshot(backend)
        await submit_refused(pilot, backend, before)
        assert "choose a node" in error_of(app, "node")


async def test_a_failing_transport_is_an_answer_not_a_crash(backend: StoreBackend) -> None:
    class Broken:
        def __getattr__(self, name: str):
            async def call(*_a, **_k):
                raise ConnectionError("controller went away")
            return call

    class Remote:
        ops = Broken()
        model = backend.model
        readonly = False

        def __init__(self) -> None:
            self.event_log: list = []

    remote = Remote()
    app = FormHost(remote)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await opened(pilot, "resource-definition", name="x1", size="1G")
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: "controller went away" in status_text(app), "error")
        assert hasattr(app.screen, "steps")  # the form stays open to try again
        assert [ln.level for ln in remote.event_log] == ["error"]
        assert any("failed" in (n.title or "") for n in app._notifications)
        assert "x1" not in backend.model.rds


async def test_f1_explains_the_form_and_the_focused_field(backend: StoreBackend) -> None:
    app = FormHost(backend)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await opened(pilot, "resource-definition")
        await type_into(pilot, "size-0", "")
        await pilot.press("f1")
        await pilot.pause()
        text = "\n".join(n.message for n in app._notifications)
        assert "volume definitions" in text and "ctrl+n add volume" in text
        assert "Volume 0 size: 10G" in text
