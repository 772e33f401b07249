"""The all-at-once check configuration works with the real drbdadm, and catches a
conflict between two candidate files that a one-file test would miss."""

from __future__ import annotations

from pathlib import Path

from drbdeck.backend.reconcile.plan import check_conf_text
from drbdeck.backend.resfile import render
from tests.drbdtools import drbdadm
from tests.reconcile.world import per_node, resource

NODES = {n: {"address": f"10.0.0.{i + 1}"} for i, n in enumerate(["alpha", "bravo"])}


def write(tmp: Path, minors: tuple[int, int]) -> Path:
    paths = []
    for i, minor in enumerate(minors):
        r = per_node(resource(NODES, f"r{i}", 7000 + i, minor, ["alpha", "bravo"], []))
        p = tmp / f"r{i}.res.tmp"
        p.write_text(render(r["alpha"].resources[f"r{i}"].config, "alpha"))
        paths.append(str(p))
    conf = tmp / "check.conf"
    conf.write_text(check_conf_text(paths))
    return conf


def test_real_drbdadm_accepts_good_set(tmp_path: Path) -> None:
    res = drbdadm(["sh-nop"], write(tmp_path, (1000, 1001)), node="alpha")
    assert res.rc == 0, res.err


def test_real_drbdadm_refuses_minor_conflict(tmp_path: Path) -> None:
    res = drbdadm(["sh-nop"], write(tmp_path, (1000, 1000)), node="alpha")
    assert res.rc != 0
    assert "minor" in res.err or "1000" in res.err, res.err
