"""An emulated node's drbdadm rejects exactly the files real drbdadm rejects.

The broken-file table of tests/backend/test_resfile_broken.py is put on an emulated node
over SFTP, as the controller would, and checked there with ``drbdadm --config-to-test``
(LINSTOR's method). The same file goes through the real drbdadm on this machine: both
must exit 10 with the same wording, and the files drbdadm accepts must pass on the node.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from drbdeck.backend.satellite import LinkPool, LinkStatus, NodeEndpoint, NodeLink
from drbdeck.config import SshConfig
from drbdeck.emulator.cluster import Cluster
from tests.backend.test_resfile_broken import ACCEPTED, HERE, REJECTED
from tests.conftest import require_tool
from tests.drbdtools import drbdadm

# One emulated node serves every case: the fixture and the tests share a module loop.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node() -> AsyncIterator[NodeLink]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        cluster = await Cluster.start(["alpha"], state)
        info = json.loads((state / "nodes.json").read_text())[0]
        pool = LinkPool(SshConfig(identity_file=str(state / "id_ed25519"),
                                  known_hosts=str(state / "known_hosts")))
        link = pool.add(NodeEndpoint("alpha", info["ssh_host"], info["ssh_port"]))
        pool.start_all()
        try:
            await pool.wait_all(LinkStatus.ONLINE, timeout=20)
            yield link
        finally:
            await pool.stop_all()
            await cluster.stop()


async def _check_on_node(link: NodeLink, name: str) -> tuple[int | None, str]:
    target = f"/tmp/{name}"
    await link.write_file(target, (HERE / name).read_bytes())
    result = await link.run(["drbdadm", "--config-to-test", target, "sh-nop"])
    await link.run(["rm", "-f", target])
    return result.exit_status, result.stderr_text


@pytest.mark.realtool
@pytest.mark.parametrize("name", sorted(REJECTED))
async def test_node_rejects_what_drbdadm_rejects(node: NodeLink, name: str) -> None:
    require_tool("drbdadm")
    real = drbdadm(["sh-nop"], HERE / name)
    assert real.rc == 10
    status, stderr = await _check_on_node(node, name)
    assert status == 10, f"emulated drbdadm accepted {name}: {stderr}"
    assert REJECTED[name] in stderr, f"{name}: emulated said {stderr!r}"


@pytest.mark.realtool
@pytest.mark.parametrize("name", sorted(ACCEPTED))
async def test_node_accepts_what_drbdadm_accepts(node: NodeLink, name: str) -> None:
    require_tool("drbdadm")
    assert drbdadm(["sh-nop"], HERE / name).rc == 0
    status, stderr = await _check_on_node(node, name)
    assert status == 0, f"emulated drbdadm rejected {name}: {stderr}"
