"""mdsize: the documented tables, the real drbdmeta on sparse files/loop devices, and
properties of the gross/net inverse pair."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drbdeck.backend.mdsize import (
    MAX_KIB,
    bm_offset_bytes,
    gross_from_net,
    md_offset_bytes,
    md_sectors,
    md_size_kib,
    net_from_gross,
    round_up,
    usable_bytes,
)
from tests.conftest import loop_device, require_root
from tests.drbdtools import drbdmeta, dump_md_fields

MiB = 2**20
GiB = 2**30
TiB = 2**40

# drbd.md §6.2: size → {peers: (md sectors, usable KiB)}
TABLE: dict[int, dict[int, tuple[int, int]]] = {
    100 * MiB: {1: (80, 102360), 2: (88, 102356), 3: (96, 102352), 4: (104, 102348),
                7: (120, 102340), 31: (272, 102264)},
    GiB: {1: (136, 1048508), 2: (200, 1048476), 3: (264, 1048444), 4: (328, 1048412),
          7: (520, 1048316), 31: (2056, 1047548)},
    1340 * MiB: {1: (160, 1372080), 2: (240, 1372040), 3: (328, 1371996), 4: (408, 1371956),
                 7: (664, 1371828), 31: (2672, 1370824)},
    10 * GiB: {1: (712, 10485404), 2: (1352, 10485084), 3: (1992, 10484764),
               4: (2632, 10484444), 7: (4552, 10483484), 31: (19912, 10475804)},
    TiB: {1: (65608, 1073709020), 2: (131144, 1073676252), 3: (196680, 1073643484),
          4: (262216, 1073610716), 7: (458824, 1073512412), 31: (2031688, 1072725980)},
}
ROWS = [(size, n, md, kib) for size, row in TABLE.items() for n, (md, kib) in row.items()]


@pytest.mark.parametrize(("size", "peers", "md", "usable_kib"), ROWS)
def test_drbdmeta_table(size: int, peers: int, md: int, usable_kib: int) -> None:
    assert md_sectors(size, peers) == md
    assert usable_bytes(size, peers) // 1024 == usable_kib
    # the KiB (LINSTOR) form agrees on 4 KiB-multiple devices
    assert net_from_gross(size // 1024, peers) == usable_kib
    assert md_size_kib(size // 1024, peers) * 2 == md


# linstor.md §4: net → gross → LV (4 MiB extents) → net after rounding
@pytest.mark.parametrize(
    ("net", "peers", "gross", "lv", "net_after"),
    [
        (1371956, 4, 1372160, 1372160, 1371956),
        (1371956, 7, 1372288, 1376256, 1375924),
        (1371956, 1, 1372036, 1372160, 1372080),
        (41943040, 7, 41952040, 41955328, 41946328),
    ],
)
def test_linstor_table(net: int, peers: int, gross: int, lv: int, net_after: int) -> None:
    assert gross_from_net(net, peers) == gross
    assert round_up(gross, 4096) == lv
    assert net_from_gross(lv, peers) == net_after


def test_seed_example() -> None:
    assert net_from_gross(1340 * 1024, 4) == 1_371_956
    assert gross_from_net(1_371_956, 4) == 1_372_160
    assert md_offset_bytes(1340 * MiB) == 1405087744
    assert bm_offset_bytes(1340 * MiB, 4) == 1404882944


def test_minimum_gross() -> None:
    assert gross_from_net(4, 1) == 68
    assert net_from_gross(68, 1) == 28


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: net_from_gross(1024, 0), "peers: 0 out of range"),
        (lambda: net_from_gross(1024, 32), "peers: 32 out of range"),
        (lambda: gross_from_net(1024, 40), "max-peers must be 1..31"),
        (lambda: md_sectors(1024, 0), "peers"),
        (lambda: net_from_gross(10, 1), "gross_kib: 10 KiB out of range"),
        (lambda: net_from_gross(MAX_KIB + 1, 1), "gross_kib"),
        (lambda: gross_from_net(0, 1), "net_kib: 0 KiB out of range"),
        (lambda: gross_from_net(1.5, 1), "net_kib"),
        (lambda: round_up(10, 0), "extent_kib: 0 must be > 0"),
        (lambda: round_up(-1, 4), "kib: -1 must be >= 0"),
        (lambda: md_sectors(-1, 1), "dev_bytes"),
        (lambda: net_from_gross(1024, True), "peers"),
    ],
)
def test_bad_input_names_value_and_rule(call, fragment: str) -> None:
    with pytest.raises(ValueError) as exc:
        call()
    assert fragment in str(exc.value)


@settings(max_examples=300, deadline=None)
@given(st.integers(4, 2**36), st.integers(1, 31))
def test_gross_from_net_is_minimal_inverse(net: int, peers: int) -> None:
    gross = gross_from_net(net, peers)
    assert net_from_gross(gross, peers) >= net
    # minimal in 4 KiB steps: one allocation unit less no longer fits
    if gross - 4 >= 68:
        assert net_from_gross(gross - 4, peers) < net


@settings(max_examples=300, deadline=None)
@given(st.integers(68, 2**36), st.integers(1, 31))
def test_net_from_gross_monotonic(gross: int, peers: int) -> None:
    assert net_from_gross(gross + 4, peers) >= net_from_gross(gross, peers)


# -- real drbdmeta -------------------------------------------------------------------------

LKBD = Path("/var/lib/drbd")


@contextlib.contextmanager
def _minor_cleanup(minor: int) -> Iterator[None]:
    """drbdmeta leaves /var/lib/drbd/drbd-minor-N.lkbd behind; remove the ones we create."""
    f = LKBD / f"drbd-minor-{minor}.lkbd"
    existed = f.exists()
    try:
        yield
    finally:
        if not existed:
            f.unlink(missing_ok=True)


REAL = [
    (size, n)
    for size in (100 * MiB, GiB, 1340 * MiB, 10 * GiB, 37 * MiB + 4096 * 3, 5 * MiB + 512 * 5)
    for n in (1, 4, 31)
]


@pytest.mark.realtool
@pytest.mark.parametrize(("i", "size", "peers"), [(i, s, n) for i, (s, n) in enumerate(REAL)])
def test_real_drbdmeta_on_sparse_file(i: int, size: int, peers: int, tmp_path: Path) -> None:
    require_root("drbdmeta writes /var/lib/drbd")
    minor = 243 + i
    img = tmp_path / "md.img"
    with open(img, "wb") as fh:
        fh.truncate(size)
    with _minor_cleanup(minor):
        create = drbdmeta(["--force", str(minor), "v09", str(img), "internal", "create-md",
                           str(peers)])
        assert create.rc == 0, create.err
        dump = drbdmeta(["--force", str(minor), "v09", str(img), "internal", "dump-md"])
        assert dump.rc == 0, dump.err
    got = dump_md_fields(dump.out)
    assert got["max_peers"] == peers
    assert got["md_size_sect"] == md_sectors(size, peers)
    assert got["md_offset"] == md_offset_bytes(size)
    assert got["bm_offset"] == bm_offset_bytes(size, peers)
    assert got["al_offset"] == md_offset_bytes(size) - 32768


@pytest.mark.realtool
def test_real_drbdmeta_on_loop_device(tmp_path: Path) -> None:
    size = 1340 * MiB
    minor = 299
    with loop_device(tmp_path / "loop.img", size) as dev, _minor_cleanup(minor):
        create = drbdmeta([str(minor), "v09", dev, "internal", "create-md", "4"])
        assert create.rc == 0, create.err
        dump = drbdmeta([str(minor), "v09", dev, "internal", "dump-md"])
        assert dump.rc == 0, dump.err
    got = dump_md_fields(dump.out)
    assert got["md_size_sect"] == 408
    assert got["bm_offset"] // 1024 == 1_371_956 == net_from_gross(size // 1024, 4)
