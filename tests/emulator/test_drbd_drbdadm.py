"""The emulated drbdadm's command-line behaviour: config errors, adjust, create-md."""

from __future__ import annotations

import json

from tests.emulator.test_drbd_fakes import (
    Stream,
    bring_up,
    install,
    make_cluster,
    make_rc,
    run,
)


async def test_bad_res_file_exit_10() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    a.fs.write_bytes("/etc/drbd.d/bad.res", b"resource r9 {\n  net { protocol C }\n}\n")
    r = await run(a, "drbdadm", "up", "r9")
    assert r.rc == 10
    assert "/etc/drbd.d/bad.res:2: Parse error: ';' expected" in r.err
    assert "Traceback" not in r.err
    r = await run(a, "drbdadm", "sh-nop")
    assert r.rc == 10


async def test_missing_node_id_exit_10() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    a.fs.write_bytes("/etc/drbd.d/x.res", (
        b"resource x {\n volume 0 { device minor 5; disk /dev/vg0/x; meta-disk internal; }\n"
        b" on alpha { address ipv4 10.0.0.1:7001; }\n"
        b" on bravo { node-id 1; address ipv4 10.0.0.2:7001; }\n}\n"))
    r = await run(a, "drbdadm", "sh-nop")
    assert r.rc == 10 and "'node-id' keyword missing" in r.err


async def test_unknown_resource_and_options() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    install(cl, make_rc(cl))
    r = await run(a, "drbdadm", "up", "nope")
    assert (r.rc, r.err) == (1, "'nope' not defined in your config (for this host).\n")
    r = await run(a, "drbdadm", "status", "r0", "--json")
    assert r.rc == 1 and "unrecognized option '--json'" in r.err
    r = await run(a, "drbdadm", "frob", "r0")
    assert r.rc == 1 and "Unknown command 'frob'" in r.err
    r = await run(a, "drbdadm", "up")
    assert r.rc == 1 and "No resource names specified" in r.err
    r = await run(a, "drbdadm", "up", "r0/0")
    assert r.rc == 1 and "operates on whole resources" in r.err
    r = await run(a, "drbdadm", "connect", "r0:zulu")
    assert (r.rc, r.err) == (1, "Not a valid connection (r0:zulu) for this host\n")
    # a host the file does not mention
    r = await run(a, "drbdadm", "up", "r0", env={"__DRBD_NODE__": "delta"})
    assert r.rc == 1 and "not defined in your config (for this host)" in r.err


async def test_up_without_metadata_fails_like_attach() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    install(cl, make_rc(cl))
    r = await run(a, "drbdadm", "up", "r0")
    assert r.rc == 10
    assert "(119) No valid meta-data signature found." in r.err
    assert ("Command 'drbdsetup attach 1000 /dev/vg0/r0_00000 /dev/vg0/r0_00000 internal' "
            "terminated with exit code 10") in r.err
    del a.devices["/dev/vg0/r0_00000"]
    r = await run(a, "drbdadm", "create-md", "r0")
    assert r.rc == 20 and "open(/dev/vg0/r0_00000) failed" in r.err


async def test_create_md_refuses_overwrite_without_force() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    install(cl, make_rc(cl))
    r = await run(a, "drbdadm", "create-md", "r0")
    assert r.rc == 0 and "initializing bitmap (32 KB) to all zero" in r.err
    assert a.devices["/dev/vg0/r0_00000"].md.max_peers == 1  # diskful peers in the file
    r = await run(a, "drbdadm", "create-md", "--max-peers=3", "r0")
    assert r.rc == 1
    assert r.out == "Operation cancelled.\n"
    assert "Do you really want to overwrite the existing meta-data?" in r.err
    assert "Command '" not in r.err
    r = await run(a, "drbdadm", "create-md", "--force", "--max-peers", "3", "r0")
    assert r.rc == 0 and "confirmation forced" in r.err
    assert a.devices["/dev/vg0/r0_00000"].md.max_peers == 3
    assert cl.network.facts.create_md[("alpha", "/dev/vg0/r0_00000")] == 2
    r = await run(a, "drbdadm", "create-md", "--max-peers=32", "r0", "--force")
    assert r.rc == 20 and "MAX_PEERS argument not in allowed range 1 .. 31." in r.err
    # the kernel holds it: drbdmeta refuses
    assert (await run(a, "drbdadm", "up", "r0")).rc == 0
    r = await run(a, "drbdadm", "create-md", "--force", "r0")
    assert r.rc == 20 and "Device '1000' is configured!" in r.err
    r = await run(a, "drbdadm", "up", "r0")
    assert r.rc == 10 and "(161) Minor or volume exists already" in r.err


async def test_adjust_unchanged_is_noop_and_adjust_applies_changes() -> None:
    cl = make_cluster(["alpha", "bravo", "charlie"])
    a, c = cl.nodes["alpha"], cl.nodes["charlie"]
    rc = make_rc(cl, diskless=("charlie",))
    await bring_up(cl, rc)
    sa = Stream(a, "all")
    await sa.take()
    r = await run(a, "drbdadm", "adjust", "r0")
    assert r.rc == 0, r.err
    r = await run(a, "drbdadm", "adjust", "all")
    assert r.rc == 0, r.err
    assert await sa.take() == []
    assert sum(cl.network.facts.connection_drops.values()) == 0

    # a second resource in the same adjust call; and a changed resource option
    rc2 = make_rc(cl, diskless=("charlie",), name="r1", port=7001, minor=1001)
    for n in cl.nodes.values():
        n.devices["/dev/vg0/r1_00000"] = type(n.devices["/dev/vg0/r0_00000"])(
            "/dev/vg0/r1_00000", 1 << 30)
    install(cl, rc2)
    rc.options["quorum"] = "majority"
    install(cl, rc)
    for n in cl.nodes.values():
        if n is not c:
            assert (await run(n, "drbdadm", "create-md", "--max-peers=2", "r1")).rc == 0
    for n in cl.nodes.values():
        r = await run(n, "drbdadm", "adjust", "r0", "r1")
        assert r.rc == 0, r.err
    got = await sa.take()
    assert got[0].startswith("create resource name:r1 ")
    assert sum(cl.network.facts.connection_drops.values()) == 0
    assert a.drbd.resources["r0"].options["quorum"] == "majority"
    st = json.loads((await run(a, "drbdsetup", "status", "--json")).out)
    assert [x["name"] for x in st] == ["r0", "r1"]
    assert all(con["connection-state"] == "Connected" for x in st for con in x["connections"])

    # disconnect, then adjust reconnects
    assert (await run(a, "drbdadm", "disconnect", "r0:bravo")).rc == 0
    st = json.loads((await run(a, "drbdsetup", "status", "r0", "--json")).out)
    assert st[0]["connections"][0]["connection-state"] == "StandAlone"
    assert (await run(a, "drbdadm", "adjust", "r0")).rc == 0
    st = json.loads((await run(a, "drbdsetup", "status", "r0", "--json")).out)
    assert st[0]["connections"][0]["connection-state"] == "Connected"

    # a peer removed from the file: adjust deletes the connection
    rc_ab = make_rc(cl, diskless=("charlie",))
    del rc_ab.hosts["charlie"]
    a.fs.write_bytes("/etc/drbd.d/r0.res", __import__(
        "drbdeck.backend.resfile", fromlist=["render"]).render(rc_ab, "alpha").encode())
    await sa.take()
    assert (await run(a, "drbdadm", "adjust", "r0")).rc == 0
    got = await sa.take()
    assert got[-1].startswith("destroy connection name:r0 peer-node-id:2 conn-name:charlie")
    await sa.close()


async def test_config_to_test_and_dump() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    install(cl, make_rc(cl))
    a.fs.write_bytes("/tmp/new.res", a.fs.read_bytes("/etc/drbd.d/r0.res"))
    r = await run(a, "drbdadm", "--config-to-test", "/tmp/new.res",
                  "--config-to-exclude", "/etc/drbd.d/r0.res", "sh-nop")
    assert (r.rc, r.err) == (0, "")
    # without the exclusion the same resource twice conflicts
    r = await run(a, "drbdadm", "--config-to-test", "/tmp/new.res", "sh-nop")
    assert r.rc == 10
    a.fs.write_bytes("/tmp/bad.res", b"resource r0 {\n  net { protocol X; }\n}\n")
    r = await run(a, "drbdadm", "-t", "/tmp/bad.res", "-E", "/etc/drbd.d/r0.res", "sh-nop")
    assert r.rc == 10 and r.err.startswith("/tmp/bad.res:2: ")
    r = await run(a, "drbdadm", "dump", "r0")
    assert r.rc == 0 and "resource r0 {" in r.out and "node-id 1;" in r.out
    r = await run(a, "drbdadm", "-c", "/etc/drbd.d/r0.res", "dump")
    assert r.rc == 0 and "# resource r0 on alpha: not ignored, not stacked" in r.out
    r = await run(a, "drbdadm", "-c", "/nonexistent.conf", "dump")
    assert r.rc == 20 and "Can not open '/nonexistent.conf'" in r.err


async def test_primary_rules() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a, b = cl.nodes["alpha"], cl.nodes["bravo"]
    await bring_up(cl, make_rc(cl))
    assert (await run(a, "drbdadm", "new-current-uuid", "--clear-bitmap", "r0/0")).rc == 0
    assert (await run(a, "drbdadm", "primary", "r0")).rc == 0
    r = await run(b, "drbdadm", "primary", "r0")
    assert r.rc == 11 and "(-1) Multiple primaries not allowed by config" in r.err
    assert (await run(a, "drbdadm", "secondary", "r0")).rc == 0
    assert (await run(b, "drbdadm", "primary", "r0")).rc == 0
    import pytest

    from drbdeck.emulator.drbd.errors import DrbdError

    with pytest.raises(DrbdError, match="not Primary"):
        a.drbd.write("r0", 0, 10)


async def test_adjust_net_option_change_keeps_connection() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    rc = make_rc(cl)
    await bring_up(cl, rc)
    rc.net["verify-alg"] = "crct10dif"
    install(cl, rc)
    sa = Stream(a, "all")
    await sa.take()
    for n in cl.nodes.values():
        assert (await run(n, "drbdadm", "adjust", "r0")).rc == 0
    assert await sa.take() == []
    assert a.drbd.resources["r0"].connections[1].net["verify-alg"] == "crct10dif"
    # a changed port means new paths: the connection is re-established over them
    rc2 = make_rc(cl, port=7010)
    install(cl, rc2)
    for n in cl.nodes.values():
        assert (await run(n, "drbdadm", "adjust", "r0")).rc == 0
    got = await sa.take()
    assert any("local:ipv4:10.0.0.1:7010" in ln and ln.startswith("create path") for ln in got)
    assert got[-1].startswith("change peer-device") or "established:yes" in got[-1]
    st = json.loads((await run(a, "drbdsetup", "status", "--json")).out)
    assert st[0]["connections"][0]["connection-state"] == "Connected"
    await sa.close()


async def test_no_kernel_behaves_like_missing_module() -> None:
    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    install(cl, make_rc(cl))
    await a.stop()
    r = await run(a, "drbdsetup", "status")
    assert (r.rc, r.err) == (20, "Failed to modprobe drbd (No such file or directory)\n")
    r = await run(a, "drbdadm", "up", "r0")
    assert r.rc == 20


async def test_drbdeck_layout_nested_include_and_new_files_seen() -> None:
    from drbdeck.backend import resfile

    cl = make_cluster(["alpha", "bravo"])
    a = cl.nodes["alpha"]
    a.fs.write_bytes("/etc/drbd.d/drbdeck-resources.res",
                     b'include "/var/lib/drbdeck.d/*.res";\n')
    r = await run(a, "drbdadm", "sh-nop")
    assert (r.rc, r.err) == (0, "")
    r = await run(a, "drbdadm", "up", "r0")
    assert r.rc == 1
    rc = make_rc(cl)
    a.fs.write_bytes("/var/lib/drbdeck.d/r0.res", resfile.render(rc, "alpha").encode())
    assert (await run(a, "drbdadm", "create-md", "--max-peers=2", "r0")).rc == 0
    assert (await run(a, "drbdadm", "up", "r0")).rc == 0
    # an edited file is re-read (no stale cached parse)
    a.fs.write_bytes("/var/lib/drbdeck.d/r0.res", b"resource r0 {\n  frob;\n}\n")
    r = await run(a, "drbdadm", "adjust", "r0")
    assert r.rc == 10 and "/var/lib/drbdeck.d/r0.res:2:" in r.err
