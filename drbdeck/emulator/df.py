"""``df`` on an emulated node: one root filesystem holding every file.

Why: the controller measures FILE/FILE_THIN storage pools with ``df -kP DIR``; without it,
file pools on emulated nodes had no capacity and auto-place never chose them. The output
follows GNU coreutils' POSIX format (``-P``), sizes in 1024-byte blocks (``-k``).
"""

from __future__ import annotations

from drbdeck.emulator.core import Invocation, command

#: Size of an emulated node's root filesystem, unless the node says otherwise.
ROOT_FS_KIB = 100 * 1024 * 1024
_OPTIONS = {"-k", "-P", "-kP", "-Pk", "--portability"}


def _row(total_kib: int, used_kib: int) -> str:
    avail = max(total_kib - used_kib, 0)
    pct = -(-used_kib * 100 // total_kib) if total_kib else 0  # df rounds up
    return f"/dev/root {total_kib:>14} {used_kib:>9} {avail:>9} {pct:>7}% /\n"


@command("df")
async def df(inv: Invocation) -> int:
    args = inv.argv[1:]
    bad = [a for a in args if a.startswith("-") and a not in _OPTIONS]
    if bad:
        inv.err(f"df: invalid option -- '{bad[0].lstrip('-')[:1]}'\n"
                "Try 'df --help' for more information.\n")
        return 1
    paths = [a for a in args if not a.startswith("-")] or ["/"]
    fs = inv.node.fs
    total = int(getattr(inv.node, "rootfs_kib", ROOT_FS_KIB))
    used = -(-fs.used_bytes() // 1024)
    rc = 0
    rows = []
    for p in paths:
        if not fs.exists(p):
            inv.err(f"df: {p}: No such file or directory\n")
            rc = 1
            continue
        rows.append(_row(total, used))
    if rows:
        inv.out("Filesystem     1024-blocks      Used Available Capacity Mounted on\n"
                + "".join(rows))
    return rc
