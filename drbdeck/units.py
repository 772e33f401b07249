"""Sizes as the ``linstor`` client reads and prints them (linstor.md §6 "Size units").

One module for the CLI (which reads what operators type) and the controller, so the same
text always means the same KiB. Kept free of imports from either side: the CLI talks REST
and must not pull in the backend.

Reading: an integer, then an optional case-insensitive unit (K/KiB … P/PiB binary, kB … PB
decimal, B bytes, S 512-byte sectors); a bare number is in the caller's default unit
(GiB for ``vd c``); the result is rounded *up* to whole KiB. As in LINSTOR's
``SizeCalc.parse_unit``, the unit is the run of non-digits after the number, so ``1.5G``
is refused with '"." is not a valid unit'. Unlike LINSTOR, trailing text after the unit
(``12 3``) is refused rather than ignored. Printing follows
``SizeCalc.approximate_size_string``: ``10 GiB``, ``953.67 MiB``, ``1.50 GiB``.
"""

from __future__ import annotations

import re

#: unit (lower case) → bytes
UNITS: dict[str, int] = {
    "b": 1, "s": 512,
    "k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30,
    "gib": 1 << 30, "t": 1 << 40, "tib": 1 << 40, "p": 1 << 50, "pib": 1 << 50,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "pb": 10**15,
}  # fmt: skip

#: names shown in errors and help
UNIT_NAMES = "K, KiB, M, MiB, G, GiB, T, TiB, P, PiB, kB, MB, GB, TB, PB, B, S"

_SIZE = re.compile(r"(\d+)(\D*)(.*)", re.DOTALL)
_SHOWN = ("KiB", "MiB", "GiB", "TiB", "PiB")


class SizeError(ValueError):
    """A size that cannot be read; the message says what is wrong and what is allowed."""


def parse_size_kib(text: str, default_unit: str = "GiB", field: str = "size") -> int:
    """``"40G"`` → 41943040; a bare number is in ``default_unit``; rounds up to KiB."""
    if not isinstance(text, str):
        raise SizeError(f"{field}: expected a string, got {type(text).__name__}")
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise SizeError(f"{field} {text!r} is not a size: it must start with an integer "
                        "(e.g. 10G)")
    number, unit, rest = int(match.group(1)), match.group(2).strip(), match.group(3)
    factor = UNITS.get((unit or default_unit).lower())
    if factor is None or rest:
        raise SizeError(f'"{unit}" is not a valid unit in {field} {text!r} '
                        f"(use an integer with one of {UNIT_NAMES})")
    return -(-number * factor // 1024)


def format_kib(size_kib: int) -> str:
    """The largest binary unit that fits, two decimals unless the value is whole."""
    index = 0
    while index + 1 < len(_SHOWN) and size_kib >= 1024 ** (index + 1):
        index += 1
    divisor = 1024**index
    if size_kib % divisor:
        return f"{size_kib / divisor:.2f} {_SHOWN[index]}"
    return f"{size_kib // divisor} {_SHOWN[index]}"
