"""Which option keywords each drbd.conf section accepts, and how their values are checked.

The lists mirror drbd-utils 9.22 (``drbdsetup help <cmd>`` and drbdadm's parse errors), so
a file we accept is one the real drbdadm accepts too. Value checks follow drbdadm's
messages: ``Value is not valid.``, ``too big``, ``too small``, ``not a number``,
``too long`` (strings, max 63), ``not 'yes' or 'no'``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    """How one option's value is checked.

    kind: bool | enum | num | numenum | str (``hi`` = max length) | any |
    flag (no value allowed) | int (plain integer token, no unit suffix) |
    kwenum (a keyword choice; a wrong one is a plain parse error).
    """

    kind: str
    values: tuple[str, ...] = ()
    lo: int | None = None
    hi: int | None = None


def _b() -> Spec:
    return Spec("bool")


def _e(*vals: str) -> Spec:
    return Spec("enum", vals)


def _n(lo: int | None = None, hi: int | None = None) -> Spec:
    return Spec("num", lo=lo, hi=hi)


_S = Spec("str")
_S63 = Spec("str", hi=63)
_FLAG = Spec("flag")
_ANY = Spec("any")

RESOURCE_OPTIONS: dict[str, Spec] = {
    "cpu-mask": _ANY,
    "on-no-data-accessible": _e("io-error", "suspend-io"),
    "auto-promote": _b(),
    "peer-ack-window": _n(2048, 204800),
    "peer-ack-delay": _n(1, 10000),
    "twopc-timeout": _n(50, 600),
    "twopc-retry-timeout": _n(1, 50),
    "auto-promote-timeout": _n(0, 600),
    "max-io-depth": _n(4, 4294967295),
    "quorum": Spec("numenum", ("off", "majority", "all"), 1, 32),
    "on-no-quorum": _e("io-error", "suspend-io"),
    "quorum-minimum-redundancy": Spec("numenum", ("off", "majority", "all"), 1, 32),
    "on-suspended-primary-outdated": _e("disconnect", "force-secondary"),
}

NET_OPTIONS: dict[str, Spec] = {
    "transport": _S,
    "protocol": _e("A", "B", "C"),
    "timeout": _n(1, 600),
    "max-epoch-size": _n(1, 20000),
    "connect-int": _n(1, 120),
    "ping-int": _n(1, 120),
    "sndbuf-size": _n(0, 10485760),
    "rcvbuf-size": _n(0, 10485760),
    "ko-count": _n(0, 200),
    "allow-two-primaries": _b(),
    "cram-hmac-alg": _S63,
    "shared-secret": _S63,
    "after-sb-0pri": _e(
        "disconnect", "discard-younger-primary", "discard-older-primary",
        "discard-zero-changes", "discard-least-changes", "discard-local", "discard-remote",
    ),
    "after-sb-1pri": _e(
        "disconnect", "consensus", "discard-secondary", "call-pri-lost-after-sb",
        "violently-as0p",
    ),
    "after-sb-2pri": _e("disconnect", "call-pri-lost-after-sb", "violently-as0p"),
    "always-asbp": _b(),
    "rr-conflict": _e("disconnect", "call-pri-lost", "violently", "retry-connect", "auto-discard"),
    "ping-timeout": _n(1, 300),
    "data-integrity-alg": _S63,
    "tcp-cork": _b(),
    "on-congestion": _e("block", "pull-ahead", "disconnect"),
    "congestion-fill": _n(0, 20971520),
    "congestion-extents": _n(67, 65534),
    "csums-alg": _S63,
    "csums-after-crash-only": _b(),
    "verify-alg": _S63,
    "use-rle": _b(),
    "socket-check-timeout": _n(0, 300),
    "fencing": _e("dont-care", "resource-only", "resource-and-stonith"),
    "max-buffers": _n(32, 131072),
    "allow-remote-read": _b(),
}

#: drbdadm does not range-check al-extents (the kernel clamps it), so neither do we.
DISK_OPTIONS: dict[str, Spec] = {
    "size": _n(0, None),
    "on-io-error": _e("pass_on", "call-local-io-error", "detach"),
    "disk-barrier": _b(),
    "disk-flushes": _b(),
    "disk-drain": _b(),
    "md-flushes": _b(),
    "resync-after": _ANY,
    "al-extents": _n(None, None),
    "al-updates": _b(),
    "discard-zeroes-if-aligned": _b(),
    "disable-write-same": _b(),
    "disk-timeout": _n(0, 6000),
    "read-balancing": _e(
        "prefer-local", "prefer-remote", "round-robin", "least-pending",
        "when-congested-remote", "32K-striping", "64K-striping", "128K-striping",
        "256K-striping", "512K-striping", "1M-striping",
    ),
    "rs-discard-granularity": _n(0, 1048576),
    # peer-device options (also allowed in a connection's disk section)
    "resync-rate": _n(None, None),
    "c-plan-ahead": _n(0, 300),
    "c-delay-target": _n(1, 100),
    "c-fill-target": _n(None, None),
    "c-max-rate": _n(None, None),
    "c-min-rate": _n(None, None),
    "bitmap": _b(),
}

PEER_DEVICE_OPTIONS = {
    k: DISK_OPTIONS[k]
    for k in ("resync-rate", "c-plan-ahead", "c-delay-target", "c-fill-target", "c-max-rate",
              "c-min-rate", "bitmap")
}

HANDLERS: dict[str, Spec] = {
    k: _S
    for k in (
        "pri-on-incon-degr", "pri-lost-after-sb", "pri-lost", "initial-split-brain",
        "split-brain", "outdate-peer", "fence-peer", "unfence-peer", "local-io-error",
        "before-resync-target", "after-resync-target", "before-resync-source",
        "out-of-sync", "quorum-lost", "disconnected",
    )
}

STARTUP: dict[str, Spec] = {
    "wfc-timeout": _n(0, 300000),
    "degr-wfc-timeout": _n(0, 300000),
    "outdated-wfc-timeout": _n(0, 300000),
    "wait-after-sb": _b(),
    "become-primary-on": _ANY,
    "stacked-timeouts": _FLAG,
}

GLOBAL: dict[str, Spec] = {
    "usage-count": Spec("kwenum", ("yes", "no", "ask")),
    "dialog-refresh": Spec("int"),
    "minor-count": Spec("int"),
    "disable-ip-verification": _FLAG,
    "udev-always-use-vnr": _FLAG,
}

SECTIONS: dict[str, dict[str, Spec]] = {
    "options": RESOURCE_OPTIONS,
    "net": NET_OPTIONS,
    "disk": DISK_OPTIONS,
    "handlers": HANDLERS,
    "startup": STARTUP,
    "global": GLOBAL,
}

#: What drbdadm lists as "expected" when it meets an unknown keyword in each section.
EXPECTED: dict[str, str] = {
    "options": " | ".join(RESOURCE_OPTIONS),
    "net": "an option keyword",
    "disk": " | ".join(PEER_DEVICE_OPTIONS),
    "handlers": " | ".join(HANDLERS),
    "startup": "<an option keyword> | become-primary-on | stacked-timeouts",
    "global": "dialog-refresh | minor-count | disable-ip-verification",
}

_NUM = re.compile(r"^(\d+)([kKmMgGsS]?)$")
#: unit suffixes are byte multipliers (``s`` = 512-byte sectors) ...
_SUFFIX = {"k": 1024, "m": 1024**2, "g": 1024**3, "s": 512}
#: ... converted into the option's own base unit (bytes unless listed)
_BASE_UNIT = {
    "size": 512, "peer-ack-window": 512, "c-fill-target": 512, "congestion-fill": 512,
    "resync-rate": 1024, "c-max-rate": 1024, "c-min-rate": 1024,
}


def check_value(section: str, key: str, value: str | None) -> str | None:
    """Return None if ``value`` is acceptable for ``key``, else drbdadm's reason text.

    A missing value (``allow-two-primaries;``) is accepted for every option, as drbdadm does.
    """
    spec = SECTIONS[section][key]
    if value is None:
        return None
    shown = value if len(value) <= 20 else value[:20] + "..."
    head = f"while parsing value ('{shown}')\nfor {key}."
    if spec.kind == "bool":
        if value not in ("yes", "no"):
            return f"{head} Value is not 'yes' or 'no'."
    elif spec.kind == "enum":
        if value not in spec.values:
            return f"{head} Value is not valid.\nAllowed values are: " + " | ".join(spec.values)
    elif spec.kind == "str":
        if spec.hi is not None and len(value) > spec.hi:
            return f"{head} Value is too long.\nmax len: {spec.hi}"
    elif spec.kind in ("num", "numenum"):
        if spec.kind == "numenum" and value in spec.values:
            return None
        m = _NUM.match(value)
        if m is None:
            if spec.kind == "numenum":
                return f"{head} Value is not valid."
            return f"{head} Value is not a number."
        num = int(m.group(1))
        if m.group(2):
            num = num * _SUFFIX[m.group(2).lower()] // _BASE_UNIT.get(key, 1)
        if spec.lo is not None and num < spec.lo:
            return f"{head} Value is too small."
        if spec.hi is not None and num > spec.hi:
            return f"{head} Value is too big."
    return None
