"""Size units of linstor.md §6 (drbdeck.units, shared by the CLI and the controller)."""

from __future__ import annotations

import pytest

from drbdeck.units import SizeError, format_kib, parse_size_kib
from tests.conftest import require_module

SIZES = [
    ("40G", 41943040), ("1371956KiB", 1371956), ("1GB", 976563), ("1500mb", 1464844),
    ("10", 10485760), ("10M", 10240), ("10m", 10240), ("10MiB", 10240), ("10mib", 10240),
    ("1K", 1), ("1kib", 1), ("1kB", 1), ("1000kB", 977), ("1T", 1073741824),
    ("1TB", 976562500), ("1P", 1024**4), ("1PB", 976562500000), ("1024B", 1), ("1B", 1),
    ("2S", 1), ("4s", 2), ("3S", 2), ("0", 0), (" 7G ", 7340032), ("1 GiB", 1048576),
    ("1025B", 2), ("1t", 1 << 30), ("1PiB", 1 << 40), ("1gib", 1 << 20),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kib"), SIZES)
def test_sizes(text: str, kib: int) -> None:
    assert parse_size_kib(text) == kib


def test_default_unit_is_the_callers() -> None:
    assert parse_size_kib("10", "MiB") == 10240
    assert parse_size_kib("10", "KiB") == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5G", '"." is not a valid unit'),
        ("1,5G", '"," is not a valid unit'),
        ("1e3", '"e" is not a valid unit'),  # LINSTOR's parse_unit says the same
        ("12 3", "is not a valid unit"),  # LINSTOR ignores the 3; we refuse it
        ("10 Gibibytes", '"Gibibytes" is not a valid unit'),
        ("10X", '"X" is not a valid unit'),
        ("10Gi", '"Gi" is not a valid unit'),
        ("G", "must start with an integer"),
        ("", "must start with an integer"),
        ("-1G", "must start with an integer"),
    ],
)
def test_bad_sizes(text: str, message: str) -> None:
    with pytest.raises(SizeError, match=message.replace(".", r"\.")):
        parse_size_kib(text)


@pytest.mark.parametrize(
    ("kib", "text"),
    [
        (10485760, "10 GiB"), (976563, "953.67 MiB"), (1371956, "1.31 GiB"), (1, "1 KiB"),
        (1023, "1023 KiB"), (1024, "1 MiB"), (0, "0 KiB"), (1536, "1.50 MiB"),
        (1024**3, "1 TiB"), (1024**4 * 3, "3 PiB"), (1024**5, "1024 PiB"),
    ],
)  # fmt: skip
def test_format(kib: int, text: str) -> None:
    assert format_kib(kib) == text


def test_errors_name_the_field() -> None:
    with pytest.raises(SizeError, match=r"in volume size '1\.5G'"):
        parse_size_kib("1.5G", field="volume size")


@pytest.mark.parametrize("kib", [1, 512, 1023, 1024, 1536, 976563, 1371956, 10485760,
                                 1572864, 1024**3 + 1, 1024**4 * 3])
def test_format_equals_python_linstor(kib: int) -> None:
    """LINSTOR's own client is the oracle for what an operator sees."""
    size_calc = require_module("linstor").SizeCalc  # type: ignore[attr-defined]
    assert format_kib(kib) == size_calc.approximate_size_string(kib)
