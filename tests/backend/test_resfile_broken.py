"""Broken files (drbd.md §4.3): the real drbdadm and our parse+validate agree.

Each rejected fixture must make drbdadm exit 10 and make us raise ResFileError(exit 10)
with a message containing the same drbdadm wording. Files drbdadm 9.22 accepts silently
(bad IPv4, missing final brace, missing ``disk`` = diskless, …) are accepted by us too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drbdeck.backend.resfile import ResFileError, parse, validate
from tests.drbdtools import drbdadm

HERE = Path(__file__).parent / "broken_res"

#: fixture → a fragment both drbdadm's and our message must contain
REJECTED: dict[str, str] = {
    "missing_semicolon.res": "3: Parse error: ';' expected,\n\tbut got '}'",
    "unknown_option.res": "2: Parse error: 'cpu-mask | on-no-data-accessible | auto-promote",
    "unknown_net_option.res": "2: Parse error: 'an option keyword' expected,\n\tbut got 'frob",
    "misspelled_section.res": "'protocol | on | disk | net | syncer | startup | handlers",
    "bad_enum.res": "while parsing value ('sometimes')\nfor quorum. Value is not valid.",
    "bad_protocol.res": "for protocol. Value is not valid.\nAllowed values are: A | B | C",
    "bad_bool.res": "for allow-two-primaries. Value is not 'yes' or 'no'.",
    "too_big.res": "for timeout. Value is too big.",
    "too_small.res": "for max-buffers. Value is too small.",
    "not_a_number.res": "for timeout. Value is not a number.",
    "long_secret.res": "for shared-secret. Value is too long.\nmax len: 63",
    "minor_abc.res": "2: Parse error: 'TK_INTEGER' expected,\n\tbut got 'abc' (TK 281)",
    "missing_node_id.res": ":3: in resource r0, on bravo { ... }: 'node-id' keyword missing.",
    "missing_disk_with_meta_disk.res": ":2: in resource r0, on alpha { ... }: 'disk' keyword "
    "missing.",
    "ambiguous_inheritance.res": 'in resource r0, ambiguous inheritance for option "c-max-rate".'
    '\nshould be "1000" and "2000" at the same time',
    "dup_net_option.res": ':1: in resource r0, ambiguous inheritance for option "timeout".\n'
    'should be "50" and "60" at the same time',
    "dup_peer_device_option.res": 'ambiguous inheritance for option "c-min-rate".',
    "volume_not_defined.res": ":7: in resource r0, on alpha { ... }: volume 1 not defined on "
    "bravo",
    "volume_missing.res": ":7: in resource r0, on alpha { ... }: volume 1 missing (present on "
    "bravo)",
    "same_minor_two_volumes.res": "conflicting use of device-minor 'device-minor:alpha:1' ...",
    "missing_device.res": ":2: in resource r0, on alpha { ... }: 'device' keyword missing.",
    "duplicate_node_id.res": ":3: conflicting use of node-id 'r0:0' ...",
    "node_id_range.res": ":3: node-id 40 => 40 out of range [0..32].",
    "port_range.res": ":3: port 99999 => 99999 out of range [1..65535].",
    "address_no_port.res": ":3: Parse error: ':' expected,\n\tbut got ';' (TK 59)",
    "connection_unknown_host.res": 'in resource r0 a hostname ("delta") is given',
    "mesh_without_address.res": '"connection-mesh" (for "r0") with a host ("alpha") that has '
    'no "address" defined',
    "same_minor.res": "conflicting use of device-minor 'device-minor:alpha:1' ...",
    "same_address.res": "ipv4:10.0.0.1:7000 is also used",
    "same_endpoint_both_sides.res": "in resource r0 ipv4:10.0.0.1:7000 is used for both "
    "endpoints",
    "tiebreaker.res": "'device | disk | meta-disk | flex-meta-disk | }' expected,\n\tbut got "
    "'tiebreaker' (TK 281)",
    "unknown_volume_keyword.res": "but got 'frob' (TK 281)",
    "unknown_top_level.res": "1: Parse error: 'global | common | resource | skip | include |",
    "unknown_on_keyword.res": "'disk | device | address | meta-disk | flexible-meta-disk | "
    "node-id | skip' expected,\n\tbut got 'frob'",
}

#: accepted by drbd-utils 9.22 (exit 0) — and by us
ACCEPTED = [
    "ok_bad_ipv4.res",
    "ok_same_ip_two_peers.res",
    "ok_duplicate_connection.res",
    "ok_missing_final_brace.res",
    "ok_name_with_space.res",
    "ok_no_meta_disk.res",
    "ok_three_hosts_no_connections.res",  # drbdadm only warns
    "ok_dup_resource_option.res",  # options { } repeats are not inherited
    "ok_dup_volume_disk_option.res",  # only peer-device keys are inherited from volumes
    "ok_unsorted_volumes.res",
    "ok_missing_disk.res",  # without disk (and meta-disk) a volume is diskless in 9.22
]


def _ours(name: str) -> None:
    path = HERE / name
    validate(parse(path.read_text(), str(path)))


def test_fixture_lists_cover_the_folder() -> None:
    assert {p.name for p in HERE.glob("*.res")} == set(REJECTED) | set(ACCEPTED)


@pytest.mark.realtool
@pytest.mark.parametrize("name", sorted(REJECTED))
def test_drbdadm_rejects(name: str) -> None:
    res = drbdadm(["sh-nop"], HERE / name)
    assert res.rc == 10, res
    assert REJECTED[name] in res.err


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_we_reject_like_drbdadm(name: str) -> None:
    with pytest.raises(ResFileError) as exc:
        _ours(name)
    assert exc.value.exit_code == 10
    assert REJECTED[name] in exc.value.message


@pytest.mark.realtool
@pytest.mark.parametrize("name", ACCEPTED)
def test_drbdadm_accepts(name: str) -> None:
    assert drbdadm(["sh-nop"], HERE / name).rc == 0


@pytest.mark.parametrize("name", ACCEPTED)
def test_we_accept(name: str) -> None:
    _ours(name)


def test_missing_disk_means_diskless() -> None:
    path = HERE / "ok_missing_disk.res"
    rc = parse(path.read_text(), str(path))[0]
    assert rc.host_view("alpha")[0].diskless
