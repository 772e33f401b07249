"""SIGKILL during a run of mutating calls: the DB stays intact and holds every acked call."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from drbdeck.backend.controller.store import Store

_WRITER = r"""
import asyncio, sys
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.controller.store import Store

async def main() -> None:
    ops = Operations(Store(sys.argv[1]))
    await ops.node_create("alpha", "10.0.0.1")
    await ops.storage_pool_create("alpha", "pool1", "LVM", {"StorDriver/StorPoolName": "vg0"})
    i = 0
    while True:
        got = await ops.rd_create(f"r{i}")
        assert not got[0].is_error(), got[0].message
        got = await ops.vd_create(f"r{i}", 1024)
        got = await ops.rsc_create(f"r{i}", ["alpha"], storage_pool="pool1")
        assert not got[0].is_error(), got[0].message
        print(f"r{i}", flush=True)  # acknowledged
        i += 1

asyncio.run(main())
"""


def test_sigkill_keeps_every_acknowledged_call(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(db)], stdout=subprocess.PIPE,
                            text=True, cwd=Path(__file__).resolve().parents[2])
    acked: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        acked.append(line.strip())
        if len(acked) >= 300:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the writer died before being killed"
    st = Store(db)
    assert st.integrity_check() == ["ok"]
    for name in acked:
        assert name in st.model.rds, name
        rd = st.model.rd(name)
        assert rd.volumes[0].minor is not None and st.model.resource(name, "alpha")
    # nothing half-written: every stored RD that has a resource also has its volume
    for rd in st.model.rds.values():
        if st.model.resources_of_rd(rd.name):
            assert rd.volumes
