"""Size parsing and display for the CLI, as LINSTOR's client does it (linstor.md §6).

The CLI talks REST and must not import the backend, so it keeps this small parser of its
own; it must behave exactly like the controller's ``units`` module and §6: an integer,
then an optional case-insensitive unit (K/KiB … P/PiB binary, kB … PB decimal, B bytes,
S 512-byte sectors), a default unit chosen by the command (GiB for ``vd c``), and the
result rounded *up* to whole KiB. ``1.5G`` is refused, as in LINSTOR.
"""

from __future__ import annotations

import re

_BINARY = {"k": 1, "m": 2, "g": 3, "t": 4, "p": 5}
_DECIMAL = {"kb": 1, "mb": 2, "gb": 3, "tb": 4, "pb": 5}

#: unit (lower case) → bytes
UNITS: dict[str, int] = {"b": 1, "s": 512}
for _u, _e in _BINARY.items():
    UNITS[_u] = UNITS[_u + "ib"] = 1024**_e
for _u, _e in _DECIMAL.items():
    UNITS[_u] = 1000**_e

_SIZE = re.compile(r"(\d+)(.*)", re.DOTALL)

#: names shown in errors and help
UNIT_NAMES = "K, KiB, M, MiB, G, GiB, T, TiB, P, PiB, kB, MB, GB, TB, PB, B, S"


class SizeError(ValueError):
    """A size the CLI cannot read; the message says what is wrong and what is allowed."""


def parse_size_kib(text: str, default_unit: str = "GiB") -> int:
    """``"40G"`` → 41943040; a bare number is in ``default_unit``; rounds up to KiB."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise SizeError(f"{text!r} is not a size: it must start with an integer (e.g. 10G)")
    number, unit = int(match.group(1)), match.group(2).strip()
    if unit.startswith("."):
        raise SizeError(f'"." is not a valid unit: {text!r} must be an integer with a unit')
    factor = UNITS.get((unit or default_unit).lower())
    if factor is None:
        raise SizeError(f'"{unit}" is not a valid unit (valid: {UNIT_NAMES})')
    return -(-number * factor // 1024)


_SHOWN = ("KiB", "MiB", "GiB", "TiB", "PiB")


def format_kib(size_kib: int) -> str:
    """``10485760`` → ``10 GiB``, ``976563`` → ``953.67 MiB``: the largest unit that fits,
    two decimals unless the value is whole (LINSTOR's approximate size string)."""
    index = 0
    while index + 1 < len(_SHOWN) and size_kib >= 1024 ** (index + 1):
        index += 1
    divisor = 1024**index
    if size_kib % divisor:
        return f"{size_kib / divisor:.2f} {_SHOWN[index]}"
    return f"{size_kib // divisor} {_SHOWN[index]}"
