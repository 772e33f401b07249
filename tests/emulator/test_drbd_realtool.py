"""The emulated drbdmeta create-md against the real one on a loop device: same streams,
same words, same exit codes (fresh metadata, then a refused overwrite)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import require_root, require_tool
from tests.emulator.test_drbd_fakes import FakeDev, make_cluster, run

MINOR = 60123
SIZE = 100 * 1024 * 1024


def _real(drbdmeta: str, dev: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [drbdmeta, str(MINOR), "v09", dev, "internal", "create-md", "2"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )


@pytest.mark.realtool
async def test_create_md_matches_real_drbdmeta(tmp_path: object) -> None:
    drbdmeta = require_tool("drbdmeta")
    losetup = require_tool("losetup")
    require_root("losetup")
    img = os.path.join(str(tmp_path), "x.img")
    with open(img, "wb") as f:
        f.truncate(SIZE)
    loop = subprocess.run([losetup, "-f", "--show", img], capture_output=True, text=True,
                          check=False)
    if loop.returncode != 0:
        pytest.skip(f"no loop device available: {loop.stderr.strip()}")
    dev = loop.stdout.strip()
    try:
        first, second = _real(drbdmeta, dev), _real(drbdmeta, dev)
    finally:
        subprocess.run([losetup, "-d", dev], check=False)
        lkbd = f"/var/lib/drbd/drbd-minor-{MINOR}.lkbd"
        if os.path.exists(lkbd):
            os.remove(lkbd)
    cl = make_cluster(["alpha"])
    node = cl.nodes["alpha"]
    node.devices[dev] = FakeDev(dev, SIZE)
    argv = ("drbdmeta", str(MINOR), "v09", dev, "internal", "create-md", "2")
    e1, e2 = await run(node, *argv), await run(node, *argv)
    assert (e1.rc, e1.out, e1.err) == (first.returncode, first.stdout, first.stderr)
    assert (e2.rc, e2.out, e2.err) == (second.returncode, second.stdout, second.stderr)
