"""Field-layout templates: recognise a repeated ``key:value`` layout with one regex match.

Why: with ``--statistics`` nearly every line of a resync storm is a ``change peer-device``
progress line whose keys (``done received sent out-of-sync pending unacked dbdt1 eta``)
come in the same order every time; only the values differ. Splitting such a line into
tokens and each token on its colon allocates a list and two strings per token, which is
most of the cost of applying the line. A compiled pattern of the literal keys with one
capture group per value checks the whole layout in a single C-level pass, and the keys are
then shared, pre-hashed constants.

Exactness: the pattern is ``KEY1:([^ ]*) KEY2:([^ ]*) ...`` matched against the *whole*
remainder of the line, so it matches exactly the texts whose space-separated tokens are
those keys in that order, each followed by its first colon — the same split the parser
does (values may contain further colons, as the parser allows). Anything else simply does
not match and the caller falls back to the general path.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["MAX_TEMPLATES", "FieldTemplate", "template_for"]

#: Upper bound on distinct compiled layouts; a real stream has a handful. Beyond it no new
#: templates are made (lines still apply through the general path), so a stream with
#: ever-changing keys cannot make us compile a regex per line.
MAX_TEMPLATES = 256

#: Keys that need the peer-device merge's special handling (phase change resets the
#: progress samples), so a layout containing them is applied through the general merge.
_PHASE_KEYS = frozenset(("replication", "resync-suspended"))


class FieldTemplate:
    """One compiled key layout.

    ``match(text)`` returns a match whose ``groups()`` are the values in ``keys`` order, or
    ``None``. ``done``/``oos`` are the group numbers (1-based) of ``done``/``out-of-sync``
    or 0 when absent; ``progress_only`` is true when a peer-device line of this layout only
    needs ``raw.update`` plus a progress sample (no phase keys).
    """

    __slots__ = (
        "done",
        "keys",
        "line_done",
        "line_match",
        "line_oos",
        "match",
        "oos",
        "progress_only",
    )

    def __init__(self, keys: tuple[str, ...]) -> None:
        self.keys = keys
        pattern = " ".join(f"{re.escape(k)}:([^ ]*)" for k in keys)
        self.match: Callable[[str], re.Match[str] | None] = re.compile(pattern).fullmatch
        self.done = keys.index("done") + 1 if "done" in keys else 0
        self.oos = keys.index("out-of-sync") + 1 if "out-of-sync" in keys else 0
        self.progress_only = _PHASE_KEYS.isdisjoint(keys)
        #: Whole ``change peer-device`` line (timestamp removed) of this layout, for the
        #: hottest line type: group 1 is the line's head up to the last identity token
        #: (DrbdState's fast-path key), then only ``done``/``out-of-sync`` are captured
        #: (group numbers ``line_done``/``line_oos``, 0 when absent); the other values
        #: are split from the text only when someone reads them (PeerDeviceState._flush).
        #: ``[^ ]*+`` without capture is the cheapest thing sre can run; the caller must
        #: reject lines with ESC itself (the parser strips colour codes).
        line = []
        groups = 1
        self.line_done = self.line_oos = 0
        for k in keys:
            if k in ("done", "out-of-sync"):
                groups += 1
                if k == "done":
                    self.line_done = groups
                else:
                    self.line_oos = groups
                line.append(f"{re.escape(k)}:([^ ]*+)")
            else:
                line.append(f"{re.escape(k)}:[^ ]*+")
        self.line_match: Callable[[str], re.Match[str] | None] = re.compile(
            f"({_PD_HEAD}) {' '.join(line)}"
        ).fullmatch


_PD_HEAD = "change peer-device " + " ".join(
    f"{k}:[^ ]*+" for k in ("name", "peer-node-id", "conn-name", "volume")
)

_CACHE: dict[tuple[str, ...], FieldTemplate] = {}


def template_for(keys: tuple[str, ...]) -> FieldTemplate | None:
    """The shared template for this key layout, or ``None`` when it cannot have one.

    The caller guarantees the keys are non-empty, distinct and colon-free (they came out
    of a validated line); ``None`` is returned when :data:`MAX_TEMPLATES` is reached.
    """
    tpl = _CACHE.get(keys)
    if tpl is None:
        if len(_CACHE) >= MAX_TEMPLATES:
            return None
        tpl = _CACHE[keys] = FieldTemplate(keys)
    return tpl
