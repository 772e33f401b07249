"""The hand-made files the emulator installs are ones the REAL drbdadm accepts, and what
adoption reads from ``drbdadm dump`` (the real tool's output) is what the admin wrote:
hosts, node-ids, addresses, volumes, minors, disks, metadata, and the file's path."""

from __future__ import annotations

from pathlib import Path

import pytest

from drbdeck.backend import resfile
from drbdeck.backend.adopt.inspect import parse_dump
from drbdeck.emulator.handmade import HandmadeNode, HandmadeSpec, HandmadeVolume, render
from tests.drbdtools import drbdadm, write_wrapper

ADDR = {"eagle": "10.99.0.1", "rabbit": "10.99.0.2", "client": "10.99.0.3"}
SPECS = {
    "sample": HandmadeSpec(net={"protocol": "C", "cram-hmac-alg": "sha1",
                                "shared-secret": "s3cr3t"}),
    "trio": HandmadeSpec(name="trio", nodes=[HandmadeNode("eagle", 0),
                                             HandmadeNode("rabbit", 1),
                                             HandmadeNode("client", 2, diskless=True)]),
    "multi": HandmadeSpec(name="multi", options={"auto-promote": "no"}, volumes=[
        HandmadeVolume(0, 9300, "m_a"),
        HandmadeVolume(1, 9301, "m_b", disk_options={"al-extents": "6007"})]),
    "lvnames": HandmadeSpec(volumes=[HandmadeVolume(lv_per_node={"rabbit": "other"})]),
    "external": HandmadeSpec(volumes=[HandmadeVolume(external_md=True)]),
    "size": HandmadeSpec(volumes=[HandmadeVolume(size_sectors=200001)]),
}


@pytest.mark.parametrize("case", list(SPECS))
def test_real_drbdadm_dump_of_hand_made_file(tmp_path: Path, case: str) -> None:
    spec = SPECS[case]
    res = tmp_path / f"{spec.name}.res"
    res.write_text(render(spec, ADDR))
    conf = write_wrapper(tmp_path, [res])
    for n in spec.nodes:
        out = drbdadm(["dump", spec.name], conf, node=n.name)
        assert out.rc == 0, out.err
        rc, source = parse_dump(out.out, spec.name, n.name)
        assert rc is not None and source == str(res)
        assert {h: hc.node_id for h, hc in rc.hosts.items()} == \
            {x.name: x.node_id for x in spec.nodes}
        assert {h: (hc.address.host, hc.address.port) for h, hc in rc.hosts.items()
                if hc.address} == {x.name: (ADDR[x.name], spec.port) for x in spec.nodes}
        view = {v.number: v for v in rc.host_view(n.name)}
        for v in spec.volumes:
            got = view[v.number]
            assert got.minor == v.minor
            want = "none" if n.diskless else f"/dev/{spec.vg}/{v.lv_on(n.name)}"
            assert got.disk == want
            if not n.diskless:
                assert got.meta_disk == (f"/dev/{spec.vg}/{v.lv}_md" if v.external_md
                                         else "internal")
        for k, val in spec.net.items():
            assert rc.net.get(k) == val
        for k, val in spec.options.items():
            assert rc.options.get(k) == val
        for v in spec.volumes:
            if not n.diskless:
                for k, val in v.disk_options.items():
                    assert view[v.number].disk_options.get(k) == val


def test_dump_of_a_drbdeck_file_parses(tmp_path: Path) -> None:
    """After adoption the dump comes from drbdeck's own file (explicit connections, which
    the real dump prints with drbdadm's internal ``_name``)."""
    [rc] = resfile.parse(render(SPECS["trio"], ADDR), "trio.res")
    text = resfile.render(rc, "eagle")
    res = tmp_path / "trio.res"
    res.write_text(text)
    out = drbdadm(["dump", "trio"], write_wrapper(tmp_path, [res]), node="eagle")
    assert out.rc == 0, out.err
    parsed, source = parse_dump(out.out, "trio", "eagle")
    assert parsed is not None and source == str(res)
    assert sorted(parsed.hosts) == ["client", "eagle", "rabbit"]
