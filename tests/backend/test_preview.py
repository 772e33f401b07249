"""backend/preview.py: an operation's per-node commands, computed on a real Store and
rolled back (nothing in the DB, nothing in memory)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from drbdeck.backend.controller import codec
from drbdeck.backend.controller.model import ClusterModel
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store
from drbdeck.backend.placement import PlaceRequest
from drbdeck.backend.preview import PreviewError, preview

GIB = 1024 * 1024
ONLINE = {"alpha", "bravo", "charlie"}


def _dump(model: ClusterModel) -> str:
    """Every object of the model, as the store would encode it."""
    rows = {f"{k}": codec.encode(v) for k, v in sorted(model.nodes.items())}
    rows.update({f"rd/{k}": codec.encode(v) for k, v in sorted(model.rds.items())})
    rows.update({f"rsc/{k}": codec.encode(v) for k, v in sorted(model.resources.items())})
    rows.update({f"pool/{k}": codec.encode(v) for k, v in sorted(model.pools.items())})
    rows.update({f"spd/{k}": codec.encode(v) for k, v in sorted(model.spds.items())})
    rows["ctrl"] = dict(model.controller_props)
    return json.dumps(rows, sort_keys=True, default=str)


def _db_rows(path: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(path)
    try:
        return sorted(db.execute("SELECT kind, key, data FROM objects").fetchall())
    finally:
        db.close()


@pytest.fixture
async def ops(tmp_path: Path) -> Operations:
    o = Operations(Store(tmp_path / "c.db"), is_connected=lambda n: n in ONLINE)
    for i, n in enumerate(["alpha", "bravo", "charlie"]):
        assert not _errors(await o.node_create(n, f"10.0.0.{i + 1}"))
        assert not _errors(await o.storage_pool_create(
            n, "pool1", "LVM", {"StorDriver/StorPoolName": "vg0"}))
        await o.pool_report(n, "pool1", free_kib=100 * GIB, total_kib=100 * GIB,
                            extent_kib=4096)
    assert not _errors(await o.rd_create("web"))
    assert not _errors(await o.vd_create("web", 10 * GIB))
    return o


def _errors(answers: list) -> list:
    return [a for a in answers if a.is_error()]


def _unchanged(ops: Operations, run) -> object:
    before, rows = _dump(ops.model), _db_rows(ops.store.path)
    out = run()
    assert _dump(ops.model) == before
    assert _db_rows(ops.store.path) == rows
    return out


async def test_manual_create_lists_each_nodes_commands(ops: Operations) -> None:
    p = _unchanged(ops, lambda: preview(ops.store, "rsc_create", "web", ["alpha", "bravo"],
                                        storage_pool="pool1"))
    assert p.ok, p.answers
    assert set(p.commands) == {"alpha", "bravo"}
    alpha = p.commands["alpha"]
    assert alpha[0].startswith("lvcreate --yes -L ") and alpha[0].endswith("-n web_00000 vg0")
    assert "write /var/lib/drbdeck.d/web.res" in alpha
    assert "drbdadm create-md --force --max-peers=7 web/0" in alpha
    assert "drbdadm adjust web" in alpha
    # the initial sync goes to the lowest node-id only
    assert alpha[-2:] == ["drbdadm primary --force web", "drbdadm secondary web"]
    assert not any("primary" in line for line in p.commands["bravo"])
    assert 'on "bravo"' in p.files["alpha"]["/var/lib/drbdeck.d/web.res"]
    assert not ops.model.resources_of_rd("web")


async def test_adding_a_replica_adjusts_the_peers(ops: Operations) -> None:
    assert not _errors(await ops.rsc_create("web", ["alpha", "bravo"], storage_pool="pool1"))
    p = _unchanged(ops, lambda: preview(ops.store, "rsc_create", "web", ["charlie"],
                                        storage_pool="pool1"))
    assert p.ok, p.answers
    assert p.commands["alpha"] == ["write /var/lib/drbdeck.d/web.res", "drbdadm adjust web"]
    assert p.commands["bravo"] == ["write /var/lib/drbdeck.d/web.res", "drbdadm adjust web"]
    assert "drbdadm create-md --force --max-peers=7 web/0" in p.commands["charlie"]
    # no second initial sync: alpha (node-id 0) already holds the data
    assert not any("primary" in c for c in p.commands["charlie"])


async def test_autoplace_and_delete(ops: Operations) -> None:
    p = _unchanged(ops, lambda: preview(ops.store, "autoplace", "web",
                                        PlaceRequest(place_count=3),
                                        is_online=lambda n: n in ONLINE))
    assert p.ok, p.answers
    assert sorted(p.commands) == ["alpha", "bravo", "charlie"]
    assert all(any(c.startswith("lvcreate") for c in cmds) for cmds in p.commands.values())
    assert not _errors(await ops.rsc_create("web", ["alpha", "bravo"], storage_pool="pool1"))
    d = _unchanged(ops, lambda: preview(ops.store, "rsc_delete", "web", "bravo"))
    assert d.ok
    assert d.commands["bravo"] == ["drbdadm down web", "rm -f /var/lib/drbdeck.d/web.res",
                                   "lvremove -f vg0/web_00000"]
    assert d.commands["alpha"] == ["write /var/lib/drbdeck.d/web.res", "drbdadm adjust web"]


async def test_refusals_come_back_as_answers(ops: Operations) -> None:
    p = _unchanged(ops, lambda: preview(ops.store, "autoplace", "web",
                                        PlaceRequest(place_count=4),
                                        is_online=lambda n: n in ONLINE))
    assert not p.ok and p.commands == {}
    assert "Not enough available nodes" in p.errors[0].message
    bad = _unchanged(ops, lambda: preview(ops.store, "rd_create", "a;b"))
    assert not bad.ok and "resource name" in bad.errors[0].message
    # refused after earlier steps changed memory (the second node is unknown)
    half = _unchanged(ops, lambda: preview(ops.store, "rsc_create", "web",
                                           ["alpha", "nosuch"], storage_pool="pool1"))
    assert not half.ok
    assert not ops.model.resources_of_rd("web")


async def test_definitions_only_and_model_argument(ops: Operations) -> None:
    p = preview(ops.store, "rd_create", "db", port=7100)
    assert p.ok and p.commands == {}
    assert "db" not in ops.model.rds
    # a plain model works too (no store): still nothing left behind
    before = _dump(ops.model)
    q = preview(ops.model, "node_create", "delta", "10.0.0.4")
    assert q.ok and q.commands == {"delta": ["write /etc/drbd.d/drbdeck-resources.res"]}
    assert _dump(ops.model) == before


def test_unknown_operation_and_bad_arguments(tmp_path: Path) -> None:
    store = Store(tmp_path / "x.db")
    with pytest.raises(PreviewError, match="cannot be previewed"):
        preview(store, "drop_everything")
    with pytest.raises(PreviewError, match="rd_create"):
        preview(store, "rd_create", "a", "b", "c")


async def test_steps_run_in_one_rolled_back_transaction(ops: Operations) -> None:
    from drbdeck.backend.preview import Step, preview_steps

    steps = [Step("rd_create", ("db",), {"port": 7100}), Step("vd_create", ("db", GIB)),
             Step("vd_create", ("db", 2 * GIB)),
             Step("rsc_create", ("db", ["alpha"]), {"storage_pool": "pool1"})]
    p = _unchanged(ops, lambda: preview_steps(ops.store, steps))
    assert p.ok, p.answers
    assert sum(c.startswith("lvcreate") for c in p.commands["alpha"]) == 2
    assert "db" not in ops.model.rds
    # the second VD asks for the first one's number: refused, later steps not run
    bad = [Step("rd_create", ("db",)), Step("vd_create", ("db", GIB), {"number": 0}),
           Step("vd_create", ("db", GIB), {"number": 0}),
           Step("rsc_create", ("db", ["alpha"]), {"storage_pool": "pool1"})]
    q = _unchanged(ops, lambda: preview_steps(ops.store, bad))
    assert not q.ok and q.commands == {}


async def test_roles_say_what_each_node_holds(ops: Operations) -> None:
    p = preview(ops.store, "autoplace", "web", PlaceRequest(place_count=2),
                is_online=lambda n: n in ONLINE)
    assert sorted(p.roles.values(), key=str) == sorted(
        [{"web": "diskful on pool1"}, {"web": "diskful on pool1"}, {"web": "tie-breaker"}],
        key=str)
    assert not ops.model.resources_of_rd("web")


async def test_a_change_for_every_resource_can_be_capped(ops: Operations) -> None:
    for name in ("a1", "a2", "a3"):
        await ops.rd_create(name)
        await ops.vd_create(name, GIB)
        await ops.rsc_create(name, ["alpha"], storage_pool="pool1")
    change = {"override": {"DrbdOptions/Net/max-buffers": "8000"}}
    full = _unchanged(ops, lambda: preview(ops.store, "controller_modify", **change))
    assert full.commands["alpha"][-1] == "drbdadm adjust a1 a2 a3"
    capped = preview(ops.store, "controller_modify", max_resources=2, **change)
    assert capped.commands["alpha"][-1] == "drbdadm adjust a1 a2"
    assert capped.left_out == {"alpha": 1}


async def test_live_events2_state_decides_what_runs(ops: Operations) -> None:
    from drbdeck.collectors.drbdstate import DrbdState

    assert not _errors(await ops.rsc_create("web", ["alpha", "bravo"], storage_pool="pool1"))
    alpha, bravo = DrbdState(node="alpha"), DrbdState(node="bravo")
    alpha.feed_many(["exists resource name:web role:Primary suspended:no",
                     "exists device name:web volume:0 minor:1000 disk:UpToDate client:no",
                     "exists -"])
    bravo.feed_many(["exists -"])  # bravo runs nothing (yet)
    assert alpha.initial_done and bravo.initial_done
    p = preview(ops.store, "rsc_delete", "web", "alpha", initial_done={"WEB/0"},
                states={"alpha": alpha, "bravo": bravo})
    assert p.commands["alpha"][0] == "drbdadm down web"
    # bravo is not running web: its existing LV's metadata is checked, then it comes up
    assert p.commands["bravo"] == [
        "write /var/lib/drbdeck.d/web.res",
        "drbdmeta --force 1000 v09 /dev/vg0/web_00000 internal dstate",
        "drbdadm adjust web"]
    q = preview(ops.store, "rsc_delete", "web", "alpha",
                states={"alpha": DrbdState(node="alpha")})  # no dump yet: as converged
    assert q.commands["alpha"][0] == "drbdadm down web"
