"""The emulated ``drbdmeta``: writing fresh metadata onto a backing device.

``drbdadm create-md`` runs this; a direct ``drbdmeta MINOR v09 DEV internal create-md N``
works too. Messages, streams and exit codes follow drbdmeta 9.22 (drbd.md §6.3, checked
against the real tool on a loop device): overwriting existing metadata without ``--force``
on a non-TTY stdin is cancelled with exit 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drbdeck.backend import mdsize
from drbdeck.emulator.core import Invocation
from drbdeck.emulator.drbd.md import bitmap_kib, fresh

Write = Callable[[str], None]


def create_md(
    node: Any, path: str, minor: int, max_peers: int, force: bool, out: Write, err: Write
) -> int:
    """Initialise metadata on ``path``; returns drbdmeta's exit code."""
    if not 1 <= max_peers <= 31:
        err("MAX_PEERS argument not in allowed range 1 .. 31.\n")
        return 20
    dev = node.block_device(path)
    if dev is None:
        err(f"open({path}) failed: No such file or directory\n")
        return 20
    kernel = node.drbd
    if kernel is not None and kernel.backing_in_use(path) is not None:
        err(f"Device '{minor}' is configured!\n")
        return 20
    if mdsize.usable_bytes(dev.size_bytes, max_peers) <= 0:
        err(f"{path}: device too small for internal meta data\n")
        return 10
    if dev.md is not None:
        err(
            "You want me to create a v09 style flexible-size internal meta data block.\n"
            "There appears to be a v09 flexible-size internal meta data block\n"
            f"already in place on {path} at byte offset "
            f"{mdsize.md_offset_bytes(dev.size_bytes)}\n\n"
            "Do you really want to overwrite the existing meta-data?\n"
        )
        if not force:
            err("stdin not a TTY, not waiting for confirmation\n")
            out("Operation cancelled.\n")
            return 1
        err("*** confirmation forced via --force option ***\n")
    dev.md = fresh(dev.size_bytes, max_peers)
    if kernel is not None:
        kernel.network.facts.create_md[(node.name, path)] += 1
    err(f"initializing bitmap ({bitmap_kib(dev.size_bytes, max_peers)} KB) to all zero\n")
    out(
        "initializing activity log\n"
        "Writing meta data...\n"
        "New drbd meta data block successfully created.\n"
    )
    return 0


def dump_md(node: Any, path: str, minor: int, out: Write, err: Write) -> int:
    """``dump-md``: the header and layout lines drbdmeta 9.22 prints (adoption reads
    ``max-peers`` and ``bm_offset``); refused while the device is attached, as the real
    tool refuses a configured minor."""
    dev = node.block_device(path)
    if dev is None:
        err(f"open({path}) failed: No such file or directory\n")
        return 20
    kernel = node.drbd
    if kernel is not None and kernel.backing_in_use(path) is not None:
        err(f"Device '{minor}' is configured!\n")
        return 20
    md = dev.md
    if md is None:
        err("No valid meta data found\n")
        return 255
    size = dev.size_bytes
    md_off = mdsize.md_offset_bytes(size)
    lines = [
        "# DRBD meta data dump", "#", "", 'version "v09";', "",
        f"max-peers {md.max_peers};",
        f"# md_size_sect {mdsize.md_sectors(size, md.max_peers)}",
        f"# md_offset {md_off}", f"# al_offset {md_off - 32768}",
        f"# bm_offset {mdsize.bm_offset_bytes(size, md.max_peers)}", "",
        f"node-id {md.node_id};", f"current-uuid 0x{md.current_uuid:016X};",
        "flags 0x00000000;",
    ]
    for i in range(32):
        slot = md.slots.get(i)
        lines += [f"peer[{i}] {{", f"    bitmap-index {i if slot else -1};",
                  f"    bitmap-uuid 0x{(slot.bitmap_uuid if slot else 0):016X};", "}"]
    out("\n".join(lines) + "\n")
    return 0


async def drbdmeta(inv: Invocation) -> int:
    """``drbdmeta [--force] MINOR v09 DEV internal create-md N``, ``dump-md``, ``dstate``."""
    args = [a for a in inv.argv[1:] if a != "--force"]
    force = "--force" in inv.argv[1:]
    if len(args) < 5 or args[1] != "v09":
        inv.err("USAGE: drbdmeta [--force] MINOR v09 DEVICE internal COMMAND [ARGS]\n")
        return 20
    minor_s, _fmt, path, _idx, cmd, *rest = args
    if not minor_s.isdigit():
        inv.err(f"'{minor_s}' is not a minor number\n")
        return 20
    if cmd == "create-md":
        n = rest[0] if rest else "1"
        if not n.isdigit():
            inv.err("MAX_PEERS argument not in allowed range 1 .. 31.\n")
            return 20
        return create_md(inv.node, path, int(minor_s), int(n), force, inv.out, inv.err)
    if cmd == "dump-md":
        return dump_md(inv.node, path, int(minor_s), inv.out, inv.err)
    if cmd == "dstate":
        dev = inv.node.block_device(path)
        if dev is None:
            inv.err(f"open({path}) failed: No such file or directory\n")
            return 20
        if dev.md is None:
            inv.err("No valid meta data found\n")
            return 255
        inv.out(f"{dev.md.disk_state}\n")
        return 0
    inv.err(f"Unknown command '{cmd}'.\n")
    return 20
