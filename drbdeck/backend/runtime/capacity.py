"""Storage pool capacity as the node reports it: ``vgs``/``lvs`` for LVM pools, ``df`` for
FILE pools (the file system holding the pool's directory), as LINSTOR's providers do.

Why its own module: the runtime only decides *when* to measure (after a connect, after a
change); what to ask a node and how to read the answers is kept here, testable with
canned output.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from drbdeck.backend.controller.model import Provider, StorPool
from drbdeck.backend.runtime.desired_map import FILE_PROVIDERS, LVM_PROVIDERS, split_backing
from drbdeck.backend.satellite import NodeLink, SatelliteError

log = logging.getLogger(__name__)

#: (free KiB, total KiB, allocation granularity KiB)
Capacity = tuple[int, int, int]
#: FILE pools: data is written in 4 KiB blocks
FILE_GRANULARITY_KIB = 4


def parse_df(text: str) -> tuple[int, int] | None:
    """``df -kP DIR`` → (free KiB, total KiB), or None when the output is not df's."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        return None
    cols = lines[-1].split()
    if len(cols) < 6 or not (cols[1].isdigit() and cols[3].isdigit()):
        return None
    return int(cols[3]), int(cols[1])


async def _df(link: NodeLink, directory: str) -> tuple[int, int] | None:
    """The free/total KiB of the filesystem holding ``directory``.

    The pool's directory is created first (``mkdir -p``): creating a FILE pool means "keep
    volumes here", and ``df`` of a directory that does not exist yet would leave the pool
    without figures — so auto-place would never choose it and nothing would ever create
    the directory."""
    try:
        made = await link.run(["mkdir", "-p", directory])
        if not made.ok:
            log.info("%s: mkdir -p %s failed: %s", link.node, directory,
                     made.stderr_text.strip())
            return None
        res = await link.run(["df", "-kP", directory])
    except (SatelliteError, ValueError) as exc:
        log.info("%s: df %s failed: %s", link.node, directory, exc)
        return None
    return parse_df(res.stdout_text) if res.ok else None


async def measure(link: NodeLink, pools: Iterable[StorPool]) -> dict[str, Capacity]:
    """Pool name → capacity for the pools the node could describe (others are left out:
    a VG or directory that does not exist yet has no figures)."""
    pools = [p for p in pools if p.backing]
    lvm = [p for p in pools if p.provider in LVM_PROVIDERS]
    files = [p for p in pools if p.provider in FILE_PROVIDERS]
    out: dict[str, Capacity] = {}
    if lvm:
        vgs, lvs = await asyncio.gather(link.query_vgs(), link.query_lvs())
        by_vg = {v.name: v for v in vgs}
        by_lv = {(lv.vg, lv.name): lv for lv in lvs}
        for pool in lvm:
            assert pool.backing is not None
            vg_name, thin = split_backing(pool.backing)
            vg = by_vg.get(vg_name)
            if vg is None:
                continue
            total, free = vg.size_kib, vg.free_kib
            if pool.provider is Provider.LVM_THIN:
                lv = by_lv.get((vg_name, thin or ""))
                if lv is None:
                    continue
                used = int(lv.size_kib * (lv.data_percent or 0.0) / 100.0)
                total, free = lv.size_kib, lv.size_kib - used
            out[pool.name] = (free, total, vg.extent_size_kib)
    if files:
        got = await asyncio.gather(*(_df(link, p.backing or "/") for p in files))
        for pool, fig in zip(files, got, strict=True):
            if fig is not None:
                out[pool.name] = (fig[0], fig[1], FILE_GRANULARITY_KIB)
    return out


__all__ = ["Capacity", "measure", "parse_df"]
