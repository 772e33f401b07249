"""Exact size of DRBD's internal (flex-internal, v09) metadata.

Two forms of the same layout (drbd.md §6, linstor.md §4):

* KiB form, as LINSTOR's ``MetaData.java`` computes it: ``net_from_gross`` (what a device
  of a given size offers) and ``gross_from_net`` (how big the backing LV must be), so our
  allocations match LINSTOR's to the KiB.
* bytes/sectors form, as drbdmeta/the kernel compute it (``md_sectors``,
  ``usable_bytes``), for the emulator's kernel and ``dump-md``.

Layout at the end of the backing device: bitmap (1 bit per 4 KiB of the *whole* device
per peer slot, 64-bit aligned per peer, total rounded to 4 KiB), 32 KiB activity log,
4 KiB superblock.
"""

from __future__ import annotations

DATA_ALIGN_KIB = 4
AL_KIB = 32  # 1 stripe x 32 KiB
SUPERBLOCK_KIB = 4
MIN_GROSS_KIB = 68
MIN_NET_KIB = 4
MAX_KIB = 2**40
MIN_PEERS, MAX_PEERS = 1, 31
BM_BLOCK_KIB = 4
SECTOR = 512


def _ceil_a(x: int, a: int) -> int:
    return -(-x // a) * a


def _floor_a(x: int, a: int) -> int:
    return x // a * a


def _ceil_div(x: int, d: int) -> int:
    return -(-x // d)


def _check_peers(peers: int) -> None:
    if isinstance(peers, bool) or not isinstance(peers, int):
        raise ValueError(f"peers: {peers!r} must be an integer in {MIN_PEERS}..{MAX_PEERS}")
    if not MIN_PEERS <= peers <= MAX_PEERS:
        raise ValueError(f"peers: {peers} out of range: max-peers must be "
                         f"{MIN_PEERS}..{MAX_PEERS}")


def _check_kib(name: str, kib: int, lo: int) -> None:
    if isinstance(kib, bool) or not isinstance(kib, int):
        raise ValueError(f"{name}: {kib!r} must be an integer number of KiB")
    if not lo <= kib <= MAX_KIB:
        raise ValueError(f"{name}: {kib} KiB out of range: must be {lo}..{MAX_KIB} KiB")


def _bitmap_kib(gross_kib: int, peers: int) -> int:
    pbytes = _ceil_a(_ceil_div(gross_kib, BM_BLOCK_KIB * 8), 8)
    return _ceil_a(_ceil_a(pbytes * peers, 1024) // 1024, 4)


def md_size_kib(gross_kib: int, peers: int) -> int:
    """Internal metadata size (KiB) on a backing device of ``gross_kib`` KiB."""
    _check_peers(peers)
    _check_kib("gross_kib", gross_kib, MIN_GROSS_KIB)
    g = _ceil_a(gross_kib, DATA_ALIGN_KIB)
    return _ceil_a(_bitmap_kib(g, peers) + AL_KIB + SUPERBLOCK_KIB, 4)


def net_from_gross(gross_kib: int, peers: int) -> int:
    """Usable DRBD size (KiB) of a backing device of ``gross_kib`` KiB (getNetSize)."""
    md = md_size_kib(gross_kib, peers)
    floor = _floor_a(gross_kib, DATA_ALIGN_KIB)
    if md >= floor:
        raise ValueError(f"gross_kib: {gross_kib} KiB is too small for {md} KiB of metadata")
    return floor - md


def gross_from_net(net_kib: int, peers: int) -> int:
    """Backing device size (KiB) needed for ``net_kib`` usable KiB (getGrossSize).

    The bitmap must also cover the metadata area itself, hence the iteration.
    """
    _check_peers(peers)
    _check_kib("net_kib", net_kib, MIN_NET_KIB)
    n = _ceil_a(net_kib, DATA_ALIGN_KIB)
    g = n + AL_KIB + SUPERBLOCK_KIB
    bm = 0
    cover = 0
    while cover < g:
        pbytes = _ceil_a(_ceil_div(g, BM_BLOCK_KIB * 8), 8)
        cover = pbytes * BM_BLOCK_KIB * 8
        bm = _ceil_a(_ceil_a(pbytes * peers, 1024) // 1024, 4)
        g = n + _ceil_a(AL_KIB + SUPERBLOCK_KIB + bm, 4)
    md = _ceil_a(bm + AL_KIB + SUPERBLOCK_KIB, 4)
    return max(_ceil_a(net_kib, BM_BLOCK_KIB) + md, MIN_GROSS_KIB)


def round_up(kib: int, extent_kib: int) -> int:
    """Round ``kib`` up to a whole number of extents (LVM allocation granularity)."""
    for name, v in (("kib", kib), ("extent_kib", extent_kib)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{name}: {v!r} must be an integer")
    if kib < 0:
        raise ValueError(f"kib: {kib} must be >= 0")
    if extent_kib <= 0:
        raise ValueError(f"extent_kib: {extent_kib} must be > 0")
    return _ceil_a(kib, extent_kib)


# -- bytes / sectors form (drbdmeta, kernel) --------------------------------------------

def md_sectors(dev_bytes: int, peers: int, al_stripes: int = 1, al_stripe_4k: int = 8) -> int:
    """``md_size_sect`` as drbdmeta writes it for a device of ``dev_bytes`` bytes."""
    _check_peers(peers)
    if isinstance(dev_bytes, bool) or not isinstance(dev_bytes, int) or dev_bytes < 0:
        raise ValueError(f"dev_bytes: {dev_bytes!r} must be a non-negative integer")
    sect = dev_bytes // SECTOR
    bits = _ceil_a(_ceil_div(sect, BM_BLOCK_KIB * 2), 64)
    bm = _ceil_a(bits // 8 * peers, 4096)
    return bm // SECTOR + 8 + al_stripes * al_stripe_4k * 8


def md_offset_bytes(dev_bytes: int) -> int:
    """Superblock position: last 4 KiB-aligned 4 KiB of the device."""
    return (dev_bytes & ~4095) - 4096


def usable_bytes(dev_bytes: int, peers: int) -> int:
    """Bytes the DRBD device exposes on this backing device (0 if metadata does not fit).

    The metadata ends at the last 4 KiB boundary (the 0–7 sectors after it stay unused),
    so usable data ends where the bitmap begins: ``md_offset + 4096 − md_size``.
    """
    md = md_sectors(dev_bytes, peers)
    return max((dev_bytes & ~4095) - md * SECTOR, 0)


def bm_offset_bytes(dev_bytes: int, peers: int) -> int:
    """Where the bitmap starts (``bm_offset`` in dump-md is relative to md_offset)."""
    return usable_bytes(dev_bytes, peers)


# -- peer-slot inference (adoption of running resources) ---------------------------------

def peer_slot_candidates(gross_bytes: int, net_bytes: int) -> list[int]:
    """Every max-peers value whose internal metadata leaves exactly ``net_bytes`` of data on
    a backing device of ``gross_bytes`` bytes (ascending; empty when none does).

    Why: a running resource's peer slots decide how big new replicas must be, and reading
    them from the metadata (``dump-md``) needs the volume detached. The LV size and the
    DRBD device size (``blockdev --getsize64`` on both) give them without downtime. Small
    devices can leave several candidates (the bitmap is rounded to 4 KiB).
    """
    for name, v in (("gross_bytes", gross_bytes), ("net_bytes", net_bytes)):
        if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
            raise ValueError(f"{name}: {v!r} must be a positive integer number of bytes")
    return [p for p in range(MIN_PEERS, MAX_PEERS + 1)
            if usable_bytes(gross_bytes, p) == net_bytes]


def infer_peer_slots(gross_bytes: int, net_bytes: int) -> int:
    """The peer slots of a running volume: the largest candidate (a new replica created
    with it is never smaller than the running ones). Raises ValueError when no max-peers
    value explains the sizes — the device is then limited by something else (a ``size``
    option, a smaller peer) and the slots must be read with ``drbdadm dump-md``."""
    found = peer_slot_candidates(gross_bytes, net_bytes)
    if not found:
        raise ValueError(
            f"net_bytes: {net_bytes} bytes of data on a {gross_bytes}-byte backing device "
            f"match no internal metadata layout with {MIN_PEERS}..{MAX_PEERS} peer slots "
            "(read max-peers with 'drbdadm dump-md' while the volume is detached)")
    return found[-1]
