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


def test_vd_size_range() -> None:
    assert units.check_vd_size(4) == 4
    for bad in (3, (1 << 40) + 1):
        with pytest.raises(rc.ApiError, match="volume size") as ei:
            units.check_vd_size(bad)
        assert ei.value.entry.code == 206
