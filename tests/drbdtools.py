"""Run the real drbdadm/drbdmeta on files the way drbd.md §4/§6.3 describes.

Debian's drbd-utils 9.22 validates configuration without a kernel module when told to
pretend a hostname (``__DRBD_NODE__``) and to skip the module probe
(``DRBD_DRIVER_VERSION_OVERRIDE``). Its harmless noise (``modinfo: not found``, the
PRETENDING banner) is filtered so tests can demand an otherwise empty stderr.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require_tool

DRIVER_VERSION = "9.2.12"
_NOISE = (
    re.compile(r"^sh: \d+: modinfo: not found$"),
    re.compile(r"^\s*found __DRBD_NODE__ in environment$"),
    re.compile(r"^\s*PRETENDING that I am >>.*<<$"),
    re.compile(r"^\s*$"),
)


@dataclass
class ToolResult:
    """Exit code, stdout and stderr with the known noise removed."""

    rc: int
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.err


def filter_noise(stderr: str) -> str:
    keep = [ln for ln in stderr.splitlines() if not any(p.match(ln) for p in _NOISE)]
    return "\n".join(keep)


def drbdadm(args: list[str], conf: str | Path, node: str | None = None,
            stdin: str = "") -> ToolResult:
    """``drbdadm -c CONF ARGS`` (optionally pretending to be ``node``); never raises."""
    exe = require_tool("drbdadm")
    env = dict(os.environ, DRBD_DRIVER_VERSION_OVERRIDE=DRIVER_VERSION)
    env.pop("__DRBD_NODE__", None)
    if node is not None:
        env["__DRBD_NODE__"] = node
    p = subprocess.run([exe, "-c", str(conf), *args], input=stdin, capture_output=True,
                       text=True, env=env, timeout=30, check=False)
    return ToolResult(p.returncode, p.stdout, filter_noise(p.stderr))


def write_wrapper(dir_: Path, res_files: list[Path]) -> Path:
    """A drbd.conf with ``usage-count no`` that includes the given files."""
    lines = ["global { usage-count no; }", "common { }"]
    lines += [f'include "{p}";' for p in res_files]
    path = dir_ / "drbd.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def check_res(path: Path, resource: str, hosts: list[str]) -> dict[str, ToolResult]:
    """sh-nop on ``path`` and ``-d up RESOURCE`` as every host; returns the per-host runs.

    Raises AssertionError with drbdadm's own words when anything is rejected.
    """
    nop = drbdadm(["sh-nop"], path)
    assert nop.ok, f"sh-nop rejected {path}: rc={nop.rc} {nop.err}\n{path.read_text()}"
    out: dict[str, ToolResult] = {}
    for h in hosts:
        up = drbdadm(["-d", "up", resource], path, node=h)
        assert up.ok, f"-d up {resource} as {h} failed: rc={up.rc} {up.err}"
        out[h] = up
    return out


def drbdmeta(args: list[str], stdin: str = "") -> ToolResult:
    exe = require_tool("drbdmeta")
    p = subprocess.run([exe, *args], input=stdin, capture_output=True, text=True,
                       timeout=60, check=False)
    return ToolResult(p.returncode, p.stdout, p.stderr)


def dump_md_fields(dump: str) -> dict[str, int]:
    """The ``# md_size_sect 408`` style comment fields and ``max-peers`` of a dump-md."""
    out: dict[str, int] = {}
    for m in re.finditer(r"^#\s*(md_size_sect|md_offset|al_offset|bm_offset)\s+(-?\d+)", dump,
                         re.M):
        out[m.group(1)] = int(m.group(2))
    m = re.search(r"^max-peers\s+(\d+);", dump, re.M)
    if m:
        out["max_peers"] = int(m.group(1))
    return out
