"""drbdeck's LINSTOR-grammar CLI against the real REST server: seed commands, exit codes,
list output."""

from __future__ import annotations

import io

from drbdeck.backend.controller.names import key
from drbdeck.cli.linstor import main as cli_main
from tests.rest.conftest import Server


def run(server: Server, *words: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli_main(["--controllers", f"127.0.0.1:{server.port}", "--no-color", *words],
                    None, stdout=out, stderr=err, environ={})
    return code, out.getvalue(), err.getvalue()


def ok(server: Server, *words: str) -> str:
    code, out, err = run(server, *words)
    assert code == 0, f"{words}: exit {code}\n{out}\n{err}"
    return out


def test_migration_post_flow(server: Server) -> None:
    """The seed's migration post: definitions with port 15500, peer slots 4, volume 10,
    minor 9100, 1371956KiB, AllowLargerVolumeSize, OverrideVlmId, node-ids 4 and 8."""
    ok(server, "n", "c", "power", "10.0.0.4", "--ssh-port", "2222", "--ssh-user", "root")
    ok(server, "n", "c", "open", "10.0.0.8")
    ok(server, "sp", "c", "lvm", "power", "fatpool", "vg0")
    ok(server, "sp", "c", "open", "fatpool", "lvm", "vg0")  # the old argument order
    ok(server, "rd", "c", "legacy", "-p", "15500")
    ok(server, "rd", "sp", "legacy", "PeerSlotsNewResource", "4")
    ok(server, "vd", "c", "legacy", "-n", "10", "-m", "9100", "1371956KiB")
    ok(server, "vd", "sp", "legacy", "10", "AllowLargerVolumeSize", "true")
    ok(server, "vd", "sp", "legacy", "10", "OverrideVlmId", "legacy")
    ok(server, "r", "c", "--node-id", "4", "-s", "fatpool", "power", "legacy")
    ok(server, "r", "c", "--node-id", "8", "-s", "fatpool", "open", "legacy", "--async")
    m = server.ops.model
    node = m.nodes["power"]
    assert (node.address, node.ssh_port, node.ssh_user) == ("10.0.0.4", 2222, "root")
    rd = m.rds["legacy"]
    assert rd.port == 15500
    assert rd.peer_slots == 4  # PeerSlotsNewResource, read when the first replica came
    vd = rd.volumes[10]
    assert (vd.minor, vd.size_kib) == (9100, 1371956)
    assert vd.props == {"AllowLargerVolumeSize": "true", "OverrideVlmId": "legacy"}
    ids = {r.node: r.node_id for r in m.resources_of_rd("legacy")}
    assert ids == {"power": 4, "open": 8}
    assert m.resources[(key("legacy"), key("power"))].volumes[10].backing_device == \
        "/dev/vg0/legacy"
    listing = ok(server, "r", "l")
    assert "legacy" in listing and "power" in listing and "open" in listing
    assert "Unknown" in listing  # no observed state: LINSTOR's offline satellite view
    vds = ok(server, "vd", "l")
    assert "9100" in vds and "legacy" in vds
    nodes = ok(server, "n", "l")
    assert "power" in nodes and "OFFLINE" in nodes
    pools = ok(server, "sp", "l")
    assert "fatpool" in pools and "LVM" in pools
    ok(server, "r", "d", "open", "legacy")
    assert "DELETE" in m.resources[(key("legacy"), key("open"))].flags


def test_json_output_parses(server: Server) -> None:
    import json

    ok(server, "n", "c", "alpha", "10.0.0.1")
    data = json.loads(ok(server, "-m", "n", "l"))
    assert data[0][0]["name"] == "alpha"


def test_exit_codes(server: Server) -> None:
    code, out, err = run(server, "rd", "c", "bad;name")
    assert code == 10 and "bad;name" in out + err
    code, out, err = run(server, "vd", "c", "nope", "1G")
    assert code == 10 and "not found" in (out + err).lower()
    code, _, _ = run(server, "n", "c", "alpha", "10.0.0.1")
    assert code == 0
    code, out, err = run(server, "n", "c", "alpha", "10.0.0.1")
    assert code == 10
    cli = io.StringIO()
    code = cli_main(["--controllers", "127.0.0.1:1", "n", "l"], None, stdout=cli,
                    stderr=cli, environ={})
    assert code == 20
