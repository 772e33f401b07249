"""The emulated drbdmeta create-md against the real one on a loop device: same streams,
same words, same exit codes (fresh metadata, then a refused overwrite)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import loop_device, require_tool
from tests.emulator.test_drbd_fakes import FakeDev, make_cluster, run

MINOR = 60123
SIZE = 100 * 1024 * 1024


@contextlib.contextmanager
def _forget_lkbd() -> Iterator[None]:
    """drbdmeta records the last known backing device per minor; leave none behind."""
    try:
        yield
    finally:
        lkbd = f"/var/lib/drbd/drbd-minor-{MINOR}.lkbd"
        if os.path.exists(lkbd):
            os.remove(lkbd)


def _real(drbdmeta: str, dev: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [drbdmeta, str(MINOR), "v09", dev, "internal", "create-md", "2"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False,
    )


@pytest.mark.realtool
async def test_create_md_matches_real_drbdmeta(tmp_path: object) -> None:
    drbdmeta = require_tool("drbdmeta")
    with loop_device(os.path.join(str(tmp_path), "x.img"), SIZE) as dev, _forget_lkbd():
        first, second = _real(drbdmeta, dev), _real(drbdmeta, dev)
    cl = make_cluster(["alpha"])
    node = cl.nodes["alpha"]
    node.devices[dev] = FakeDev(dev, SIZE)
    argv = ("drbdmeta", str(MINOR), "v09", dev, "internal", "create-md", "2")
    e1, e2 = await run(node, *argv), await run(node, *argv)
    assert (e1.rc, e1.out, e1.err) == (first.returncode, first.stdout, first.stderr)
    assert (e2.rc, e2.out, e2.err) == (second.returncode, second.stdout, second.stderr)


RES = """resource r0 {
    volume 0 { device minor 1000; disk /dev/vg0/r0; meta-disk internal; }
    on alpha { node-id 0; address ipv4 127.0.0.1:7000; }
    on bravo { node-id 1; address ipv4 10.0.0.2:7000; }
}
"""

CASES = [
    ["up", "xx"],
    ["connect", "r0:zulu"],
    ["new-current-uuid", "--clear-bitmap", "r0"],
    ["up", "r0/0"],
    ["primary", "r0", "--json"],
    ["bogus", "r0"],
]


def _without_banner(err: str) -> str:
    """Real stderr minus the leading ``__DRBD_NODE__`` banner block, otherwise verbatim."""
    lines = err.split("\n")
    while lines and (not lines[0].strip() or "__DRBD_NODE__" in lines[0]
                     or "PRETENDING" in lines[0]):
        lines.pop(0)
    return "\n".join(lines)


def _strip_banner(err: str) -> str:
    keep = [ln for ln in err.splitlines()
            if ln.strip() and "__DRBD_NODE__" not in ln and "PRETENDING" not in ln]
    return "\n".join(keep)


@pytest.mark.realtool
@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a))
async def test_drbdadm_usage_errors_match_real(tmp_path: object, args: list[str]) -> None:
    drbdadm = require_tool("drbdadm")
    path = os.path.join(str(tmp_path), "t.res")
    with open(path, "w") as f:
        f.write(RES)
    env = {**os.environ, "__DRBD_NODE__": "alpha", "DRBD_DRIVER_VERSION_OVERRIDE": "9.2.12"}
    real = subprocess.run([drbdadm, "-c", path, *args], capture_output=True, text=True,
                          env=env, check=False, stdin=subprocess.DEVNULL)
    cl = make_cluster(["alpha", "bravo"])
    node = cl.nodes["alpha"]
    node.fs.write_bytes(path, RES.encode())
    emu = await run(node, "drbdadm", "-c", path, *args)
    assert emu.rc == real.returncode
    assert _strip_banner(emu.err) == _strip_banner(real.stderr)


MESH = """resource r1 {
    options { quorum majority; on-no-quorum suspend-io; }
    net { protocol C; max-buffers 8000; allow-two-primaries yes; }
    disk { c-max-rate 100M; resync-rate 50M; }
    handlers { fence-peer "/bin/true"; }
    volume 0 { device minor 1001; disk /dev/vg0/r1_00000; meta-disk internal; }
    volume 1 { device minor 1002; disk /dev/vg0/r1_00001; meta-disk internal; }
    on alpha   { node-id 0; address ipv4 127.0.0.1:7001; }
    on bravo   { node-id 1; address ipv4 10.0.0.2:7001; }
    on charlie { node-id 2; address ipv4 10.0.0.3:7001;
                 volume 0 { disk none; } volume 1 { disk none; } }
    connection-mesh { hosts alpha bravo charlie; }
}
"""

PATHS = """resource r2 {
    net { cram-hmac-alg sha1; shared-secret "a b"; }
    startup { wfc-timeout 10; }
    on alpha { volume 0 { device minor 5; disk /dev/x; meta-disk internal;
               disk { on-io-error detach; } } node-id 0; }
    on bravo { volume 0 { device minor 5; disk /dev/x; meta-disk internal; } node-id 1; }
    connection {
        net { protocol A; }
        path { host alpha address ipv4 10.0.0.1:7002; host bravo address ipv4 10.0.0.2:7002; }
    }
}
"""


def _linstor_file() -> str:
    from drbdeck.backend import resfile
    from tests.emulator.test_drbd_fakes import make_rc

    cl = make_cluster(["alpha", "bravo", "charlie"])
    rc = make_rc(cl, diskless=("charlie",),
                 options={"quorum": "majority", "on-no-quorum": "suspend-io"})
    rc.hosts["alpha"].volumes[0].disk_options = {
        "discard-zeroes-if-aligned": "no", "rs-discard-granularity": "65536"}
    return resfile.render(rc, "alpha")


@pytest.mark.realtool
@pytest.mark.parametrize("which", ["simple", "linstor", "mesh", "paths"])
@pytest.mark.parametrize("target", [None, "all", "named"])
async def test_dump_matches_real_drbdadm(tmp_path: object, which: str,
                                         target: str | None) -> None:
    drbdadm = require_tool("drbdadm")
    text = {"simple": RES, "mesh": MESH, "paths": PATHS}.get(which) or _linstor_file()
    name = {"simple": "r0", "mesh": "r1", "paths": "r2", "linstor": "r0"}[which]
    d = str(tmp_path)
    res_path = os.path.join(d, "x.res")
    wrapper = os.path.join(d, "w.conf")
    files = {
        res_path: text,
        wrapper: ('global { usage-count no; }\ncommon { net { protocol C; } }\n'
                  f'include "{d}/*.res";\n'),
    }
    for p, t in files.items():
        with open(p, "w") as f:
            f.write(t)
    args = ["-c", wrapper, "dump"] + ([] if target is None else
                                      ["all"] if target == "all" else [name])
    env = {**os.environ, "__DRBD_NODE__": "alpha", "DRBD_DRIVER_VERSION_OVERRIDE": "9.2.12"}
    real = subprocess.run([drbdadm, *args], capture_output=True, text=True, env=env,
                          check=False, stdin=subprocess.DEVNULL)
    node = make_cluster(["alpha"]).nodes["alpha"]
    for p, t in files.items():
        node.fs.write_bytes(p, t.encode())
    emu = await run(node, "drbdadm", *args)
    # (alpha's `on` address is 127.0.0.1: `dump all` checks it exists on this host)
    assert real.returncode == 0, real.stderr
    assert (emu.rc, emu.out) == (0, real.stdout)


@pytest.mark.realtool
async def test_drbdadm_create_md_matches_real(tmp_path: object) -> None:
    drbdadm = require_tool("drbdadm")
    with loop_device(os.path.join(str(tmp_path), "z.img"), SIZE) as dev, _forget_lkbd():
        text = (f"resource rz {{\n    volume 0 {{ device minor {MINOR}; disk {dev}; "
                "meta-disk internal; }\n"
                "    on alpha { node-id 0; address ipv4 127.0.0.1:7100; }\n"
                "    on bravo { node-id 1; address ipv4 10.0.0.2:7100; }\n}\n")
        missing = text.replace(dev, "/dev/nonexist")
        path = os.path.join(str(tmp_path), "cm.res")
        # run by name from PATH (as over SSH on a node): drbdadm then names drbdmeta the same way
        env = {**os.environ, "__DRBD_NODE__": "alpha", "DRBD_DRIVER_VERSION_OVERRIDE": "9.2.12",
               "PATH": os.path.dirname(drbdadm) + ":" + os.environ.get("PATH", "/usr/bin:/bin")}
        runs = [(text, ["--max-peers=2"]), (text, ["--max-peers=2"]), (text, ["--force"]),
                (missing, ["--max-peers=2"]), (missing, ["--max-peers=32"])]
        real: list[subprocess.CompletedProcess[str]] = []
        for t, opts in runs:
            with open(path, "w") as f:
                f.write(t)
            real.append(subprocess.run(["drbdadm", "-c", path, "create-md", *opts, "rz"],
                                       capture_output=True, text=True, env=env, check=False,
                                       stdin=subprocess.DEVNULL))
    node = make_cluster(["alpha"]).nodes["alpha"]
    node.devices[dev] = FakeDev(dev, SIZE)
    for (t, opts), r in zip(runs, real, strict=True):
        node.fs.write_bytes(path, t.encode())
        e = await run(node, "drbdadm", "-c", path, "create-md", *opts, "rz",
                      env={"__DRBD_NODE__": "alpha"})
        assert (e.rc, e.out) == (r.returncode, r.stdout), opts
        assert e.err == _without_banner(r.stderr), opts
