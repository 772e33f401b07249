"""The adoption plan as an operator reads it: the equivalent drbdeck commands and the
per-node file moves, in the order they take effect.

Why show commands: the plan must be checkable against the migration post (the same
``rd c -p``, ``PeerSlotsNewResource``, ``vd c -n -m …KiB``, ``OverrideVlmId``,
``r c --node-id``), and an operator who prefers to do it by hand can copy it. The shared
secret is carried over but never printed.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from drbdeck.backend.adopt.derive import Derived

#: what a hand-written .res is renamed to (drbdadm only reads ``*.res``)
MOVED_SUFFIX = ".drbdeck-adopted"


@dataclass
class FileMove:
    node: str
    src: str
    dst: str


@dataclass
class AdoptPlan:
    derived: Derived
    commands: list[str] = field(default_factory=list)
    moves: list[FileMove] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.derived.name

    def lines(self) -> list[str]:
        d = self.derived
        out = [f"Adopt {d.name}: port {d.port}, {d.peer_slots} peer slots, "
               + ", ".join(f"volume {v.number} minor {v.minor} {v.net_kib} KiB"
                           for v in d.volumes)]
        out += ["  " + c for c in self.commands if not c.startswith("drbdeck resource ")]
        out += [f"  on {m.node}: mv {m.src} {m.dst}" for m in self.moves]
        out += ["  " + c for c in self.commands if c.startswith("drbdeck resource ")]
        if d.secret:
            out.append("  (the running shared secret is carried over; not shown)")
        out += [f"  note: {w}" for w in d.warnings]
        out.append("  One operation: on failure everything is undone and the")
        out.append("  hand-written files are restored; the running resource is not touched.")
        return out

    def text(self) -> str:
        return "\n".join(self.lines()) + "\n"

    def as_json(self) -> dict[str, object]:
        return {"resource": self.name, "commands": self.commands,
                "moves": [m.__dict__ for m in self.moves], "text": self.text()}


def _cmd(*words: object) -> str:
    return "drbdeck " + shlex.join(str(w) for w in words)


def build(d: Derived) -> AdoptPlan:
    p = AdoptPlan(d)
    for r in d.replicas:
        if r.create_pool:
            p.commands.append(_cmd("storage-pool", "create", "lvm", r.node, r.pool, r.vg))
    p.commands.append(_cmd("resource-definition", "create", d.name, "-p", d.port))
    p.commands.append(_cmd("resource-definition", "set-property", d.name,
                           "PeerSlotsNewResource", d.peer_slots))
    for k, v in sorted(d.rd_props.items()):
        p.commands.append(_cmd("resource-definition", "set-property", d.name, k, v))
    for v in d.volumes:
        p.commands.append(_cmd("volume-definition", "create", d.name, "-n", v.number, "-m",
                               v.minor, f"{v.net_kib}KiB"))
        if v.allow_larger:
            p.commands.append(_cmd("volume-definition", "set-property", d.name, v.number,
                                   "AllowLargerVolumeSize", "true"))
        if v.lv is not None:
            p.commands.append(_cmd("volume-definition", "set-property", d.name, v.number,
                                   "OverrideVlmId", v.lv))
        for k, val in sorted(v.props.items()):
            p.commands.append(_cmd("volume-definition", "set-property", d.name, v.number,
                                   k, val))
    for r in d.replicas:
        if r.res_file:
            p.moves.append(FileMove(r.node, r.res_file, r.res_file + MOVED_SUFFIX))
    for r in d.replicas:
        tail = ["--drbd-diskless"] if r.diskless else ["-s", r.pool]
        p.commands.append(_cmd("resource", "create", "--node-id", r.node_id, *tail, r.node,
                               d.name))
    return p


__all__ = ["MOVED_SUFFIX", "AdoptPlan", "FileMove", "build"]
