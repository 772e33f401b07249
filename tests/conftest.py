"""Shared test helpers.

Real tools (drbdadm, drbdmeta, sshd, tmux) are used wherever they exist. Locally a missing
tool skips the test; under ``CI=true`` it fails, so a CI image without an install step can
never turn green by skipping.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator

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
        missing(f"real tool {name!r} is not installed")
    return path


def require_root(reason: str) -> None:
    if os.geteuid() != 0:
        missing(f"needs root: {reason}")


def missing(msg: str) -> None:
    """A prerequisite is absent: skip locally, fail under CI (never a silent CI skip)."""
    if IN_CI:
        pytest.fail(msg + " (CI=true: .ci/run must provide it)")
    pytest.skip(msg, allow_module_level=True)


def require_module(name: str) -> object:
    """Import a test-extra module (e.g. python-linstor); under CI its absence fails."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(f"python module {name!r} is not installed: {exc}")
        raise  # unreachable: missing() always raises


@contextlib.contextmanager
def loop_device(image: str | os.PathLike[str], size: int) -> Iterator[str]:
    """A sparse ``image`` of ``size`` bytes attached as a loop device (detached after)."""
    require_root("losetup")
    losetup = require_tool("losetup")
    if not os.path.exists("/dev/loop-control"):
        missing("no loop device support (/dev/loop-control is absent)")
    with open(image, "wb") as fh:
        fh.truncate(size)
    p = subprocess.run([losetup, "-f", "--show", os.fspath(image)], capture_output=True,
                       text=True, check=False)
    if p.returncode != 0:
        missing(f"losetup failed: {p.stderr.strip()}")
    dev = p.stdout.strip()
    try:
        yield dev
    finally:
        subprocess.run([losetup, "-d", dev], check=False)
