"""Storage pool delete / set-property, SPD delete, resource-group spawn and delete, and the
DRBD secret of ``rd c`` — over REST with the drbdeck CLI and python-linstor 1.29.1.

Each refusal is checked to change nothing (store rows and the in-memory model)."""

from __future__ import annotations

import json

import pytest

from drbdeck.backend.controller import apicall as rc
from tests.conftest import require_module
from tests.rest.conftest import Server
from tests.rest.test_autoplace_rest import _cluster, _layout
from tests.rest.test_bad_requests import request, snapshot
from tests.rest.test_cli_against_rest import ok, run

linstor = require_module("linstor")

SECRET = "Zq8-secret_value.42"


def _refused(server: Server, *words: str, text: str) -> str:
    before = snapshot(server)
    code, out, err = run(server, *words)
    assert code != 0, out
    assert text in out + err, out + err
    assert "Traceback" not in out + err
    assert snapshot(server) == before
    return out + err


def test_storage_pool_delete_refused_while_used(server: Server) -> None:
    _cluster(server)
    ok(server, "r", "c", "alpha", "r0", "-s", "pool1")
    _refused(server, "sp", "d", "alpha", "pool1", text="volumes are still using it")
    ok(server, "r", "d", "alpha", "r0")
    # the replica is flagged DELETE until the node confirms: still in use
    _refused(server, "sp", "d", "alpha", "pool1", text="still using it")
    server.call(server.ops.confirm_deleted("r0", "alpha"))
    out = ok(server, "sp", "d", "alpha", "pool1")
    assert "deleted" in out
    assert ("ALPHA", "POOL1") not in server.ops.model.pools
    status, data, _ = request(server, "DELETE", "/v1/nodes/alpha/storage-pools/pool1")
    assert status == 200 and "not found" in data[0]["message"]  # a warning, as LINSTOR
    # a diskless replica does not hold a pool
    status, data, _ = request(server, "DELETE", "/v1/nodes/beta/storage-pools/"
                              "DfltDisklessStorPool")
    assert status == 200, data


def test_storage_pool_set_property(server: Server) -> None:
    _cluster(server)
    ok(server, "sp", "sp", "alpha", "pool1", "Aux/rack", "r7")
    assert server.ops.model.pool("alpha", "pool1").props["Aux/rack"] == "r7"
    ok(server, "sp", "sp", "alpha", "pool1", "Aux/rack")
    assert "Aux/rack" not in server.ops.model.pool("alpha", "pool1").props
    _refused(server, "sp", "sp", "alpha", "pool1", "NoSuchKey", "1", text="NoSuchKey")
    ok(server, "sp", "sp", "beta", "pool1", "StorDriver/StorPoolName", "vg1")
    beta = server.ops.model.pool("beta", "pool1")
    assert beta.backing == "vg1" and beta.free_kib is None  # re-measured by the node
    ok(server, "r", "c", "alpha", "r0", "-s", "pool1")
    _refused(server, "sp", "sp", "alpha", "pool1", "StorDriver/StorPoolName", "vg9",
             text="cannot change while volumes use the pool")
    _refused(server, "sp", "sp", "gamma", "pool1", "StorDriver/StorPoolName",
             text="cannot be deleted")
    _refused(server, "sp", "sp", "alpha", "ghost", "Aux/x", "1", text="not found")


def test_storage_pool_definition_delete(server: Server) -> None:
    _cluster(server)
    ok(server, "spd", "c", "spare")
    _refused(server, "spd", "d", "pool1", text="still used by storage pools on: alpha")
    ok(server, "spd", "d", "spare")
    assert "spare" not in server.ops.model.spds


def test_rg_spawn_with_python_linstor_and_cli(server: Server) -> None:
    _cluster(server)
    ok(server, "rg", "c", "web", "--place-count", "3", "--storage-pool", "pool1")
    with linstor.Linstor(server.url) as lin:
        replies = lin.resource_group_spawn("web", "site1", [1024 * 1024])
        assert not [r for r in replies if r.is_error()], [str(r) for r in replies]
    m = server.ops.model
    rd = m.rd("site1")
    assert rd.resource_group == "web" and [v.size_kib for v in rd.volumes.values()] == \
        [1024 * 1024]
    assert _layout(server, "site1") == {"alpha": False, "beta": False, "gamma": False}
    assert all(r.storage_pool == "pool1" for r in m.resources_of_rd("site1"))

    out = ok(server, "rg", "spawn", "web", "site2", "1G", "2G", "--definitions-only")
    assert "site2" in out
    assert sorted(v.size_kib for v in m.rd("site2").volumes.values()) == \
        [1024 * 1024, 2 * 1024 * 1024]
    assert _layout(server, "site2") == {}

    # not enough nodes: nothing of the spawn is left behind
    ok(server, "rg", "c", "big", "--place-count", "4")
    _refused(server, "rg", "spawn", "big", "site3", "1G", text="Not enough available nodes")
    assert "site3" not in m.rds
    _refused(server, "rg", "spawn", "web", "site4", text="No volume size given")
    _refused(server, "rg", "spawn", "ghost", "site5", "1G", text="not found")
    _refused(server, "rg", "spawn", "web", "site1", "1G", text="already exists")
    _refused(server, "rg", "spawn", "web", "a;rm -rf /", "1G", text="Invalid resource name")
    status, data, _ = request(server, "POST", "/v1/resource-groups/web/spawn",
                              {"resource_definition_name": "x1", "volume_sizes": [-5]})
    assert status == 400 and "volume_sizes" in data[0]["message"]


def test_rg_delete(server: Server) -> None:
    _cluster(server)
    ok(server, "rg", "c", "web")
    ok(server, "rg", "spawn", "web", "site1", "1G", "--definitions-only")
    _refused(server, "rg", "d", "web", text="still used by resource definitions: site1")
    _refused(server, "rg", "d", "DfltRscGrp", text="cannot be deleted")
    ok(server, "rd", "d", "site1")
    ok(server, "rg", "d", "web")
    assert "web" not in server.ops.model.rgs


def test_drbd_secret_stored_never_listed(server: Server) -> None:
    status, data, _ = request(server, "POST", "/v1/resource-definitions",
                              {"resource_definition": {"name": "s1"}, "drbd_secret": SECRET})
    assert status == 201, data
    assert server.ops.model.rd("s1").secret == SECRET
    row = server.store._db.execute("SELECT data FROM objects WHERE kind='rd' AND key='S1'"
                                   ).fetchone()[0]
    assert json.loads(row)["secret"] == SECRET  # stored (the DB file is mode 0600)
    for path in ("/v1/resource-definitions", "/v1/resource-definitions/s1",
                 "/v1/resource-definitions?with_volume_definitions=true"):
        status, data, _ = request(server, "GET", path)
        assert status == 200 and SECRET not in json.dumps(data)
    assert SECRET not in ok(server, "-m", "rd", "l")
    before = snapshot(server)
    for bad in ("has space", "x" * 64, 'quo"te', ""):
        status, data, _ = request(server, "POST", "/v1/resource-definitions",
                                  {"resource_definition": {"name": "s2"}, "drbd_secret": bad})
        assert status >= 400, data
        assert "Invalid DRBD secret" in data[0]["message"]
        assert data[0]["ret_code"] == rc.to_signed(rc.FAIL_INVLD_CONF | rc.MASK_CRT
                                                   | rc.MASK_RSC_DFN)
        if bad:
            assert bad not in json.dumps(data)
    assert snapshot(server) == before


@pytest.mark.parametrize(("driver", "backing", "text"), [
    ("lvm", "vg;rm -rf /", "must be a volume group name"),
    ("lvm", "vg0/thin", "must be a volume group name"),
    ("lvmthin", "vg0", "'<vg>/<thinpool>'"),
    ("lvmthin", "vg0/-x", "'<vg>/<thinpool>'"),
    ("file", "relative/dir", "absolute directory"),
    ("file", "/srv/../etc", "without '..'"),
    ("filethin", "/srv/a b", "absolute directory"),
])
def test_hostile_or_wrong_backing_is_refused(server: Server, driver: str, backing: str,
                                             text: str) -> None:
    _cluster(server)
    _refused(server, "sp", "c", driver, "alpha", "pool9", backing, text=text)
    if backing != "vg0":  # a fine VG name for beta's LVM pool; the others are not
        _refused(server, "sp", "sp", "beta", "pool1", "StorDriver/StorPoolName", backing,
                 text=text if driver == "lvm" else "for LVM")


def test_rg_modify_and_set_property(server: Server) -> None:
    _cluster(server)
    ok(server, "rg", "c", "web")
    ok(server, "rg", "m", "web", "--place-count", "3", "-s", "pool1", "--description", "www")
    g = server.ops.model.rg("web")
    assert (g.place_count, g.storage_pools, g.description) == (3, ["pool1"], "www")
    ok(server, "rg", "sp", "web", "DrbdOptions/Net/max-buffers", "8000")
    ok(server, "rg", "sp", "web", "--aux", "team", "ops")
    assert g.props == {"DrbdOptions/Net/max-buffers": "8000", "Aux/team": "ops"}
    ok(server, "rg", "spawn", "web", "site1", "1G")
    assert len(_layout(server, "site1")) == 3
    from drbdeck.backend.runtime.desired_map import desired_for_node
    d = desired_for_node(server.ops.model, "alpha").resources["site1"]
    assert d.config.net["max-buffers"] == "8000"
    ok(server, "rg", "sp", "web", "DrbdOptions/Net/max-buffers")
    assert "DrbdOptions/Net/max-buffers" not in g.props
    _refused(server, "rg", "sp", "web", "NoSuch", "1", text="NoSuch")
    _refused(server, "rg", "sp", "web", "DrbdOptions/Net/max-buffers", "lots",
             text="Value is not a number")
    _refused(server, "rg", "sp", "ghost", "Aux/x", "1", text="not found")
    _refused(server, "rg", "m", "web", "-s", "a;b", text="Invalid storage pool name")
