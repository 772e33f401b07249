"""A node's actual state, read in one round trip of concurrent commands.

What the planner needs and nothing more: the VGs' extent sizes (to know what size
``lvcreate`` really gave), the LVs, which ``.res`` files of ours exist and their SHA-256
(so unchanged files are never rewritten and need no ``drbdadm`` check), whether the
include file is there, and what DRBD runs (``drbdsetup status --json``). The commands run
concurrently on the one connection, so the node is read in one round trip's latency. The
emulated shell (like our quoting on a real one) expands no globs, so the directory is
listed with ``ls`` and the hashes are asked for by name.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from drbdeck.backend.satellite import NodeLink
from drbdeck.collectors import lvm
from drbdeck.collectors.lvm import LvInfo

RES_DIR = "/var/lib/drbdeck.d"
INCLUDE_FILE = "/etc/drbd.d/drbdeck-resources.res"
INCLUDE_TEXT = f'include "{RES_DIR}/*.res";\n'
_NAN = re.compile(r"(?<=[\s:\[,])(-?nan|-?inf)(?=[\s,\]}])")
_HASH_CHUNK = 1000


class ObserveError(RuntimeError):
    """The node answered, but not in a form we can trust (names the command)."""


@dataclass
class RunningVolume:
    disk: str  # UpToDate, Inconsistent, Diskless, ...


@dataclass
class RunningResource:
    name: str
    role: str
    volumes: dict[int, RunningVolume] = field(default_factory=dict)
    peer_disks: dict[str, dict[int, str]] = field(default_factory=dict)  # peer → vol → state


@dataclass
class NodeActual:
    extent_kib: dict[str, int] = field(default_factory=dict)  # vg → extent size
    lvs: dict[tuple[str, str], LvInfo] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)  # names in RES_DIR
    hashes: dict[str, str] = field(default_factory=dict)  # file name → sha256
    include_present: bool = False
    running: dict[str, RunningResource] = field(default_factory=dict)
    #: FILE pools: backing file → loop device, and the file names in each pool directory
    loops: dict[str, str] = field(default_factory=dict)
    dir_files: dict[str, set[str]] = field(default_factory=dict)

    def file_exists(self, path: str) -> bool:
        d, _s, name = path.rpartition("/")
        return name in self.dir_files.get(d or "/", set())


def res_path(name: str) -> str:
    return f"{RES_DIR}/{name}.res"


def parse_status_json(text: str) -> dict[str, RunningResource]:
    """``drbdsetup status --json`` (drbd-utils prints bare ``nan`` for unknown floats)."""
    try:
        doc: Any = json.loads(_NAN.sub("null", text))
    except ValueError as exc:
        raise ObserveError(f"drbdsetup status --json: not JSON: {exc}") from None
    if not isinstance(doc, list):
        raise ObserveError("drbdsetup status --json: expected a list of resources")
    out: dict[str, RunningResource] = {}
    for item in doc:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ObserveError("drbdsetup status --json: a resource without a name")
        r = RunningResource(item["name"], str(item.get("role", "")))
        for d in item.get("devices") or []:
            r.volumes[int(d["volume"])] = RunningVolume(str(d.get("disk-state", "")))
        for c in item.get("connections") or []:
            r.peer_disks[str(c.get("name", ""))] = {
                int(p["volume"]): str(p.get("peer-disk-state", ""))
                for p in c.get("peer_devices") or []
            }
        out[r.name] = r
    return out


async def read_status(link: NodeLink) -> dict[str, RunningResource]:
    res = await link.run(["drbdsetup", "status", "--json"])
    if not res.ok:
        raise ObserveError(f"drbdsetup status --json failed on {link.node}: "
                           f"{res.stderr_text.strip()}")
    return parse_status_json(res.stdout_text)


_LOOP = re.compile(r"^(/dev/loop\d+): .*\((.+)\)$")


def parse_losetup(text: str) -> dict[str, str]:
    """``losetup -a`` → backing file → loop device (the first one, if several)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _LOOP.match(line.strip())
        if m and m.group(2) not in out:
            out[m.group(2)] = m.group(1)
    return out


async def read_loops(link: NodeLink) -> dict[str, str]:
    res = await link.run(["losetup", "-a"])
    if not res.ok:
        raise ObserveError(f"losetup -a failed on {link.node}: {res.stderr_text.strip()}")
    return parse_losetup(res.stdout_text)


async def read_dirs(link: NodeLink, dirs: list[str]) -> dict[str, set[str]]:
    """The names in each FILE pool directory (a missing directory is empty)."""
    async def one(d: str) -> tuple[str, set[str]]:
        r = await link.run(["ls", "-1", d])
        return d, ({n for n in r.stdout_text.splitlines() if n} if r.ok else set())
    return dict(await asyncio.gather(*(one(d) for d in dirs)))


async def _hashes(link: NodeLink, names: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}

    async def chunk(part: list[str]) -> None:
        argv = ["sha256sum", *(res_path(n) for n in part)]
        # missing files are normal (new resources): their error lines are ignored
        res = await link.run_command_line(shlex.join(argv) + " || true",
                                          ["sha256sum", f"<{len(part)} .res files>"])
        for line in res.stdout_text.splitlines():
            digest, _sep, path = line.partition("  ")
            if path.startswith(RES_DIR + "/") and path.endswith(".res"):
                out[path[len(RES_DIR) + 1:-4]] = digest
    await asyncio.gather(*(chunk(names[i:i + _HASH_CHUNK])
                           for i in range(0, len(names), _HASH_CHUNK)))
    return out


async def observe(link: NodeLink, names: list[str],
                  file_dirs: list[str] | None = None) -> NodeActual:
    """Read the node (``names``: the resources whose files we want hashed; ``file_dirs``:
    FILE pool directories in use, whose files and loop devices are read too)."""

    async def files() -> tuple[dict[str, str], dict[str, set[str]]]:
        if not file_dirs:
            return {}, {}
        return await asyncio.gather(read_loops(link), read_dirs(link, file_dirs))

    async def ls() -> tuple[bool, str]:
        r = await link.run(["ls", "-1", RES_DIR])
        return r.ok, r.stdout_text

    async def include() -> bool:
        r = await link.run(["cat", INCLUDE_FILE])
        return r.ok and r.stdout_text == INCLUDE_TEXT

    async def lvs() -> str:
        r = await link.run(lvm.lvs_argv())
        if not r.ok:
            raise ObserveError(f"lvs failed on {link.node}: {r.stderr_text.strip()}")
        return r.stdout_text

    async def vgs() -> str:
        r = await link.run(lvm.vgs_argv())
        if not r.ok:
            raise ObserveError(f"vgs failed on {link.node}: {r.stderr_text.strip()}")
        return r.stdout_text

    (ls_ok, listing), inc, lvs_text, vgs_text, running, hashes, (loops, dirs) = \
        await asyncio.gather(ls(), include(), lvs(), vgs(), read_status(link),
                             _hashes(link, names), files())
    actual = NodeActual(include_present=inc, running=running, hashes=hashes, loops=loops,
                        dir_files=dirs)
    try:
        for vg in lvm.parse_vgs(vgs_text):
            actual.extent_kib[vg.name] = vg.extent_size_kib
        for lv in lvm.parse_lvs(lvs_text):
            actual.lvs[(lv.vg, lv.name)] = lv
    except lvm.LvmReportError as exc:
        raise ObserveError(f"{link.node}: {exc}") from None
    if ls_ok:
        actual.files = {n for n in listing.splitlines() if n}
    return actual


__all__ = [
    "INCLUDE_FILE",
    "INCLUDE_TEXT",
    "RES_DIR",
    "NodeActual",
    "ObserveError",
    "RunningResource",
    "RunningVolume",
    "observe",
    "parse_losetup",
    "parse_status_json",
    "read_dirs",
    "read_loops",
    "read_status",
    "res_path",
]
