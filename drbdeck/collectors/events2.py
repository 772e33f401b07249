"""Parse single lines of `drbdsetup events2` output into :class:`Event` objects.

Why a hand-written parser: the controller and the console consume one events2 stream per
node, and a resync storm on a large cluster produces tens of thousands of lines per second.
The grammar is trivially tokenised by single spaces (a value never contains a space), so the
hot path uses only ``str.split`` and a dict build, no regular expressions and no per-token
Python objects. Anything unexpected raises :class:`Events2ParseError` with a message naming
the offending token, so the caller (``DrbdState.feed``) can count and log it.

Line grammar (drbd.md §1.1)::

    [TIMESTAMP ' '] ACTION ' ' OBJECT { ' ' KEY ':' VALUE }*

Each token is split on its *first* colon only, because addresses contain colons
(``local:ipv4:10.0.0.1:7000``). ``exists -`` ends the initial state dump.
"""

from __future__ import annotations

import datetime as _dt
from itertools import repeat

__all__ = [
    "ACTIONS",
    "IDENTITY_KEYS",
    "OBJECTS",
    "Event",
    "Events2ParseError",
    "format_line",
    "parse_line",
    "parse_timestamp",
]

#: Every action drbdsetup prints (ev2.c).
ACTIONS: frozenset[str] = frozenset(
    ("exists", "create", "change", "destroy", "call", "response", "rename")
)

#: Object types, plus ``-`` which only appears in ``exists -``.
OBJECTS: frozenset[str] = frozenset(
    ("resource", "connection", "device", "peer-device", "path", "helper", "-")
)

#: Keys that identify an object and are present on every line about it (drbd.md §1.1).
#: ``helper`` lines may carry more context keys, but only ``name`` is guaranteed.
IDENTITY_KEYS: dict[str, tuple[str, ...]] = {
    "resource": ("name",),
    "connection": ("name", "peer-node-id", "conn-name"),
    "device": ("name", "volume", "minor"),
    "peer-device": ("name", "peer-node-id", "conn-name", "volume"),
    "path": ("name", "peer-node-id", "conn-name", "local", "peer"),
    "helper": ("name",),
    "-": (),
}


class Events2ParseError(ValueError):
    """A line that is not valid events2 output; the message names the token and the rule."""


class Event:
    """One parsed events2 line.

    ``fields`` holds every ``key:value`` pair of the line, identity keys included, as
    strings exactly as printed: typed conversion happens where a value is *used*, so a
    stream of 100k lines/s does not pay for converting values nobody looks at.
    ``timestamp`` is seconds since the epoch when the line had a ``--timestamps`` prefix,
    else ``None``; ``timestamp_text`` is the prefix as printed.
    """

    __slots__ = ("action", "fields", "object", "timestamp", "timestamp_text")

    def __init__(
        self,
        action: str,
        object: str,
        fields: dict[str, str],
        timestamp: float | None = None,
        timestamp_text: str | None = None,
    ) -> None:
        self.action = action
        self.object = object
        self.fields = fields
        self.timestamp = timestamp
        self.timestamp_text = timestamp_text

    @property
    def name(self) -> str | None:
        """The resource name (every object but ``exists -`` carries one)."""
        return self.fields.get("name")

    @property
    def identity(self) -> dict[str, str]:
        """Only the identity keys of this object type (see :data:`IDENTITY_KEYS`)."""
        keys = IDENTITY_KEYS.get(self.object, ())
        f = self.fields
        return {k: f[k] for k in keys if k in f}

    @property
    def is_initial_done(self) -> bool:
        """True for the ``exists -`` line that terminates the initial state dump."""
        return self.object == "-"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Event):
            return NotImplemented
        return (
            self.action == other.action
            and self.object == other.object
            and self.fields == other.fields
            and self.timestamp == other.timestamp
        )

    __hash__ = None  # type: ignore[assignment]  # mutable value object: not hashable

    def __repr__(self) -> str:
        ts = f"{self.timestamp_text} " if self.timestamp_text else ""
        return f"Event({ts}{self.action} {self.object} {self.fields!r})"


_HELPER_ACTIONS = frozenset(("call", "response"))

# Stateless infinite argument streams: map(str.split, tokens, _COLON, _ONE) splits every
# token on its first colon without a Python-level loop.
_COLON = repeat(":")
_ONE = repeat(1)


# --- timestamps ---------------------------------------------------------------------------

# Cache: "YYYY-MM-DDThh:mm:ss" + "±hh:mm" -> epoch seconds of that whole second. All lines of
# one kernel batch share a prefix and consecutive batches mostly share the second, so the
# expensive datetime parse runs about once per second of stream time.
_TS_CACHE: dict[str, float] = {}
_TS_CACHE_MAX = 4096
#: The most recent whole second: (its "YYYY-MM-DDThh:mm:ss" text, its "±hh:mm" text, epoch
#: seconds). A stream's consecutive lines almost always fall into it, and ``startswith``/
#: ``endswith`` test that without building a key string.
_LAST_SECOND: tuple[str, str, float] = ("\0", "\0", 0.0)


def parse_timestamp(text: str) -> float:
    """Convert a drbdsetup ``--timestamps`` prefix to epoch seconds.

    drbdsetup prints ``YYYY-MM-DDThh:mm:ss.uuuuuu±hh:mm`` (drbd.md §1.4); that exact shape
    takes a cached fast path, anything else ISO-8601-like goes through ``fromisoformat``.
    Raises :class:`Events2ParseError` for text that is not a timestamp.
    """
    global _LAST_SECOND
    if len(text) == 32 and text[19] == ".":
        sec, tz, base = _LAST_SECOND
        if not (text.startswith(sec) and text.endswith(tz)):
            if text[26] not in "+-":
                return _slow_timestamp(text, text)
            sec, tz = text[:19], text[26:]
            key = sec + tz
            cached = _TS_CACHE.get(key)
            if cached is None:
                cached = _slow_timestamp(key, text)
                if len(_TS_CACHE) >= _TS_CACHE_MAX:
                    _TS_CACHE.clear()
                _TS_CACHE[key] = cached
            base = cached
            _LAST_SECOND = (sec, tz, base)
        micro = text[20:26]
        if micro.isdigit():
            return base + int(micro) / 1_000_000
        raise Events2ParseError(f"bad timestamp {text!r}: microseconds must be 6 digits")
    return _slow_timestamp(text, text)


def _slow_timestamp(iso: str, original: str) -> float:
    if len(iso) < 19 or iso[4] != "-" or iso[10] != "T":
        raise Events2ParseError(
            f"bad timestamp {original!r}: expected YYYY-MM-DDThh:mm:ss.uuuuuu±hh:mm"
        )
    try:
        value = _dt.datetime.fromisoformat(iso)
    except ValueError:
        raise Events2ParseError(
            f"bad timestamp {original!r}: expected YYYY-MM-DDThh:mm:ss.uuuuuu±hh:mm"
        ) from None
    if value.tzinfo is None:
        raise Events2ParseError(f"bad timestamp {original!r}: missing UTC offset")
    return value.timestamp()


# --- the line parser ----------------------------------------------------------------------


def _strip_ansi(line: str) -> str:
    """Remove SGR colour codes (``ESC[...m``) that ``--color=always`` or a pty adds."""
    out: list[str] = []
    i = 0
    n = len(line)
    while i < n:
        j = line.find("\x1b[", i)
        if j < 0:
            out.append(line[i:])
            break
        out.append(line[i:j])
        k = line.find("m", j + 2)
        if k < 0:
            raise Events2ParseError("unterminated ANSI colour sequence")
        i = k + 1
    return "".join(out)


def parse_line(line: str) -> Event:
    """Parse one events2 line (trailing newline allowed) into an :class:`Event`.

    Raises :class:`Events2ParseError` naming the rule that was broken: unknown action or
    object, a token without ``key:``, a missing identity key, or a bad timestamp.
    """
    if "\x1b" in line:
        line = _strip_ansi(line)
    parts = line.rstrip("\r\n").split(" ")
    action = parts[0]
    ts: float | None = None
    ts_text: str | None = None
    start = 1
    if action not in ACTIONS:
        if not action:
            if len(parts) == 1:
                raise Events2ParseError("empty line")
            raise Events2ParseError("line starts with a space")
        if action[0].isdigit() and len(parts) > 1:
            ts_text = action
            ts = parse_timestamp(action)
            action = parts[1]
            start = 2
            if action not in ACTIONS:
                raise Events2ParseError(f"unknown action {action!r} after timestamp")
        else:
            raise Events2ParseError(f"unknown action {action!r}")
    try:
        obj = parts[start]
    except IndexError:
        raise Events2ParseError(f"{action!r} without an object type") from None
    if obj not in OBJECTS:
        raise Events2ParseError(f"unknown object type {obj!r} in {action!r} line")
    if obj == "helper" or action in _HELPER_ACTIONS:
        if obj != "helper" or action not in _HELPER_ACTIONS:
            raise Events2ParseError(f"{action!r} {obj!r}: only helpers are called/answered")
    elif action == "rename" and obj != "resource":
        raise Events2ParseError(f"'rename' applies to resources only, not {obj!r}")
    tokens = parts[start + 1 :]
    if obj == "-":
        if tokens or action != "exists":
            raise Events2ParseError("'-' is only valid as the complete line 'exists -'")
        return Event(action, obj, {}, ts, ts_text)
    try:
        fields = dict(map(str.split, tokens, _COLON, _ONE))
    except ValueError:
        for t in tokens:
            if ":" not in t:
                what = "empty token (double space?)" if not t else f"token {t!r} has no ':'"
                raise Events2ParseError(f"{action} {obj}: {what}") from None
        raise  # pragma: no cover - dict() failed for another reason
    if "" in fields:
        raise Events2ParseError(f"{action} {obj}: empty key in ':{fields['']}'")
    if len(fields) != len(tokens):
        raise Events2ParseError(f"{action} {obj}: a key appears twice")
    for key in IDENTITY_KEYS[obj]:
        if key not in fields:
            raise Events2ParseError(f"{action} {obj}: identity key {key!r} missing")
    return Event(action, obj, fields, ts, ts_text)


def format_line(event: Event) -> str:
    """Render an :class:`Event` back to events2 text (no newline).

    Used by tests (round trips) and by the emulator-facing benchmarks; identity keys come
    first in their canonical order, then the remaining keys in insertion order.
    """
    head = f"{event.timestamp_text} " if event.timestamp_text else ""
    if event.object == "-":
        return f"{head}{event.action} -"
    ident = IDENTITY_KEYS.get(event.object, ())
    f = event.fields
    toks = [f"{k}:{f[k]}" for k in ident if k in f]
    toks.extend(f"{k}:{v}" for k, v in f.items() if k not in ident)
    return " ".join([f"{head}{event.action} {event.object}", *toks])
