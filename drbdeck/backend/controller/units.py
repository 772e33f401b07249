"""Sizes as the ``linstor`` client reads and prints them (linstor.md §6 "Size units").

Why: operators paste LINSTOR commands (``vd c r1 40G``, ``1371956KiB``); the same text must
give the same KiB here. Integers only, unit case-insensitive, rounded up to whole KiB.
"""

from __future__ import annotations

import re

from drbdeck.backend.controller import apicall as rc

#: unit (lower-cased) -> bytes
UNITS: dict[str, int] = {
    "b": 1, "s": 512,
    "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30,
    "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40, "p": 1 << 50, "pib": 1 << 50,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
}
_SIZE = re.compile(r"^(\d+)(\D*)(.*)$")
MIN_VD_KIB = 4
MAX_VD_KIB = 1 << 40


class SizeError(ValueError):
    """A size string that cannot be read; the message names the field and the rule."""


def parse_size_kib(text: str, default_unit: str = "GiB", field: str = "size") -> int:
    """``"40G"`` → 41943040. Raises SizeError for decimals, unknown units, empty input."""
    if not isinstance(text, str):
        raise SizeError(f"{field}: expected a string, got {type(text).__name__}")
    s = text.strip()
    m = _SIZE.match(s)
    if m is None:
        raise SizeError(f"{field} '{text}': must be an integer followed by an optional unit "
                        "(K, KiB, M, MiB, G, GiB, T, TiB, P, PiB, kB, MB, GB, TB, PB, B, S)")
    # the unit is the non-digit run after the number, as in the linstor client, so
    # "1.5G" reports "." (the decimal point) as the bad unit
    number, unit, rest = int(m.group(1)), m.group(2).strip(), m.group(3)
    mult = UNITS.get((unit or default_unit).lower())
    if mult is None or rest:
        raise SizeError(f"{field} '{text}': \"{unit}\" is not a valid unit (use K, KiB, M, "
                        "MiB, G, GiB, T, TiB, P, PiB, kB, MB, GB, TB, PB, B or S)")
    return -(-number * mult // 1024)


def check_vd_size(kib: int) -> int:
    """VD sizes must lie in 4 KiB .. 2^40 KiB (FAIL_INVLD_VLM_SIZE)."""
    if not MIN_VD_KIB <= kib <= MAX_VD_KIB:
        raise rc.error(rc.FAIL_INVLD_VLM_SIZE,
                       f"Invalid volume size {kib} KiB: must be {MIN_VD_KIB} KiB to "
                       f"{MAX_VD_KIB} KiB.")
    return kib


_STEPS = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def format_kib(kib: int) -> str:
    """As the CLI prints: ``10 GiB``, ``953.67 MiB``, ``512 KiB`` (two decimals, trimmed)."""
    value = float(kib)
    i = 0
    while value >= 1024 and i < len(_STEPS) - 1:
        value /= 1024
        i += 1
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {_STEPS[i]}"
