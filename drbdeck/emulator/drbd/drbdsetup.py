"""The emulated ``drbdsetup``: ``events2``, ``status`` and ``show``.

``events2`` subscribes *before* printing the initial dump, so no batch can fall between
the dump and the stream; it then forwards whole batches until the SSH channel closes
(``Invocation.closed``) or the node's kernel goes away.
"""

from __future__ import annotations

import asyncio
import contextlib

from drbdeck.emulator.core import Invocation
from drbdeck.emulator.drbd.events import render, timestamp
from drbdeck.emulator.drbd.objects import Resource
from drbdeck.emulator.drbd.status import show_json, show_text, status_json, status_text

#: what drbdsetup prints when there is no kernel module (drbd.md §1.4)
NO_MODULE = "Failed to modprobe drbd (No such file or directory)\n"

_COLOR = ("--color", "--color=never", "--color=auto", "--color=always")


def _kernel(inv: Invocation):  # type: ignore[no-untyped-def]
    return inv.node.drbd


async def drbdsetup(inv: Invocation) -> int:
    args = inv.argv[1:]
    if not args:
        inv.err("USAGE: drbdsetup command {arguments} [options]\n")
        return 20
    cmd, rest = args[0], args[1:]
    if _kernel(inv) is None:
        inv.err(NO_MODULE)
        return 20
    if cmd == "events2":
        return await events2(inv, rest)
    if cmd == "status":
        return _status(inv, rest)
    if cmd == "show":
        return _show(inv, rest)
    inv.err(f"drbdsetup: unknown command '{cmd}'\n")
    return 20


def _split(inv: Invocation, rest: list[str], known: set[str]) -> tuple[set[str], list[str]] | int:
    flags: set[str] = set()
    pos: list[str] = []
    for a in rest:
        if a.startswith("-"):
            name = a.split("=", 1)[0]
            if a in _COLOR or name == "--color":
                continue
            if name not in known:
                inv.err(f"drbdsetup: unrecognized option '{a}'\n")
                return 20
            flags.add(name)
        else:
            pos.append(a)
    return flags, pos


def _select(inv: Invocation, pos: list[str]) -> list[Resource] | int:
    k = _kernel(inv)
    if not pos or pos[0] == "all":
        return [k.resources[n] for n in sorted(k.resources)]
    out = []
    for name in pos:
        res = k.resources.get(name)
        if res is None:
            inv.err(f"{name}: No such resource\n")
            return 10
        out.append(res)
    return out


async def events2(inv: Invocation, rest: list[str]) -> int:
    """``events2 [all|RES] [--statistics] [--timestamps] [--now] [--full] [--color=…]``."""
    known = {"--statistics", "-s", "--timestamps", "-t", "--now", "-n", "--full", "-f"}
    parsed = _split(inv, rest, known)
    if isinstance(parsed, int):
        return parsed
    flags, pos = parsed
    stats = bool(flags & {"--statistics", "-s", "--full", "-f"})
    stamps = bool(flags & {"--timestamps", "-t"})
    now = bool(flags & {"--now", "-n"})
    full = bool(flags & {"--full", "-f"})
    which = None if not pos or pos[0] == "all" else pos[0]
    k = _kernel(inv)
    sub = None if now else k.subscribe(which, stats, stamps, full)
    stamp = timestamp() if stamps else None
    text = render(k.initial_state(which), stats, stamp)
    inv.out(text + (f"{stamp} " if stamp else "") + "exists -\n")
    if sub is None:
        return 0
    closed = asyncio.ensure_future(inv.closed.wait())
    try:
        while True:
            if sub.chunks:
                inv.out(sub.drain())
                continue
            if sub.closed:
                return 0
            wake = asyncio.ensure_future(sub.wake.wait())
            done, _ = await asyncio.wait({wake, closed}, return_when=asyncio.FIRST_COMPLETED)
            if closed in done:
                wake.cancel()
                return 0
    finally:
        k.unsubscribe(sub)
        closed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await closed


def _status(inv: Invocation, rest: list[str]) -> int:
    known = {"--json", "-j", "--verbose", "-v", "--statistics", "-s"}
    parsed = _split(inv, rest, known)
    if isinstance(parsed, int):
        return parsed
    flags, pos = parsed
    sel = _select(inv, pos)
    if isinstance(sel, int):
        return sel
    if flags & {"--json", "-j"}:
        inv.out(status_json(sel))
    else:
        inv.out(status_text(sel))
    return 0


def _show(inv: Invocation, rest: list[str]) -> int:
    parsed = _split(inv, rest, {"--json", "--show-defaults"})
    if isinstance(parsed, int):
        return parsed
    flags, pos = parsed
    sel = _select(inv, pos)
    if isinstance(sel, int):
        return sel
    inv.out(show_json(sel) if "--json" in flags else show_text(sel))
    return 0
