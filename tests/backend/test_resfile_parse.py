"""parse / parse_tree: the drbd.conf grammar variants drbdadm 9.22 accepts, and round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drbdeck.backend.resconfig import Address, HostConfig, ResourceConfig, VolumeConfig
from drbdeck.backend.resfile import ResFileError, as_seen_by, parse, parse_tree, render, validate
from tests.backend.resfile_cases import CASES
from tests.drbdtools import drbdadm

HAND_WRITTEN = """\
# the hand-written equivalent of a LINSTOR file (drbd.md §3.3)
global { usage-count no; }
common { net { protocol C; } disk { c-plan-ahead 0; } }
resource r1 {
    options { quorum majority; on-no-quorum suspend-io; }
    net { protocol C; shared-secret "a b;c"; }   # quoted value with ; inside
    volume 0 { device minor 1001; disk /dev/vg0/r1_00000; meta-disk internal; }
    volume 1 { device /dev/drbd1002 minor 1002; disk /dev/vg0/r1_00001; }
    on alpha   { node-id 0; address ipv4 10.0.0.1:7001; }
    on "bravo" { node-id 1; address 10.0.0.2:7001; }
    on charlie {
        node-id 2;
        address ipv4 10.0.0.3:7001;
        volume 0 { disk none; }
        volume 1 { device /dev/drbd1002; disk none; }
    }
    connection-mesh { hosts alpha bravo charlie; }
}
resource "r2" {
    device minor 2000;
    disk /dev/vg0/r2;
    meta-disk /dev/vg0/md [0];
    on alpha { node-id 0; }
    on delta { node-id 3; address ipv6 [fd00::4]:7002; }
    connection {
        path { host alpha address 10.0.0.1:7002; host delta address ipv6 [fd00::4]:7002; }
        net { max-buffers 8000; }
        disk { c-max-rate 100M; }
    }
}
"""


def test_hand_written_grammar() -> None:
    rcs = parse(HAND_WRITTEN, "hand.conf")
    validate(rcs)
    r1, r2 = rcs
    assert r1.name == "r1" and r1.net["shared-secret"] == "a b;c"
    assert r1.mesh == ["alpha", "bravo", "charlie"]
    assert [v.minor for v in r1.host_view("charlie")] == [1001, 1002]
    assert [v.disk for v in r1.host_view("charlie")] == ["none", "none"]
    assert r1.host_view("bravo")[1].disk == "/dev/vg0/r1_00001"
    assert r1.hosts["alpha"].address == Address("ipv4", "10.0.0.1", 7001)
    assert [p for p, _, _ in r1.peers_of("alpha")] == ["bravo", "charlie"]
    assert r2.host_view("delta")[0].meta_disk == "/dev/vg0/md [0]"
    (path,) = r2.connections[0].paths
    assert path.hosts[1] == ("delta", Address("ipv6", "fd00::4", 7002))
    assert r2.connections[0].net == {"max-buffers": "8000"}
    assert r2.peers_of("delta")[0][2].endpoint == "ipv4:10.0.0.1:7002"


@pytest.mark.realtool
def test_hand_written_grammar_is_valid_for_drbdadm(tmp_path: Path) -> None:
    f = tmp_path / "hand.conf"
    f.write_text(HAND_WRITTEN)
    res = drbdadm(["sh-nop"], f)
    assert res.ok, res.err


def test_parse_tree_follows_relative_globs(tmp_path: Path) -> None:
    d = tmp_path / "etc"
    (d / "drbd.d").mkdir(parents=True)
    (d / "drbd.conf").write_text(
        'include "drbd.d/global_common.conf";\ninclude "drbd.d/*.res";\n'
    )
    (d / "drbd.d" / "global_common.conf").write_text(
        "global { usage-count no; }\ncommon { options { auto-promote no; } }\n"
    )
    for case in ("two-diskful", "three-quorum"):
        (d / "drbd.d" / f"{case}.res").write_text(render(CASES[case], "alpha"))
    conf = parse_tree(str(d / "drbd.conf"), lambda p: Path(p).read_text(),
                      lambda g: [str(p) for p in Path("/").glob(g.lstrip("/"))])
    assert [r.name for r in conf.resources] == ["r2", "r0"]  # three-quorum.res sorts first
    assert conf.global_opts == {"usage-count": "no"}
    assert conf.common == {"options": {"auto-promote": "no"}}
    assert conf.resources[1].source.endswith("two-diskful.res")
    validate(conf.resources, host="alpha")
    r0 = conf.resource("r0")
    assert r0 is not None and conf.resource("zz") is None
    eff = conf.effective(r0)
    assert eff.options == {"auto-promote": "no"} and r0.options == {}


def test_parse_tree_errors() -> None:
    files = {"/etc/drbd.conf": 'include "/etc/missing.res";\n'}

    def read(p: str) -> str:
        if p not in files:
            raise FileNotFoundError(p)
        return files[p]

    with pytest.raises(ResFileError) as exc:
        parse_tree("/etc/drbd.conf", read, lambda g: [])
    assert exc.value.exit_code == 10
    assert str(exc.value) == "/etc/drbd.conf:1: Failed to open include file '/etc/missing.res'."
    with pytest.raises(ResFileError) as exc:
        parse_tree("/nope.conf", read, lambda g: [])
    assert exc.value.exit_code == 20
    files["/etc/drbd.conf"] = 'include "/etc/drbd.d/*.res";\n'
    assert parse_tree("/etc/drbd.conf", read, lambda g: []).resources == []
    files["/etc/drbd.conf"] = 'include "/etc/drbd.conf";\n'
    with pytest.raises(ResFileError, match="nested too deeply"):
        parse_tree("/etc/drbd.conf", read, lambda g: [])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('resource r0 { net { shared-secret "abc', "unterminated string"),
        ("resource r0 { on a { node-id", "'TK_INTEGER' expected,\n\tbut got end of file"),
        ("resource r0 { on a { address 10.0.0.1:x; } }", "'TK_INTEGER' expected"),
        ("resource r0 { on a { device /dev/foo; } }", "no minor given nor device name"),
        ("resource r0 { on a { address ipv6 [fd00::1; } }", "']' expected"),
    ],
)
def test_more_parse_errors(text: str, fragment: str) -> None:
    with pytest.raises(ResFileError) as exc:
        parse(text, "x.res")
    assert fragment in exc.value.message
    assert exc.value.message.startswith("x.res:1: ")


def test_duplicate_resource_name() -> None:
    rc = render(CASES["two-diskful"], "alpha")
    with pytest.raises(ResFileError, match="conflicting use of resource name 'r0'"):
        validate(parse(rc + rc))


@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip_samples(case: str) -> None:
    rc = CASES[case]
    for local in rc.hosts:
        (back,) = parse(render(rc, local), "f.res")
        want = as_seen_by(rc, local)
        want.source = "f.res"
        assert back == want
        validate([back], host=local)


_name = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,15}", fullmatch=True)


@st.composite
def resources(draw: st.DrawFn) -> ResourceConfig:
    names = draw(st.lists(_name, min_size=2, max_size=5, unique_by=str.lower))
    node_ids = draw(st.lists(st.integers(0, 31), min_size=len(names), max_size=len(names),
                             unique=True))
    port = draw(st.integers(1, 65535))
    nvols = draw(st.integers(1, 4))
    base_minor = draw(st.integers(0, 1048575 - nvols))
    diskful = draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)))
    diskful[0] = True
    v6 = draw(st.booleans())
    rc = ResourceConfig(name=draw(_name))
    if draw(st.booleans()):
        rc.net["shared-secret"] = draw(st.from_regex(r"[A-Za-z0-9+/]{1,63}", fullmatch=True))
    if draw(st.booleans()):
        rc.options["quorum"] = draw(st.sampled_from(["off", "majority", "all", "1", "32"]))
    for i, h in enumerate(names):
        addr = Address("ipv6", f"fd00::{i + 1:x}", port) if v6 else Address(
            "ipv4", f"10.1.{i // 250}.{i % 250 + 1}", port)
        vols = {
            v: VolumeConfig(v, base_minor + v,
                            f"/dev/vg0/{rc.name}_{v:05d}" if diskful[i] else "none", "internal")
            for v in range(nvols)
        }
        rc.hosts[h] = HostConfig(h, node_ids[i], addr, vols)
    return rc


@settings(max_examples=150, deadline=None)
@given(resources(), st.data())
def test_round_trip_property(rc: ResourceConfig, data: st.DataObject) -> None:
    local = data.draw(st.sampled_from(sorted(rc.hosts)))
    (back,) = parse(render(rc, local), "p.res")
    want = as_seen_by(rc, local)
    want.source = "p.res"
    assert back == want
    validate([back], host=local)


ADDRESS_FORMS = {
    "ipv4 10.0.0.1:7000": "ipv4:10.0.0.1:7000",
    "10.0.0.1:7000": "ipv4:10.0.0.1:7000",
    "ipv4 10.0.0.1 :7000": "ipv4:10.0.0.1:7000",
    "ipv6 [fd00::1]:7000": "ipv6:[fd00::1]:7000",
    "ipv4 10.0.0.299:7000": "ipv4:10.0.0.299:7000",  # drbdadm does not check octets
    "[fd00::1]:7000": "'ssocks | sdp | ipv4 | ipv6 | <ipv4 address> ' expected",
    "ipv6 fd00::1:7000": "'[' expected,\n\tbut got 'fd00::1:7000' (TK 303)",
    'ipv4 "10.0.0.1:7000"': "'TK_IPADDR' expected,\n\tbut got '10.0.0.1:7000' (TK 281)",
    "ipv4 host.example:7000": "'TK_IPADDR' expected,\n\tbut got 'host.example' (TK 281)",
    "ipv4 10.0.0.1:0": "port 0 => 0 out of range [1..65535].",
    "ipv4 10.0.0.1": "':' expected,\n\tbut got ';' (TK 59)",
}


def _addr_file(form: str) -> str:
    return (
        "resource r0 {\n"
        f" on a {{ node-id 0; address {form}; volume 0 {{ device minor 1; disk /dev/x; }} }}\n"
        " on b { node-id 1; address 10.0.0.2:7000; volume 0 { device minor 1; disk /dev/x; } }\n"
        "}\n"
    )


@pytest.mark.parametrize("form", sorted(ADDRESS_FORMS))
def test_address_forms(form: str) -> None:
    want = ADDRESS_FORMS[form]
    if ":" in want and " " not in want:
        addr = parse(_addr_file(form), "t.res")[0].hosts["a"].address
        assert addr is not None and addr.endpoint == want
    else:
        with pytest.raises(ResFileError) as exc:
            parse(_addr_file(form), "t.res")
        assert want in exc.value.message and exc.value.message.startswith("t.res:2: ")


@pytest.mark.realtool
@pytest.mark.parametrize("form", sorted(ADDRESS_FORMS))
def test_address_forms_match_drbdadm(form: str, tmp_path: Path) -> None:
    f = tmp_path / "t.res"
    f.write_text(_addr_file(form))
    res = drbdadm(["sh-nop"], f)
    want = ADDRESS_FORMS[form]
    if ":" in want and " " not in want:
        assert res.ok, res.err
    else:
        assert res.rc == 10 and want in res.err


# device statement forms: (statement, resource-level?) → minor or drbdadm's message
DEVICE_FORMS: dict[tuple[str, bool], int | str] = {
    ("device minor 7;", False): 7,
    ("device /dev/drbd7;", False): 7,
    ("device drbd7;", False): 7,
    ('device "/dev/drbd7";', False): 7,
    ("device /dev/drbd7 minor 7;", True): 7,
    ("device /dev/drbd_web minor 8;", True): 8,
    ("device /dev/drbd1002 minor 1001;", False): 1001,  # only checked at resource level
    ("device /dev/foo minor 1;", False): 1,
    ("device /dev/drbd1002 minor 1001;", True): "explicit minor number must match",
    ("device /dev/foo minor 1;", True): "device name must start with /dev/drbd\n",
    ("device /dev/drbdx minor 1;", True): "arbitrary device name must start with /dev/drbd_",
    ("device /dev/drbd_foo;", False): "no minor given nor device name contains a minor number",
    ("device /dev/foo;", False): "no minor given nor device name contains a minor number",
}


def _device_file(stmt: str, resource_level: bool) -> str:
    if resource_level:
        return (f"resource r0 {{\n volume 0 {{ {stmt} disk /dev/x; }}\n"
                " on a { node-id 0; address 10.0.0.1:7000; }\n"
                " on b { node-id 1; address 10.0.0.2:7000; }\n}\n")
    return (f"resource r0 {{\n on a {{ node-id 0; address 10.0.0.1:7000; volume 0 {{ {stmt} "
            "disk /dev/x; } }\n"
            " on b { node-id 1; address 10.0.0.2:7000; volume 0 { device minor 1; "
            "disk /dev/x; } }\n}\n")


@pytest.mark.parametrize("form", list(DEVICE_FORMS), ids=lambda f: f"{f[0]}-{f[1]}")
def test_device_forms(form: tuple[str, bool]) -> None:
    want = DEVICE_FORMS[form]
    text = _device_file(*form)
    if isinstance(want, int):
        (rc,) = parse(text, "t.res")
        validate([rc])
        assert rc.host_view("a")[0].minor == want
    else:
        with pytest.raises(ResFileError) as exc:
            parse(text, "t.res")
        assert exc.value.message.startswith("t.res:2: ") and want in exc.value.message


@pytest.mark.realtool
@pytest.mark.parametrize("form", list(DEVICE_FORMS), ids=lambda f: f"{f[0]}-{f[1]}")
def test_device_forms_match_drbdadm(form: tuple[str, bool], tmp_path: Path) -> None:
    f = tmp_path / "t.res"
    f.write_text(_device_file(*form))
    res = drbdadm(["sh-nop"], f)
    want = DEVICE_FORMS[form]
    if isinstance(want, int):
        assert res.ok, res.err
    else:
        assert res.rc != 0 and want in res.err


@pytest.mark.realtool
@pytest.mark.parametrize("case", sorted(CASES))
def test_parse_reads_drbdadm_dump_the_same(case: str, tmp_path: Path) -> None:
    """drbdadm's canonical ``dump`` re-print parses to the same per-host picture."""
    text = render(CASES[case], "alpha")
    f = tmp_path / "d.res"
    f.write_text(text)
    dump = drbdadm(["dump", "all"], f)
    assert dump.rc == 0, dump.err
    (ours,) = parse(text)
    (theirs,) = parse(dump.out, "dump")
    validate([theirs])
    for section in ("options", "net", "disk", "handlers"):
        assert getattr(ours, section) == getattr(theirs, section)
    for h in ours.hosts:
        assert ours.hosts[h].node_id == theirs.hosts[h].node_id
        assert ours.host_view(h) == theirs.host_view(h)
        assert ours.peers_of(h) == theirs.peers_of(h)
