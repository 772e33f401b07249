"""diff() as a pure function: decisions without a node."""

from __future__ import annotations

import pytest

from drbdeck.backend import mdsize
from drbdeck.backend.reconcile import DesiredError, NodeDesired, diff, validate
from drbdeck.backend.reconcile.observe import (
    NodeActual,
    RunningResource,
    RunningVolume,
    parse_status_json,
)
from drbdeck.backend.reconcile.plan import body_of, sha256
from drbdeck.backend.resfile import render
from drbdeck.collectors.lvm import LvInfo
from tests.reconcile.world import per_node, resource

NODES = {n: {"address": f"10.0.0.{i + 1}"} for i, n in enumerate(["alpha", "bravo", "charlie"])}


def desired(thin: bool = False) -> NodeDesired:
    return per_node(resource(NODES, "r1", 7000, 1000, ["alpha", "bravo"], ["charlie"],
                             thin=thin, initial_on="alpha"))["alpha"]


def lv(name: str, kib: int) -> LvInfo:
    return LvInfo("vg0", name, kib, "-wi-a-----", "", None, None)


def need() -> int:
    return mdsize.round_up(mdsize.gross_from_net(32 * 1024, 7), 4096)


def settled(d: NodeDesired) -> NodeActual:
    text = render(d.resources["r1"].config, "alpha")
    return NodeActual(extent_kib={"vg0": 4096}, lvs={("vg0", "r1_00000"): lv("r1_00000", need())},
                      files={"r1.res"}, hashes={"r1": sha256(text)}, include_present=True,
                      running={"r1": RunningResource("r1", "Secondary",
                                                     {0: RunningVolume("UpToDate")})})


def test_empty_node_gets_everything() -> None:
    d = desired()
    p = diff(d, NodeActual(extent_kib={"vg0": 4096}))
    rp = p.resources["r1"]
    assert p.write_include
    assert rp.lvcreate == [["lvcreate", "--yes", "-L", f"{d.resources['r1'].volumes[0].gross_kib}k",
                            "-n", "r1_00000", "vg0"]]
    assert rp.create_md == [0] and rp.write and rp.adjust and rp.initial == "force-primary"


def test_thin_lvcreate_and_clear_bitmap() -> None:
    p = diff(desired(thin=True), NodeActual(extent_kib={"vg0": 4096}))
    rp = p.resources["r1"]
    assert rp.lvcreate[0][:5] == ["lvcreate", "--yes", "-V", rp.lvcreate[0][3], "-T"]
    assert rp.lvcreate[0][5] == "vg0/thin0"
    assert rp.initial == "clear-bitmap"


def test_settled_node_needs_nothing_and_full_sync_adjusts() -> None:
    d = desired()
    assert not diff(d, settled(d)).changes
    p = diff(d, settled(d), full_sync=True)
    assert p.resources["r1"].adjust and not p.resources["r1"].write


def test_a_failed_resource_is_adjusted_again() -> None:
    """A run whose adjust failed left the file in place: without ``again`` the next plan
    would see nothing to do and the node would never get the change."""
    d = desired()
    again = diff(d, settled(d), again={"r1"})
    assert again.resources["r1"].adjust and again.resources["r1"].write is None
    assert not diff(d, settled(d), again={"other"}).changes


def test_header_only_difference_is_not_rewritten() -> None:
    d = desired()
    a = settled(d)
    text = render(d.resources["r1"].config, "alpha")
    old = text.replace("do not edit manually.", "do not edit manually. 2024-01-01 12:00")
    a.hashes["r1"] = sha256(old)
    assert diff(d, a).resources["r1"].write == text  # without the content: rewrite
    assert diff(d, a, contents={"r1": old}).resources["r1"].write is None
    assert body_of(old) == body_of(text)


def test_lv_too_small_or_larger() -> None:
    d = desired()
    a = settled(d)
    a.lvs[("vg0", "r1_00000")] = lv("r1_00000", need() - 4096)
    assert "smaller" in (diff(d, a).resources["r1"].error or "")
    a.lvs[("vg0", "r1_00000")] = lv("r1_00000", need() + 4096)
    err = diff(d, a).resources["r1"].error or ""
    assert "AllowLargerVolumeSize" in err
    d.resources["r1"].volumes[0].allow_larger = True
    assert diff(d, a).resources["r1"].error is None


def test_extent_rounding_is_not_larger() -> None:
    d = desired()
    d.resources["r1"].volumes[0].gross_kib = need() - 100  # lvcreate rounded it up
    assert diff(d, settled(d)).resources["r1"].error is None


def test_missing_vg_and_unattached_backing_file() -> None:
    d = desired()
    assert "does not exist" in (diff(d, NodeActual()).resources["r1"].error or "")
    v = d.resources["r1"].volumes[0]
    v.provider, v.directory = "FILE", "/srv/pool"
    assert "/srv/pool/r1_00000.img is not attached to a loop device" in (
        diff(d, NodeActual()).resources["r1"].error or "")


def test_delete_and_unknown_files() -> None:
    d = desired()
    a = settled(d)
    a.files |= {"stale.res", "half.res.tmp", "notes.txt"}
    p = diff(d, a, full_sync=True)
    assert p.remove_files == ["/var/lib/drbdeck.d/half.res.tmp", "/var/lib/drbdeck.d/stale.res"]
    assert diff(d, a).remove_files == []  # only a full sync removes files
    d.resources["r1"].deleting = True
    rp = diff(d, a).resources["r1"]
    assert rp.delete == [["drbdadm", "down", "r1"], ["rm", "-f", "/var/lib/drbdeck.d/r1.res"],
                         ["lvremove", "-f", "vg0/r1_00000"]]
    assert "/var/lib/drbdeck.d/r1.res" not in diff(d, a, full_sync=True).remove_files
    assert not diff(d, NodeActual(include_present=True)).changes


def test_initial_only_while_fresh() -> None:
    d = desired()
    a = settled(d)
    a.running["r1"].volumes[0] = RunningVolume("Inconsistent")
    assert diff(d, a).resources["r1"].initial == "force-primary"
    a.running["r1"].volumes[0] = RunningVolume("UpToDate")
    assert diff(d, a).resources["r1"].initial is None


def test_detached_disk_is_adjusted() -> None:
    d = desired()
    a = settled(d)
    a.running["r1"].volumes[0] = RunningVolume("Diskless")
    assert diff(d, a).resources["r1"].adjust


def test_status_json_with_nan() -> None:
    text = ('[{"name": "r1", "role": "Secondary", "devices": [{"volume": 0, '
            '"disk-state": "Inconsistent"}], "connections": [{"name": "bravo", '
            '"peer_devices": [{"volume": 0, "peer-disk-state": "UpToDate", '
            '"percent-in-sync": nan}]}]}]')
    r = parse_status_json(text)["r1"]
    assert r.volumes[0].disk == "Inconsistent" and r.peer_disks["bravo"][0] == "UpToDate"


@pytest.mark.parametrize("mutate, words", [
    (lambda d: setattr(d, "node", "a;rm -rf /"), "node"),
    (lambda d: setattr(d.resources["r1"].volumes[0], "vg", "vg0 --force"), "vg"),
    (lambda d: setattr(d.resources["r1"].volumes[0], "lv_name", "-x"), "lv_name"),
    (lambda d: setattr(d.resources["r1"].volumes[0], "gross_kib", 0), "gross_kib"),
    (lambda d: setattr(d.resources["r1"].volumes[0], "minor", -1), "minor"),
    (lambda d: setattr(d.resources["r1"], "max_peers", 32), "max_peers"),
    (lambda d: setattr(d.resources["r1"], "initial", "yes"), "initial"),
    (lambda d: setattr(d.resources["r1"], "name", "r1;x"), "name"),
])
def test_bad_desired_records(mutate, words: str) -> None:
    d = desired()
    mutate(d)
    with pytest.raises(DesiredError, match=words):
        validate(d)
