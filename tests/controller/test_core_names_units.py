"""Naming rules (linstor.md §2) and size units (§6) — good and bad input tables."""

from __future__ import annotations

import pytest

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller import names, units


@pytest.mark.parametrize("name", ["r1", "_x", "Res-1_a", "a" * 48, "ab", "A_"])
def test_resource_names_good(name: str) -> None:
    assert names.resource_name(name) == name


@pytest.mark.parametrize(("name", "rule"), [
    ("a", "2 to 48"), ("a" * 49, "2 to 48"), ("1abc", "first character"),
    ("-ab", "first character"), ("a;rm -rf /", "only letters"), ("a b", "only letters"),
    ("__", "at least one letter"), ("all", "reserved"), ("ALL", "reserved"),
    ("Proxy", "reserved"), ("r\u00e9s", "only letters"), ("", "2 to 48"),
])
def test_resource_names_bad(name: str, rule: str) -> None:
    with pytest.raises(rc.ApiError) as ei:
        names.resource_name(name)
    assert ei.value.entry.ret_code == rc.to_unsigned(rc.FAIL_INVLD_RSC_NAME)
    assert "resource name" in str(ei.value) and rule in str(ei.value)


def test_non_string_name() -> None:
    with pytest.raises(rc.ApiError, match="expected a string"):
        names.resource_name(5)


@pytest.mark.parametrize(("name", "ok"), [
    ("pool1", True), ("ab", False), ("DfltStorPool", True), ("1pool", False),
    ("p" * 48, True), ("p" * 49, False), ("po/ol", False),
])
def test_storage_pool_names(name: str, ok: bool) -> None:
    if ok:
        assert names.storage_pool_name(name) == name
    else:
        with pytest.raises(rc.ApiError, match="storage pool name") as ei:
            names.storage_pool_name(name)
        assert ei.value.entry.code == 208


@pytest.mark.parametrize(("name", "ok"), [
    ("alpha", True), ("node-1.example.com", True), ("1node", True), ("a", False),
    ("-a", False), ("a-", False), ("a_b", False), ("a;rm -rf /", False), ("a..b", False),
    ("x" * 64 + ".com", False), ("$(reboot)", False),
])
def test_node_names(name: str, ok: bool) -> None:
    if ok:
        assert names.node_name(name) == name
    else:
        with pytest.raises(rc.ApiError, match="node name") as ei:
            names.node_name(name)
        assert ei.value.entry.code == 200


def test_case_insensitive_identity() -> None:
    assert names.key("Alpha") == names.key("ALPHA") == "ALPHA"
    n = names.Name("MyRes")
    assert n.key == "MYRES" and str(n) == "MyRes"


@pytest.mark.parametrize(("text", "kib"), [
    ("40G", 41943040), ("1371956KiB", 1371956), ("1GB", 976563), ("1500mb", 1464844),
    ("10", 10 * 1024 * 1024), ("1k", 1), ("1025B", 2), ("1B", 1), ("2S", 1), ("3s", 2),
    ("1t", 1 << 30), ("1PiB", 1 << 40), ("1kb", 1), ("1 GiB", 1 << 20), ("1gib", 1 << 20),
])
def test_sizes_good(text: str, kib: int) -> None:
    assert units.parse_size_kib(text) == kib


@pytest.mark.parametrize(("text", "msg"), [
    ("1.5G", '"." is not a valid unit'), ("G", "integer"), ("", "integer"),
    ("-1G", "integer"), ("10X", '"X" is not a valid unit'), ("10 Gibibytes", "not a valid"),
    ("1e3", '"e" is not a valid unit'), ("12 3", "not a valid unit"),
])
def test_sizes_bad(text: str, msg: str) -> None:
    with pytest.raises(units.SizeError, match="size") as ei:
        units.parse_size_kib(text)
    assert msg in str(ei.value)


def test_default_unit_is_overridable() -> None:
    assert units.parse_size_kib("4", default_unit="KiB") == 4


def test_vd_size_range() -> None:
    assert units.check_vd_size(4) == 4
    for bad in (3, (1 << 40) + 1):
        with pytest.raises(rc.ApiError, match="volume size") as ei:
            units.check_vd_size(bad)
        assert ei.value.entry.code == 206


@pytest.mark.parametrize(("kib", "text"), [
    (10 * 1024 * 1024, "10 GiB"), (976563, "953.67 MiB"), (512, "512 KiB"),
    (1371956, "1.31 GiB"), (0, "0 KiB"), (1 << 40, "1 PiB"),
])
def test_format(kib: int, text: str) -> None:
    assert units.format_kib(kib) == text
