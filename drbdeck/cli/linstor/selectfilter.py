"""The auto-place select-filter keys that ``r c --auto-place`` and ``rg c/m`` share.

Why one place: both commands send LINSTOR's ``select_filter`` with the same option →
key mapping (storage pools, Aux replica constraints, diskless-on-remaining); two copies
would drift the way the size helpers once did.
"""

from __future__ import annotations

import argparse
from typing import Any


def aux_name(key: str) -> str:
    """``rack`` → ``Aux/rack`` (LINSTOR's client adds the namespace the same way)."""
    return key if key.startswith("Aux/") else "Aux/" + key


def common_filter(a: argparse.Namespace) -> dict[str, Any]:
    """The shared keys of a select filter, only those the user gave."""
    sf: dict[str, Any] = {}
    if a.diskless_on_remaining is not None:
        sf["diskless_on_remaining"] = a.diskless_on_remaining
    if a.storage_pool is not None:
        sf["storage_pool_list"] = a.storage_pool
    if a.replicas_on_same is not None:
        sf["replicas_on_same"] = [aux_name(x) for x in a.replicas_on_same]
    if a.replicas_on_different is not None:
        sf["replicas_on_different"] = [aux_name(x) for x in a.replicas_on_different]
    return sf


__all__ = ["aux_name", "common_filter"]
