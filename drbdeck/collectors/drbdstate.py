"""One node's live DRBD state, maintained from its `drbdsetup events2` stream.

Why a separate state machine instead of polling ``status --json``: events2 is push-based and
cheap, and its ``change`` lines are diffs (drbd.md §1.2), so the consumer must keep the
accumulated picture itself. :class:`DrbdState` applies every line with those semantics:

* ``exists``/``create`` carry all keys; ``change`` carries identity keys plus only the
  changed groups (possibly nothing else at all); both merge into the object's ``raw`` dict.
* ``destroy`` removes the object (a resource takes its children with it); ``rename``
  re-keys a resource; ``exists -`` marks the end of the initial dump (:attr:`initial_done`).
* ``call``/``response helper`` lines are remembered per resource (``last_helper``).

Speed: after an object has been seen once, later ``change`` lines about it are recognised
by their identity prefix (a dict lookup on a string slice) and merged without building an
:class:`~drbdeck.collectors.events2.Event`; everything else takes the validating path through
:func:`~drbdeck.collectors.events2.parse_line`. Both paths share the merge functions, so
their semantics cannot drift apart. A key layout that recurs for an object gets a compiled
template (:mod:`~drbdeck.collectors.fieldtemplates`); the layout of the latest resync
progress line (``--statistics``: ``done received sent out-of-sync ... eta``) is tried first
on the whole line, and its values are only split out when ``raw`` is next read. Timestamps
of the current second cost one integer conversion.

A malformed line never raises out of :meth:`DrbdState.feed`: it is counted in
:attr:`DrbdState.malformed` and logged at most every few seconds, because one bad line from
a node must not stop monitoring of the whole cluster.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from itertools import repeat
from typing import Any

from drbdeck.collectors.drbdobjects import (
    ConnectionState,
    DeviceState,
    PathState,
    PeerDeviceState,
    ResourceState,
)
from drbdeck.collectors.events2 import (
    IDENTITY_KEYS,
    Event,
    Events2ParseError,
    parse_line,
    parse_timestamp,
)
from drbdeck.collectors.fieldtemplates import FieldTemplate, template_for

__all__ = [
    "MAX_LINE",
    "ConnectionState",
    "DeviceState",
    "DrbdState",
    "Listener",
    "PathState",
    "PeerDeviceState",
    "ResourceState",
]

log = logging.getLogger(__name__)

#: Called with the name of a resource that changed, or ``None`` when everything may have
#: changed (``reset()``, end of the initial dump).
Listener = Callable[[str | None], None]

#: Statistics keys that only make sense while a resync/verify runs; dropped when the
#: replication state changes so a new resync does not show the previous one's figures.
_PROGRESS_KEYS = ("done", "dbdt1", "eta", "dbdt", "dbdt0", "want")

_LOG_INTERVAL_S = 10.0

#: Longest line feed_chunk() buffers; real lines are a few hundred characters.
MAX_LINE = 65536

#: For the change-line fast path: the first 11 characters of a ``change`` line of each
#: object type that takes part ("change reso", "change peer", ...) -> number of tokens up
#: to and including the last identity token. The 11-character prefixes are distinct.
_HEAD_TOKENS = {
    f"change {k}"[:11]: 2 + len(v) for k, v in IDENTITY_KEYS.items() if k not in ("helper", "-")
}
assert len(_HEAD_TOKENS) == 5
_IDENT_SETS = {k: frozenset(v) for k, v in IDENTITY_KEYS.items()}

# Infinite, stateless argument stream for map(str.split, tokens, ":") - the fastest way to
# split many tokens on their colon without a Python-level loop.
_COLON = repeat(":")

_Obj = ResourceState | ConnectionState | DeviceState | PeerDeviceState | PathState
_Merge = Callable[[_Obj, dict[str, str], float | None], None]


class DrbdState:
    """Accumulated events2 state of one node.

    ``clock`` supplies the time for progress samples of lines without ``--timestamps``
    (default ``time.monotonic``); tests pass a fake clock.
    """

    def __init__(self, node: str = "", clock: Callable[[], float] = time.monotonic) -> None:
        self.node = node
        self.resources: dict[str, ResourceState] = {}
        self.initial_done = False
        #: Incremented on every applied event, ``reset()`` and ``exists -``.
        self.generation = 0
        #: Number of lines that could not be parsed or applied.
        self.malformed = 0
        #: The most recent malformed line and its error, for diagnostics.
        self.last_malformed: tuple[str, str] | None = None
        self._clock = clock
        self._listeners: list[Listener] = []
        self._dirty: set[str] = set()
        self._everything_dirty = False
        self._last_log = float("-inf")
        self._suppressed = 0
        self._partial = ""
        # "change <object> <identity tokens>" -> [merge, object, resource, identity keys,
        # field template, last key layout, is peer-device] (see _remember)
        self._fast: dict[str, list[Any]] = {}
        # Layout of the latest templated peer-device progress line: tried first on the
        # whole line (see feed).
        self._hot: FieldTemplate | None = None
        # ("YYYY-MM-DDThh:mm:ss", "±hh:mm", epoch seconds) of the latest --timestamps second
        self._ts_second: tuple[str, str, float] = ("\0", "\0", 0.0)
        self._handlers: dict[str, Callable[[Event], str | None]] = {
            "resource": self._on_resource,
            "connection": self._on_connection,
            "device": self._on_device,
            "peer-device": self._on_peer_device,
            "path": self._on_path,
            "helper": self._on_helper,
        }

    # -- public API ----------------------------------------------------------------------

    def feed(self, line: str) -> None:
        """Apply one events2 line. Never raises for bad input (see :attr:`malformed`)."""
        body = line.rstrip("\r\n")
        ts: float | None = None
        ent = None
        f: dict[str, str] = {}
        try:
            if body[:1].isdigit():
                # Lines of one second share "YYYY-MM-DDThh:mm:ss" and "±hh:mm": only the
                # microseconds need converting (same formula as parse_timestamp). The
                # timestamp is 32 characters, so this compares slices of the line in place
                # before cutting it (about a third of the per-line timestamp cost).
                sec = self._ts_second
                if (
                    body[32:33] == " "
                    and body[:19] == sec[0]
                    and body[26:32] == sec[1]
                    and body[19] == "."
                    and (micro := body[20:26]).isdigit()
                ):
                    ts = sec[2] + int(micro) / 1_000_000
                    body = body[33:]
                else:
                    ts_text, _, body = body.partition(" ")
                    ts = parse_timestamp(ts_text)
                    if len(ts_text) == 32 and ts_text[26] in "+-":
                        whole = f"{ts_text[:20]}000000{ts_text[26:]}"
                        self._ts_second = (ts_text[:19], ts_text[26:], parse_timestamp(whole))
            hot = self._hot
            if hot is not None and (m := hot.line_match(body)) is not None and "\x1b" not in body:
                # A resync progress line in the layout of the previous one (the bulk of a
                # --statistics stream): one regex match validates and splits all of it.
                ent = self._fast.get(m[1])  # (a peer device: see the key's prefix)
                if ent is not None:
                    pd = ent[1]
                    keys = hot.keys
                    # as pd._defer(keys, m), inlined
                    if pd._pending_keys is not keys and pd._pending_match is not None:
                        pd._flush()
                    pd._pending_keys = keys
                    pd._pending_match = m
                    if hot.done:
                        pd._samples.append(
                            (
                                self._clock() if ts is None else ts,
                                m[hot.line_done],
                                m[hot.line_oos] if hot.line_oos else pd.raw.get("out-of-sync"),
                            )
                        )
                    self.generation = gen = self.generation + 1
                    res = ent[2]
                    res.generation = gen
                    self._dirty.add(res.name)
                    if self._listeners:
                        self._notify(res.name)
                    return
            # A change line with a single key:value (the bulk of a stream without
            # --statistics): everything before the last space is the object's key.
            head, _, tail = body.rpartition(" ")
            ent = self._fast.get(head)
            if ent is not None:
                k, sep, v = tail.partition(":")
                if sep and k and k not in ent[3] and "\x1b" not in tail:
                    f = {k: v}
                else:
                    ent = None
            # Otherwise: "change <object> <identity tokens>" has a fixed token count per
            # object type, recognisable from the line's first 11 characters; split off
            # exactly that head and look the object up (a miss costs one dict lookup).
            elif (n := _HEAD_TOKENS.get(body[:11])) is not None and "\x1b" not in body:
                parts = body.split(" ", n)
                if len(parts) > n:
                    rest = parts[n]
                    ent = self._fast.get(body[: len(body) - len(rest) - 1])
                    if ent is not None:
                        if " " in rest:
                            tpl = ent[4]
                            m = tpl.match(rest) if tpl is not None else None
                            if m is not None:
                                obj = ent[1]
                                if tpl.progress_only and ent[6]:
                                    # A resync progress line of a known layout: from now
                                    # on tried first, as a whole line (see above).
                                    raw = obj.raw
                                    raw.update(zip(tpl.keys, m.groups(), strict=False))
                                    self._hot = tpl
                                    if tpl.done:
                                        obj._samples.append(
                                            (
                                                self._clock() if ts is None else ts,
                                                m[tpl.done],
                                                m[tpl.oos] if tpl.oos else raw.get("out-of-sync"),
                                            )
                                        )
                                else:
                                    ent[0](obj, dict(zip(tpl.keys, m.groups(), strict=False)), ts)
                                # bookkeeping as in _changed(), inlined (hot)
                                self.generation = gen = self.generation + 1
                                res = ent[2]
                                res.generation = gen
                                self._dirty.add(res.name)
                                if self._listeners:
                                    self._notify(res.name)
                                return
                            toks = rest.split(" ")
                            # No maxsplit: a value containing ':' makes dict() raise and
                            # the line takes the parser path, which handles it.
                            f = dict(map(str.split, toks, _COLON))
                            if len(f) != len(toks) or "" in f or not ent[3].isdisjoint(f):
                                ent = None
                            else:
                                keys = tuple(f)
                                if keys == ent[5]:  # a layout seen twice in a row: compile
                                    ent[4] = template_for(keys)
                                ent[5] = keys
                        else:
                            k, sep, v = rest.partition(":")
                            if sep and k and k not in ent[3]:
                                f = {k: v}
                            else:
                                ent = None
                else:
                    ent = self._fast.get(body)  # a change line with nothing but identity
        except (Events2ParseError, ValueError):
            ent = None
        if ent is not None:
            ent[0](ent[1], f, ts)
            self.generation = gen = self.generation + 1  # as _changed(), inlined
            res = ent[2]
            res.generation = gen
            self._dirty.add(res.name)
            if self._listeners:
                self._notify(res.name)
            return
        try:
            event = parse_line(line)
        except Events2ParseError as exc:
            self._bad(line, str(exc))
            return
        try:
            self.apply(event)
        except (ValueError, KeyError, TypeError) as exc:
            self._bad(line, f"cannot apply: {exc!r}")

    def feed_many(self, lines: Iterable[str]) -> None:
        """Apply many complete lines; empty lines are skipped."""
        feed = self.feed
        for line in lines:
            if line:
                feed(line)

    def feed_chunk(self, data: str) -> None:
        """Apply stream text in arbitrary pieces (as read from a pipe or SSH channel).

        A trailing partial line is kept until the next chunk completes it; a "line" longer
        than :data:`MAX_LINE` without a newline is dropped and counted as malformed.
        """
        if self._partial:
            data = self._partial + data
        lines = data.split("\n")
        self._partial = lines.pop()
        if len(self._partial) > MAX_LINE:
            self._bad(self._partial, f"line longer than {MAX_LINE} characters")
            self._partial = ""
        feed = self.feed
        for line in lines:
            if line:
                feed(line)

    def apply(self, event: Event) -> None:
        """Apply a parsed event. Raises ValueError for semantically impossible events."""
        if event.object == "-":
            self.initial_done = True
            self.generation += 1
            self._changed(None)
            return
        name = self._handlers[event.object](event)
        self.generation += 1
        if name is not None:
            self._changed(name)

    def reset(self) -> None:
        """Forget everything: the events2 stream restarted and a new dump follows."""
        self.resources.clear()
        self._fast.clear()
        self._partial = ""
        self.initial_done = False
        self.generation += 1
        self._changed(None)

    def add_listener(self, callback: Listener) -> None:
        """Register ``callback(resource_name_or_None)``, called after each change."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        self._listeners.remove(callback)

    def take_dirty(self) -> set[str] | None:
        """Names of resources changed since the last call; ``None`` means "repaint all".

        For a UI that repaints at a fixed rate instead of on every line.
        """
        if self._everything_dirty:
            self._everything_dirty = False
            self._dirty.clear()
            return None
        dirty, self._dirty = self._dirty, set()
        return dirty

    # -- internals -----------------------------------------------------------------------

    def _changed(self, name: str | None) -> None:
        if name is None:
            self._everything_dirty = True
        else:
            self._dirty.add(name)
            res = self.resources.get(name)
            if res is not None:
                res.generation = self.generation
        if self._listeners:
            self._notify(name)

    def _notify(self, name: str | None) -> None:
        for cb in self._listeners:
            try:
                cb(name)
            except Exception:  # a broken UI callback must not kill the stream reader
                log.exception("events2 listener %r failed", cb)

    def _bad(self, line: str, why: str) -> None:
        self.malformed += 1
        shown = line.rstrip("\r\n")
        if len(shown) > 200:
            shown = shown[:200] + "…"
        self.last_malformed = (shown, why)
        now = time.monotonic()
        if now - self._last_log >= _LOG_INTERVAL_S:
            extra = f" ({self._suppressed} more suppressed)" if self._suppressed else ""
            log.warning(
                "node %s: malformed events2 line %r: %s%s", self.node or "?", shown, why, extra
            )
            self._last_log = now
            self._suppressed = 0
        else:
            self._suppressed += 1

    def _remember(self, ev: Event, merge: _Merge, obj: _Obj, res: ResourceState) -> None:
        """Register the object's change-line prefix for the fast path.

        Only on ``change`` lines: most objects of a large initial dump never change, and
        building the key costs as much as parsing the line.
        """
        if ev.action != "change":
            return
        f = ev.fields
        ident = " ".join([f"{k}:{f[k]}" for k in IDENTITY_KEYS[ev.object]])
        self._fast[f"change {ev.object} {ident}"] = [
            merge,
            obj,
            res,
            _IDENT_SETS[ev.object],
            None,  # FieldTemplate of the object's recurring multi-key layout, once seen
            None,  # key tuple of the last multi-key change line (to spot a recurrence)
            ev.object == "peer-device",
        ]

    def _resource(self, name: str) -> ResourceState:
        res = self.resources.get(name)
        if res is None:
            res = self.resources[name] = ResourceState(name)
        return res

    def _connection(self, res: ResourceState, f: dict[str, str]) -> ConnectionState:
        pnid = int(f["peer-node-id"])
        conn = res.connections.get(pnid)
        if conn is None:
            conn = res.connections[pnid] = ConnectionState(res, pnid)
            conn.raw["conn-name"] = f["conn-name"]
        return conn

    def _on_resource(self, ev: Event) -> str | None:
        f = ev.fields
        name = f["name"]
        action = ev.action
        if action == "destroy":
            self.resources.pop(name, None)
            self._fast.clear()
            return name
        if action == "rename":
            new = f.get("new_name")
            if not new:
                raise ValueError("rename resource without new_name")
            if new in self.resources and new != name:
                raise ValueError(f"rename to {new!r}, which already exists")
            res = self.resources.pop(name, None) or ResourceState(name)
            res.name = new
            res.raw["name"] = new
            for conn in res.connections.values():
                conn.raw["name"] = new
                for obj in (*conn.peer_devices.values(), *conn.paths.values()):
                    obj.raw["name"] = new
            for dev in res.devices.values():
                dev.raw["name"] = new
            self.resources[new] = res
            self._fast.clear()
            self._changed(name)  # the old name disappeared
            return new
        res = self._resource(name)
        if action != "change":
            res.raw.clear()
        _merge_plain(res, f, ev.timestamp)
        self._remember(ev, _merge_plain, res, res)
        return name

    def _on_connection(self, ev: Event) -> str | None:
        f = ev.fields
        name = f["name"]
        if ev.action == "destroy":
            res = self.resources.get(name)
            if res is not None:
                res.connections.pop(int(f["peer-node-id"]), None)
            self._fast.clear()
            return name
        res = self._resource(name)
        conn = self._connection(res, f)
        if ev.action != "change":
            conn.raw.clear()
        _merge_plain(conn, f, ev.timestamp)
        self._remember(ev, _merge_plain, conn, res)
        return name

    def _on_device(self, ev: Event) -> str | None:
        f = ev.fields
        name = f["name"]
        vol = int(f["volume"])
        if ev.action == "destroy":
            res = self.resources.get(name)
            if res is not None:
                res.devices.pop(vol, None)
            self._fast.clear()
            return name
        res = self._resource(name)
        dev = res.devices.get(vol)
        if dev is None:
            dev = res.devices[vol] = DeviceState(res, vol)
        elif ev.action != "change":
            dev.raw.clear()
        _merge_plain(dev, f, ev.timestamp)
        self._remember(ev, _merge_plain, dev, res)
        return name

    def _on_peer_device(self, ev: Event) -> str | None:
        f = ev.fields
        name = f["name"]
        vol = int(f["volume"])
        if ev.action == "destroy":
            res = self.resources.get(name)
            if res is not None:
                conn = res.connections.get(int(f["peer-node-id"]))
                if conn is not None:
                    conn.peer_devices.pop(vol, None)
            self._fast.clear()
            return name
        res = self._resource(name)
        conn = self._connection(res, f)
        pd = conn.peer_devices.get(vol)
        if pd is None:
            pd = conn.peer_devices[vol] = PeerDeviceState(conn, vol)
        if ev.action != "change":
            pd.raw.clear()
            pd._reset_progress()
        merge = self._merge_peer_device
        merge(pd, f, ev.timestamp)
        self._remember(ev, merge, pd, res)  # type: ignore[arg-type]
        return name

    def _merge_peer_device(self, pd: PeerDeviceState, f: dict[str, str], t: float | None) -> None:
        """Merge a peer-device diff, keeping the resync progress samples consistent."""
        if pd._pending_match is not None:
            pd._flush()  # as the raw property does; skipped here for speed
        raw = pd._raw
        rep = f.get("replication")
        if rep is not None and rep != raw.get("replication"):
            pd._reset_progress()  # a new phase: previous figures do not apply
            for key in _PROGRESS_KEYS:
                if key not in f:
                    raw.pop(key, None)
        else:
            susp = f.get("resync-suspended")
            if susp is not None and susp != raw.get("resync-suspended"):
                pd._reset_progress()  # exclude paused intervals from rate samples
        raw.update(f)
        done = f.get("done")
        if done is not None:
            pd._samples.append((self._clock() if t is None else t, done, raw.get("out-of-sync")))

    def _on_path(self, ev: Event) -> str | None:
        f = ev.fields
        name = f["name"]
        key = (f["local"], f["peer"])
        if ev.action == "destroy":
            res = self.resources.get(name)
            if res is not None:
                conn = res.connections.get(int(f["peer-node-id"]))
                if conn is not None:
                    conn.paths.pop(key, None)
            self._fast.clear()
            return name
        res = self._resource(name)
        conn = self._connection(res, f)
        path = conn.paths.get(key)
        if path is None:
            path = conn.paths[key] = PathState(*key)
        elif ev.action != "change":
            path.raw.clear()
        _merge_plain(path, f, ev.timestamp)
        self._remember(ev, _merge_plain, path, res)
        return name

    def _on_helper(self, ev: Event) -> str | None:
        name = ev.fields["name"]
        res = self.resources.get(name)
        if res is None:
            return None
        res.last_helper = {"action": ev.action, **ev.fields}
        return name


def _merge_plain(obj: _Obj, f: dict[str, str], t: float | None) -> None:
    """Diff semantics for objects without derived state: newer keys replace older ones."""
    obj.raw.update(f)
