"""The pure part of reconciliation: desired state + observed state → what to do.

No I/O here, so every decision (which LV to create, which file to rewrite, which resource
to adjust, what is refused and why) is testable without a node. ``apply`` executes the
plan in a fixed order of phases, each phase one batched round trip:

1. include file (if missing), ``lvcreate`` for missing LVs, candidate ``.res.tmp`` files,
   deletes (``down``, file, ``lvremove``) and, on a full sync, unknown files of ours;
2. per resource: ``drbdadm --config-to-test`` the candidate, move it into place, then
   ``create-md`` on volumes whose LV is new (or has no metadata);
3. one ``drbdadm adjust r1 r2 …`` for everything changed (chunked);
4. the initial-sync decision on the one designated node.

A resource with a refused volume (LV too small, larger without AllowLargerVolumeSize,
unsupported provider, unrenderable config) gets an error and no step at all, so a bad
record never half-configures a node and never blocks the others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from drbdeck.backend import mdsize, resfile
from drbdeck.backend.reconcile.desired import DesiredResource, DesiredVolume, NodeDesired
from drbdeck.backend.reconcile.observe import RES_DIR, NodeActual, res_path

#: Disk states that mean "this replica has not got its data yet".
FRESH_STATES = ("Inconsistent",)


@dataclass
class ResourcePlan:
    """What happens to one resource on this node."""

    name: str
    error: str | None = None
    lvcreate: list[list[str]] = field(default_factory=list)
    write: str | None = None  # new file content (written as .res.tmp, tested, moved)
    create_md: list[int] = field(default_factory=list)  # volumes on a new LV
    check_md: list[DesiredVolume] = field(default_factory=list)  # existing LV, not running
    adjust: bool = False
    initial: str | None = None  # candidate for the initial-sync decision
    delete: list[list[str]] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.lvcreate or self.write is not None or self.create_md
                    or self.check_md or self.adjust or self.delete or self.initial)


@dataclass
class Plan:
    node: str
    full_sync: bool
    write_include: bool = False
    resources: dict[str, ResourcePlan] = field(default_factory=dict)
    remove_files: list[str] = field(default_factory=list)  # unknown files of ours

    @property
    def changes(self) -> bool:
        return (self.write_include or bool(self.remove_files)
                or any(r.changes for r in self.resources.values()))

    def actions(self) -> list[str]:
        """A readable, ordered list of what will be done (logs, dry runs, tests)."""
        out: list[str] = []
        if self.write_include:
            out.append("write include file")
        for n, r in self.resources.items():
            out += [f"{n}: {' '.join(a)}" for a in r.delete]
            out += [f"{n}: {' '.join(a)}" for a in r.lvcreate]
        out += [f"remove unknown {f}" for f in self.remove_files]
        for n, r in self.resources.items():
            if r.write is not None:
                out.append(f"{n}: write {res_path(n)}")
            out += [f"{n}: create-md volume {v}" for v in r.create_md]
            out += [f"{n}: check metadata on volume {v.number}" for v in r.check_md]
        adj = [n for n, r in self.resources.items() if r.adjust]
        if adj:
            out.append("adjust " + " ".join(adj))
        out += [f"{n}: initial {r.initial}" for n, r in self.resources.items() if r.initial]
        out += [f"{n}: ERROR {r.error}" for n, r in self.resources.items() if r.error]
        return out


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def body_of(text: str) -> str:
    """A file without its leading comment header (which may carry a version or time)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or not lines[i].strip()):
        i += 1
    return "\n".join(lines[i:])


def check_conf_text(paths: list[str]) -> str:
    """A configuration that includes exactly ``paths`` (for one ``drbdadm -c F sh-nop``)."""
    for p in paths:
        if '"' in p or "\n" in p:
            raise ValueError(f"path {p!r} cannot be included")
    return "".join(f'include "{p}";\n' for p in paths)


def lvcreate_argv(v: DesiredVolume) -> list[str]:
    if v.provider == "LVM_THIN":
        assert v.thin_pool is not None
        return ["lvcreate", "--yes", "-V", f"{v.gross_kib}k", "-T", f"{v.vg}/{v.thin_pool}",
                "-n", v.lv_name]
    return ["lvcreate", "--yes", "-L", f"{v.gross_kib}k", "-n", v.lv_name, v.vg]


def create_md_argv(r: DesiredResource, vnr: int) -> list[str]:
    return ["drbdadm", "create-md", "--force", f"--max-peers={r.max_peers}", f"{r.name}/{vnr}"]


def _volume(r: DesiredResource, v: DesiredVolume, actual: NodeActual,
            rp: ResourcePlan) -> None:
    """Decide one diskful volume's LV: create it, accept it, or refuse the resource."""
    if v.provider not in ("LVM", "LVM_THIN"):
        rp.error = f"volume {v.number}: provider {v.provider} is not supported by the " \
                   "reconciler yet"
        return
    need = mdsize.round_up(v.gross_kib, actual.extent_kib.get(v.vg, 1))
    lv = actual.lvs.get((v.vg, v.lv_name))
    if lv is None:
        if v.vg not in actual.extent_kib:
            rp.error = f"volume {v.number}: volume group {v.vg!r} does not exist on the node"
            return
        rp.lvcreate.append(lvcreate_argv(v))
        rp.create_md.append(v.number)
        return
    if lv.size_kib < need:
        rp.error = (f"volume {v.number}: backing LV {v.vg}/{v.lv_name} is {lv.size_kib} KiB, "
                    f"smaller than the {need} KiB needed")
        return
    if lv.size_kib > need and not v.allow_larger:
        rp.error = (f"volume {v.number}: backing LV {v.vg}/{v.lv_name} is {lv.size_kib} KiB, "
                    f"larger than the {need} KiB needed; set the property "
                    "AllowLargerVolumeSize to use it anyway")
        return
    if r.name not in actual.running:
        rp.check_md.append(v)


def _delete(r: DesiredResource, actual: NodeActual) -> ResourcePlan:
    rp = ResourcePlan(r.name)
    has_file = f"{r.name}.res" in actual.files
    if r.name in actual.running:
        rp.delete.append(["drbdadm", "down", r.name] if has_file
                         else ["drbdsetup", "down", r.name])
    if has_file:
        rp.delete.append(["rm", "-f", res_path(r.name)])
    for v in r.volumes:
        if not v.diskless and (v.vg, v.lv_name) in actual.lvs:
            rp.delete.append(["lvremove", "-f", f"{v.vg}/{v.lv_name}"])
    return rp


def _needs_adjust(r: DesiredResource, actual: NodeActual) -> bool:
    run = actual.running.get(r.name)
    if run is None:
        return True
    for v in r.volumes:
        have = run.volumes.get(v.number)
        if have is None or (not v.diskless and have.disk in ("Diskless", "Failed")):
            return True
    return False


def _unmanaged_peers(r: DesiredResource, actual: NodeActual) -> list[str]:
    """Peers of a resource that runs here without a file of ours (made by hand, being
    adopted) that the definition does not list yet. Adjusting now would drop those
    connections (the migration post's "stop the satellites" case), so the resource is held
    until every peer it is connected to is part of the definition."""
    run = actual.running.get(r.name)
    if run is None or f"{r.name}.res" in actual.files:
        return []
    return sorted(p for p in run.peer_disks if p not in r.config.hosts)


def _initial(r: DesiredResource, actual: NodeActual) -> str | None:
    if r.initial is None or all(v.diskless for v in r.volumes):
        return None
    run = actual.running.get(r.name)
    if run is None:
        return r.initial
    fresh = any(run.volumes.get(v.number) is None
                or run.volumes[v.number].disk in FRESH_STATES
                for v in r.volumes if not v.diskless)
    return r.initial if fresh else None


def diff(desired: NodeDesired, actual: NodeActual, *, full_sync: bool = False,
         contents: dict[str, str] | None = None) -> Plan:
    """The plan that makes ``actual`` look like ``desired``.

    ``contents`` holds the current text of files whose hash differs; with it a file that
    differs only in its comment header is left alone.
    """
    contents = contents or {}
    plan = Plan(desired.node, full_sync, write_include=not actual.include_present)
    for name, r in desired.resources.items():
        if r.deleting:
            plan.resources[name] = _delete(r, actual)
            continue
        rp = ResourcePlan(name)
        plan.resources[name] = rp
        try:
            text = resfile.render(r.config, desired.node)
        except (ValueError, KeyError) as exc:
            rp.error = f"cannot render the resource file: {exc}"
            continue
        waiting = _unmanaged_peers(r, actual)
        if waiting:
            rp.error = (f"held: the running (hand-made) resource is connected to "
                        f"{', '.join(waiting)}, not yet in the definition; applied when "
                        "they are added (adjusting now would disconnect them)")
            continue
        for v in r.volumes:
            if not v.diskless:
                _volume(r, v, actual, rp)
            if rp.error:
                break
        if rp.error:
            rp.lvcreate.clear()
            rp.create_md.clear()
            rp.check_md.clear()
            continue
        old_hash = actual.hashes.get(name)
        if old_hash != sha256(text):
            old = contents.get(name)
            if old is None or body_of(old) != body_of(text):
                rp.write = text
        rp.adjust = (full_sync or rp.write is not None or bool(rp.create_md)
                     or bool(rp.check_md) or _needs_adjust(r, actual))
        rp.initial = _initial(r, actual)
    known = {f"{n}.res" for n, r in desired.resources.items() if not r.deleting}
    if full_sync:
        plan.remove_files = sorted(
            f"{RES_DIR}/{f}" for f in actual.files
            if (f.endswith(".res") or f.endswith(".res.tmp")) and f not in known
            and not (f.endswith(".res") and f[:-4] in desired.resources)
        )
    return plan


__all__ = ["Plan", "ResourcePlan", "body_of", "check_conf_text", "create_md_argv", "diff",
           "lvcreate_argv", "sha256"]
