"""Every refusal of ``adopt``, each with what to do instead, and each leaving the running
resource and drbdeck exactly as they were; plus a failure part-way that is rolled back."""

from __future__ import annotations

from pathlib import Path

import pytest

from drbdeck.backend.adopt import adopt
from drbdeck.backend.adopt import execute as execute_mod
from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.emulator.handmade import HandmadeSpec, HandmadeVolume
from tests.adopt.world import adopt_world

N2 = ["eagle", "rabbit"]


def _spec(**kw) -> HandmadeSpec:  # type: ignore[no-untyped-def]
    vol = kw.pop("vol", {})
    return HandmadeSpec(volumes=[HandmadeVolume(size_mib=100, **vol)], **kw)


CASES = {
    "external-metadata": (_spec(vol={"external_md": True}), {}),
    "lv-names-differ": (_spec(vol={"lv_per_node": {"rabbit": "legacy_r"}}), {}),
    "name-rules": (_spec(name="legacy.old"), {}),
    "net-size": (_spec(vol={"size_sectors": 200001}), {}),
    "not-healthy": (_spec(state="disconnected"), {}),
    "not-healthy-detached": (_spec(state="detached"), {}),
    "lv-larger": (_spec(vol={"size_per_node": {"rabbit": 104}}), {}),
    "options": (_spec(net={"cram-hmac-alg": "sha1", "shared-secret": "has space"}), {}),
}


@pytest.mark.parametrize("kind", list(CASES))
async def test_refusal(tmp_path: Path, kind: str) -> None:
    spec, kw = CASES[kind]
    async with adopt_world(tmp_path, N2, [spec]) as w:
        before = w.cluster.resource_facts(spec.name)
        res = await adopt(w.rt, N2, spec.name, **kw)
        assert res.refusal is not None, res
        assert res.refusal.kind == kind.removesuffix("-detached"), res.refusal
        assert res.refusal.instead
        if kind == "name-rules":
            assert "disconnect" in res.refusal.instead
        assert spec.name not in w.rt.model.rds
        assert not w.rt.model.pools_of_node("eagle") or all(
            p.name == "DfltDisklessStorPool" for p in w.rt.model.pools_of_node("eagle"))
        for n in N2:
            node = w.cluster.node(n)
            assert node.fs.exists(spec.path)
            assert not node.fs.exists(f"{RES_DIR}/{spec.name}.res")
        assert w.cluster.resource_facts(spec.name) == before
        if kind == "not-healthy":  # --force takes it as it is
            ok = await adopt(w.rt, N2, spec.name, force=True)
            assert ok.ok, ok
        if kind == "lv-larger":
            ok = await adopt(w.rt, N2, spec.name, allow_larger=True)
            assert ok.ok, ok
            vd = w.rt.model.rds[spec.name].volumes[10]
            assert vd.props["AllowLargerVolumeSize"] == "true"
            assert w.cluster.resource_facts(spec.name) == before


async def test_port_and_minor_in_use(tmp_path: Path) -> None:
    async with adopt_world(tmp_path, N2, [_spec()]) as w:
        await w.ok("storage-pool", "create", "lvm", "eagle", "fatpool", "datastore")
        await w.ok("resource-definition", "create", "other", "-p", "15500")
        await w.ok("volume-definition", "create", "other", "-m", "9100", "8M")
        res = await adopt(w.rt, N2, "legacy")
        assert res.refusal is not None and res.refusal.kind == "minor-in-use", res
        await w.ok("resource-definition", "delete", "other")
        await w.ok("resource-definition", "create", "other", "-p", "15500")
        await w.ok("volume-definition", "create", "other", "-m", "9999", "8M")
        await w.ok("resource", "create", "eagle", "other", "-s", "fatpool")
        res = await adopt(w.rt, N2, "legacy")
        assert res.refusal is not None and res.refusal.kind == "port-in-use", res
        assert "legacy" not in w.rt.model.rds


async def test_unknown_node_and_missing_peer(tmp_path: Path) -> None:
    async with adopt_world(tmp_path, N2, [_spec()]) as w:
        res = await adopt(w.rt, ["eagle"], "legacy")
        assert res.refusal is not None and res.refusal.kind == "not-running", res
        assert "rabbit" in res.refusal.instead
        res = await adopt(w.rt, ["eagle", "hawk"], "legacy")
        assert res.refusal is not None and res.refusal.kind == "unknown-node", res


@pytest.mark.parametrize("step", ["moves", "transaction", "apply"])
async def test_rollback(tmp_path: Path, step: str) -> None:
    async with adopt_world(tmp_path, N2, [_spec()]) as w:
        before = w.cluster.resource_facts("legacy")
        texts = {n: w.cluster.node(n).fs.read_bytes("/etc/drbd.d/legacy.res") for n in N2}
        res = await adopt(w.rt, N2, "legacy", fail_at=step)
        assert not res.ok and res.error and res.rolled_back is True, res
        assert "legacy" not in w.rt.model.rds
        assert not w.rt.model.resources_of_rd("legacy")
        assert not [p for n in N2 for p in w.rt.model.pools_of_node(n)
                    if p.name == "datastore"]
        for n in N2:
            node = w.cluster.node(n)
            assert node.fs.read_bytes("/etc/drbd.d/legacy.res") == texts[n]
            assert not node.fs.exists("/etc/drbd.d/legacy.res.drbdeck-adopted")
            assert not node.fs.exists(f"{RES_DIR}/legacy.res")
            res_k = node.drbd.resources["legacy"]
            assert [c.cstate for c in res_k.connections.values()] == ["Connected"]
        assert w.cluster.resource_facts("legacy") == before
        again = await adopt(w.rt, N2, "legacy")  # the undo left nothing in the way
        assert again.ok, again
        assert w.cluster.resource_facts("legacy") == before


async def test_node_failure_part_way_is_rolled_back(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A real failure: once its file is moved aside, rabbit's drbdadm can no longer read
    its configuration (an admin's broken file appears), so rabbit's apply fails while
    eagle's goes through; everything is undone and the resource runs on untouched."""
    async with adopt_world(tmp_path, N2, [_spec()]) as w:
        before = w.cluster.resource_facts("legacy")
        real_move = execute_mod._move

        async def move(rt, m, back=False):  # type: ignore[no-untyped-def]
            await real_move(rt, m, back)
            if m.node == "rabbit" and not back:
                w.cluster.node("rabbit").fs.write_bytes("/etc/drbd.d/broken.res",
                                                        b"resource {\n")
        monkeypatch.setattr(execute_mod, "_move", move)
        res = await adopt(w.rt, N2, "legacy", timeout=10)
        assert not res.ok and res.rolled_back is True, res
        assert "rabbit" in (res.error or ""), res
        for n in N2:
            node = w.cluster.node(n)
            assert node.fs.exists("/etc/drbd.d/legacy.res")
            assert not node.fs.exists(f"{RES_DIR}/legacy.res")
        assert "legacy" not in w.rt.model.rds
        assert w.cluster.resource_facts("legacy") == before
        # the broken file is also reported clearly when adopting again
        res = await adopt(w.rt, N2, "legacy")
        assert res.refusal is not None and "broken.res" in res.refusal.reason, res
