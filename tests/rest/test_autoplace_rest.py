"""Auto-place and make-available over REST: python-linstor 1.29.1 and the drbdeck CLI
(``r c RSC --auto-place N``, ``r mkavail NODE RSC``) against the real server."""

from __future__ import annotations

from tests.conftest import require_module
from tests.rest.conftest import Server
from tests.rest.test_cli_against_rest import ok, run

linstor = require_module("linstor")

GIB = 1024 * 1024
FREE = {"alpha": 100 * GIB, "beta": 50 * GIB, "gamma": 80 * GIB}


def _cluster(server: Server) -> None:
    """Three online nodes with reported capacity (the test server has no node layer)."""
    server.ops.is_connected = lambda node: True
    for i, (name, free) in enumerate(FREE.items()):
        ok(server, "n", "c", name, f"10.0.0.{i + 1}")
        ok(server, "sp", "c", "lvm", name, "pool1", "vg0")
        server.call(server.ops.pool_report(name, "pool1", free_kib=free,
                                           total_kib=200 * GIB, extent_kib=4096))
    ok(server, "rd", "c", "r0")
    ok(server, "vd", "c", "r0", "10G")


def _layout(server: Server, rd: str) -> dict[str, bool]:
    """node → diskless?"""
    return {r.node: r.diskless for r in server.ops.model.resources_of_rd(rd)}


def test_python_linstor_auto_place(server: Server) -> None:
    _cluster(server)
    with linstor.Linstor(server.url) as lin:
        replies = lin.resource_auto_place("r0", 2)
        assert not [r for r in replies if r.is_error()], [str(r) for r in replies]
        assert _layout(server, "r0") == {"alpha": False, "gamma": False, "beta": True}
        rscs = lin.resource_list_raise(filter_by_resources=["r0"]).resources
        assert sorted(r.node_name for r in rscs) == ["alpha", "beta", "gamma"]
        again = lin.resource_auto_place("r0", 2)
        assert [r.is_warning() for r in again] == [True]
        too_many = lin.resource_auto_place("r0", 5)
        assert too_many[0].is_error() and too_many[0].message == "Not enough available nodes"
        ok(server, "rd", "c", "r1")
        ok(server, "vd", "c", "r1", "1G")
        ok(server, "r", "c", "alpha", "r1", "-s", "pool1")
        made = lin.resource_make_available("beta", "r1")
        assert not [r for r in made if r.is_error()]
        assert _layout(server, "r1") == {"alpha": False, "beta": True}


def test_cli_auto_place_and_mkavail(server: Server) -> None:
    _cluster(server)
    out = ok(server, "r", "c", "r0", "--auto-place", "2")
    assert "SUCCESS" in out and "Tie breaker" in out
    assert _layout(server, "r0") == {"alpha": False, "gamma": False, "beta": True}
    code, out, err = run(server, "r", "c", "r0", "--auto-place", "4")
    assert code == 10 and "Not enough available nodes" in out + err
    assert len(_layout(server, "r0")) == 3
    ok(server, "rd", "c", "r1")
    ok(server, "vd", "c", "r1", "1G")
    ok(server, "r", "c", "r1", "--auto-place", "1", "-s", "pool1")
    assert _layout(server, "r1") == {"alpha": False}
    ok(server, "r", "mkavail", "gamma", "r1")
    assert _layout(server, "r1") == {"alpha": False, "gamma": True}
    out = ok(server, "r", "mkavail", "gamma", "r1")
    assert "already available" in out
    assert len(_layout(server, "r1")) == 2
