"""events2 printing: diff two snapshots into lines, format them, fan out to subscribers.

Mirrors drbdsetup's diffing printer (drbd.md §1.2): ``exists``/``create`` lines carry every
state key, ``change`` lines only the changed groups, ``destroy`` lines only identity keys.
One broadcast = one kernel batch: all its lines share a timestamp and reach a subscriber as
one chunk, so a reader never sees half a state change.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from drbdeck.emulator.drbd.objects import GROUPS, KV, Entry, Snap, Stored

_DESTROY_ORDER = {"path": 0, "peer-device": 1, "connection": 2, "device": 3, "resource": 4}


@dataclass
class LineSpec:
    """One line of a batch before it is formatted for a subscriber's flags."""

    action: str  # exists | create | change | destroy
    snap: Snap
    groups: Sequence[tuple[KV, ...]]
    progress: bool = False  # a resync progress report (printed even with no state change)


def diff(
    old: dict[tuple[Any, ...], Stored],
    new: list[Entry],
    build: Callable[[str, Any, tuple[tuple[KV, ...], ...]], Snap],
    progress: frozenset[tuple[Any, ...]] = frozenset(),
) -> tuple[list[LineSpec], dict[tuple[Any, ...], Stored]]:
    """The lines one batch prints (creates/changes in ``new`` order, then destroys) and
    what is printed afterwards.

    Only state groups decide whether an object prints, so a full Snap (with identity and
    statistics) is built only for created, changed or progress-reporting objects; the
    others keep their stored form, whose statistics are never read again."""
    out: list[LineSpec] = []
    printed: dict[tuple[Any, ...], Stored] = {}
    for key, kind, src, groups in new:
        before = old.get(key)
        if before is None:
            snap = build(kind, src, groups)
            printed[key] = tuple(snap)
            out.append(LineSpec("create", snap, groups))
            continue
        prog = bool(progress) and key in progress
        old_groups = before[GROUPS]
        if groups == old_groups and not prog:  # the common case: one C-level tuple compare
            printed[key] = before
            continue
        snap = build(kind, src, groups)
        printed[key] = tuple(snap)
        changed = [g for g, og in zip(groups, old_groups, strict=True) if g != og]
        out.append(LineSpec("change", snap, changed, progress=prog))
    gone = [Snap._make(s) for k, s in old.items() if k not in printed]
    gone.sort(key=lambda s: _DESTROY_ORDER[s.kind])
    out.extend(LineSpec("destroy", s, []) for s in gone)
    return out, printed


def helper_specs(resource: str, helper: str, context: list[KV]) -> tuple[LineSpec, LineSpec]:
    """``call helper`` / ``response helper … status:0`` for a user-mode helper the kernel
    runs (a no-op handler: exit 0, raw wait status 0)."""
    ident = (("name", resource), *context, ("helper", helper))
    call = Snap("helper", ident, (), ())
    resp = Snap("helper", ident, ((("status", "0"),),), ())
    return LineSpec("call", call, []), LineSpec("response", resp, resp.groups)


def exists_specs(snaps: list[tuple[tuple[Any, ...], Snap]]) -> list[LineSpec]:
    return [LineSpec("exists", s, s.groups) for _k, s in snaps]


def format_line(spec: LineSpec, statistics: bool, full_changes: bool = False) -> str:
    """One line; ``full_changes`` (``--full``) prints every state key on change lines."""
    s = spec.snap
    kv: list[KV] = list(s.ident)
    if spec.action != "destroy":
        full = spec.action in ("exists", "create")
        groups = s.groups if full_changes and spec.action == "change" else spec.groups
        for i, g in enumerate(groups):
            if s.kind == "resource" and statistics and (full or full_changes) \
                    and i == len(groups) - 1:
                kv.extend(s.pre_stats)
            kv.extend(g)
        if s.kind == "peer-device":
            if s.done is not None:
                kv.append(("done", s.done))
            if statistics:
                kv.extend(s.stats)
                kv.extend(s.tail)
        elif statistics:
            kv.extend(s.stats)
    body = " ".join(f"{k}:{v}" for k, v in kv)
    return f"{spec.action} {s.kind} {body}"


_tz: tzinfo | None = None
_tz_until = 0.0


def _local_tz() -> tzinfo:
    """The local UTC offset, looked up at most once a minute.

    ``datetime.now().astimezone()`` consults the C library's localtime on every call, which
    was a visible share of each batch at 10,000 replicas; a minute-old offset is still right
    except within a minute of a DST switch, which no consumer of an emulator cares about."""
    global _tz, _tz_until
    now = time.monotonic()
    if _tz is None or now >= _tz_until:
        _tz = datetime.now().astimezone().tzinfo
        _tz_until = now + 60.0
    assert _tz is not None
    return _tz


def timestamp() -> str:
    """drbdsetup's ``--timestamps`` prefix: local wall clock with microseconds and offset."""
    return datetime.now(_local_tz()).isoformat(timespec="microseconds")


@dataclass(eq=False)
class Subscriber:
    """One ``drbdsetup events2`` reader: its flags and its queue of printed chunks."""

    resource: str | None  # None = all
    statistics: bool = False
    timestamps: bool = False
    full: bool = False
    chunks: deque[str] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False

    def push(self, text: str) -> None:
        self.chunks.append(text)
        self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()

    def drain(self) -> str:
        text = "".join(self.chunks)
        self.chunks.clear()
        self.wake.clear()
        return text


def render(
    specs: list[LineSpec], statistics: bool, stamp: str | None, full: bool = False
) -> str:
    """A whole batch as text, every line prefixed with the same timestamp if wanted."""
    prefix = f"{stamp} " if stamp else ""
    return "".join(f"{prefix}{format_line(sp, statistics, full)}\n" for sp in specs)


class Broadcaster:
    """The subscriber set of one kernel; formats each batch once per flag combination."""

    def __init__(self) -> None:
        self.subscribers: list[Subscriber] = []

    def subscribe(
        self, resource: str | None, statistics: bool, timestamps: bool, full: bool = False
    ) -> Subscriber:
        sub = Subscriber(resource, statistics, timestamps, full=full)
        self.subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        if sub in self.subscribers:
            self.subscribers.remove(sub)

    def send(self, resource: str, specs: list[LineSpec]) -> None:
        if not specs or not self.subscribers:
            return
        stamp: str | None = None  # only when some reader asked for --timestamps
        cache: dict[tuple[bool, bool, bool], str] = {}
        for sub in self.subscribers:
            if sub.resource is not None and sub.resource != resource:
                continue
            key = (sub.statistics, sub.timestamps, sub.full)
            text = cache.get(key)
            if text is None:
                if sub.timestamps and stamp is None:
                    stamp = timestamp()
                text = cache[key] = render(
                    specs, sub.statistics, stamp if sub.timestamps else None, sub.full
                )
            sub.push(text)

    def close_all(self) -> None:
        for sub in self.subscribers:
            sub.close()
        self.subscribers.clear()
