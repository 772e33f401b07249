"""Pure parts of adoption: the reconciler's hold for hand-made resources, the emulator's
``--handmade`` option, the REST route without a runtime."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.reconcile.desired import DesiredResource, DesiredVolume, NodeDesired
from drbdeck.backend.reconcile.observe import NodeActual, RunningResource, RunningVolume
from drbdeck.backend.reconcile.plan import diff
from drbdeck.backend.resconfig import Address, HostConfig, ResourceConfig
from drbdeck.backend.rest import create_app
from drbdeck.config import Config
from drbdeck.emulator import cli as emu_cli


def _desired(hosts: list[str]) -> NodeDesired:
    rc = ResourceConfig("legacy")
    for i, h in enumerate(hosts):
        rc.hosts[h] = HostConfig(h, node_id=4 + 4 * i,
                                 address=Address("ipv4", f"10.0.0.{i + 1}", 15500))
    vol = DesiredVolume(10, 9100, vg="datastore", lv_name="legacy", gross_kib=1372160)
    return NodeDesired("eagle", {"legacy": DesiredResource("legacy", rc, [vol], 4)})


def _actual(files: set[str]) -> NodeActual:
    run = RunningResource("legacy", "Secondary", {10: RunningVolume("UpToDate")},
                          {"rabbit": {10: "UpToDate"}})
    return NodeActual(extent_kib={"datastore": 4096}, files=files, include_present=True,
                      running={"legacy": run})


def test_hand_made_resource_is_held_until_its_peers_are_defined() -> None:
    plan = diff(_desired(["eagle"]), _actual(set()))
    rp = plan.resources["legacy"]
    assert rp.error is not None and "rabbit" in rp.error and "disconnect" in rp.error
    assert rp.write is None and not rp.adjust
    plan = diff(_desired(["eagle", "rabbit"]), _actual(set()))
    assert plan.resources["legacy"].error is None
    assert plan.resources["legacy"].write is not None
    # a resource of ours (our file exists) is never held: removing a peer is intended
    plan = diff(_desired(["eagle"]), _actual({"legacy.res"}))
    assert plan.resources["legacy"].error is None


def test_emulator_handmade_option_errors(capsys) -> None:  # type: ignore[no-untyped-def]
    assert emu_cli.main(["--nodes", "eagle", "--handmade", "legacy"], Config()) == 2
    assert "--handmade: needs at least two nodes" in capsys.readouterr().err
    assert emu_cli.main(["--nodes", "a1,b1", "--handmade", "bad name"], Config()) == 2
    assert "--handmade: 'bad name'" in capsys.readouterr().err


async def test_rest_route_without_runtime(tmp_path: Path) -> None:
    ops = Operations(Store(tmp_path / "db.sqlite"))
    async with TestClient(TestServer(create_app(ops))) as client:
        r = await client.post("/v1/drbdeck/adopt",
                              json={"resource": "legacy", "nodes": ["eagle"]})
        assert r.status == 501
        assert "Adoption" in (await r.json())[0]["message"]
        r = await client.post("/v1/drbdeck/adopt", data=b"[1]")
        assert r.status == 400
    ops.store.close()
