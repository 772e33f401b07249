"""Shared test helpers.

Real tools (drbdadm, drbdmeta, sshd, tmux) are used wherever they exist. Locally a missing
tool skips the test; under ``CI=true`` it fails, so a CI image without an install step can
never turn green by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def find_tool(name: str) -> str | None:
    """Locate a system tool, looking in sbin directories too (they are not always on PATH)."""
    found = shutil.which(name)
    if found:
        return found
    for d in _SBIN:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return None


def require_tool(name: str) -> str:
    """Return the tool's path; skip locally, fail under CI when it is missing."""
    path = find_tool(name)
    if path is None:
        msg = f"real tool {name!r} is not installed"
        if IN_CI:
            pytest.fail(msg + " (CI=true: install it in .ci/run)")
        pytest.skip(msg)
    return path


def require_root(reason: str) -> None:
    if os.geteuid() != 0:
        msg = f"needs root: {reason}"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg)
