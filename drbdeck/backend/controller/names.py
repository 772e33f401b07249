"""LINSTOR's naming rules (linstor.md §2) and case-insensitive identity.

Why: names end up in .res files, LV names and shell argv on nodes; LINSTOR's rules are
stricter than DRBD's and we keep them so a LINSTOR user's names work unchanged and a
hostile name (``a;rm -rf /``) never gets further than this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.satellite.endpoint import validate_node_name
from drbdeck.backend.satellite.errors import InvalidArgument

RESERVED = frozenset({"ALL", "PROXY"})
_FIRST = re.compile(r"[A-Za-z_]")
_REST = re.compile(r"[A-Za-z0-9_-]*")
_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Name:
    """A validated name: ``key`` (upper-cased identity) and ``display`` (as typed)."""

    display: str

    @property
    def key(self) -> str:
        return self.display.upper()

    def __str__(self) -> str:
        return self.display


def key(name: str) -> str:
    """The identity key of a name: LINSTOR compares names case-insensitively."""
    return name.upper()


def _check_generic(value: object, field: str, lo: int, hi: int, code: int) -> str:
    if not isinstance(value, str):
        raise rc.error(code, f"Invalid {field}: expected a string, got {type(value).__name__}.")
    n = len(value.encode())
    if not lo <= n <= hi:
        raise rc.error(code, f"Invalid {field} '{value}': must be {lo} to {hi} characters "
                             f"long, is {n}.")
    if not _FIRST.fullmatch(value[0]):
        raise rc.error(code, f"Invalid {field} '{value}': the first character must be a "
                             "letter or '_'.")
    if not _REST.fullmatch(value[1:]):
        raise rc.error(code, f"Invalid {field} '{value}': only letters, digits, '_' and '-' "
                             "are allowed.")
    if not _LETTER.search(value):
        raise rc.error(code, f"Invalid {field} '{value}': must contain at least one letter.")
    if value.upper() in RESERVED:
        raise rc.error(code, f"Invalid {field} '{value}': matches a keyword reserved for "
                             "DRBD ('all', 'proxy').")
    return value


def resource_name(value: object) -> str:
    """Resource / resource definition name: 2–48, ``[A-Za-z_][A-Za-z0-9_-]*``."""
    return _check_generic(value, "resource name", 2, 48, rc.FAIL_INVLD_RSC_NAME)


def resource_group_name(value: object) -> str:
    """Resource group name: the resource rules."""
    return _check_generic(value, "resource group name", 2, 48, rc.FAIL_INVLD_RSC_GRP_NAME)


def storage_pool_name(value: object) -> str:
    """Storage pool (definition) name: 3–48, the resource character rules."""
    return _check_generic(value, "storage pool name", 3, 48, rc.FAIL_INVLD_STOR_POOL_NAME)


def node_name(value: object) -> str:
    """Node name: RFC-1123 host name, 2–255 chars, labels ≤ 63.

    Reuses the node layer's check, which is per label (no label may start or end with
    ``-``) and so a little stricter than LINSTOR's whole-name check; a name the node layer
    refuses could never be reached over SSH, so refusing it up front is the honest answer.
    """
    try:
        return validate_node_name(value)
    except InvalidArgument as exc:
        raise rc.error(rc.FAIL_INVLD_NODE_NAME, f"Invalid node name: {exc}") from None
