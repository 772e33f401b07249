"""Peer-slot inference (``mdsize.infer_peer_slots``) against the real ``drbdmeta`` on loop
devices: create-md with N peers, read ``bm_offset`` (= the usable data size) back with
``dump-md``, and infer N from the device size and that net size alone — the way adoption
does it for a running resource, where dump-md is not possible.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from drbdeck.backend import mdsize
from drbdeck.backend.adopt.inspect import parse_dump_md
from tests.conftest import loop_device, require_root, require_tool

MIB = 1024 * 1024
SIZES_MIB = [100, 1340, 4097, 10240]
PEERS = [1, 2, 3, 4, 7, 31]
MINOR = 9877  # a fake minor: drbdmeta only uses it for its lock file


def _drbdmeta(tool: str, dev: str, *args: str) -> str:
    p = subprocess.run([tool, "--force", str(MINOR), "v09", dev, "internal", *args],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
                       timeout=60)
    assert p.returncode == 0, f"drbdmeta {' '.join(args)}: {p.returncode} {p.stderr}"
    return p.stdout


@pytest.mark.parametrize("size_mib", SIZES_MIB)
def test_inference_matches_real_drbdmeta(tmp_path: Path, size_mib: int) -> None:
    tool = require_tool("drbdmeta")
    require_root("drbdmeta on a loop device")
    lock = Path(f"/var/lib/drbd/drbd-minor-{MINOR}.lkbd")
    try:
        with loop_device(tmp_path / "md.img", size_mib * MIB) as dev:
            for peers in PEERS:
                _drbdmeta(tool, dev, "create-md", str(peers))
                dump = _drbdmeta(tool, dev, "dump-md")
                assert f"max-peers {peers};" in dump
                m = re.search(r"# bm_offset (\d+)", dump)
                assert m is not None, dump
                net = int(m.group(1))
                # adoption of a down resource reads the real tool's dump the same way
                assert parse_dump_md(dump) == (peers, net)
                gross = size_mib * MIB
                assert net == mdsize.usable_bytes(gross, peers)
                cands = mdsize.peer_slot_candidates(gross, net)
                assert peers in cands
                if size_mib >= 1024:  # big enough for every slot count to differ
                    assert cands == [peers]
                    assert mdsize.infer_peer_slots(gross, net) == peers
                # a LINSTOR volume definition of this net size fits the LV exactly
                assert mdsize.gross_from_net(net // 1024, mdsize.infer_peer_slots(
                    gross, net)) <= gross // 1024
    finally:
        if lock.exists():
            os.unlink(lock)


def test_inference_refuses_unexplained_sizes() -> None:
    gross = 1340 * MIB
    with pytest.raises(ValueError, match=r"net_bytes: .*dump-md"):
        mdsize.infer_peer_slots(gross, 1371956 * 1024 + 512)
    with pytest.raises(ValueError, match="gross_bytes"):
        mdsize.peer_slot_candidates(0, 4096)
    assert mdsize.infer_peer_slots(gross, 1371956 * 1024) == 4
