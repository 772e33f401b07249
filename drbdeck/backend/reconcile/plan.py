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

import copy
import hashlib
from dataclasses import dataclass, field, replace

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
    drop: list[list[str]] = field(default_factory=list)  # after adjust: dropped volumes' LVs

    @property
    def changes(self) -> bool:
        return bool(self.lvcreate or self.write is not None or self.create_md
                    or self.check_md or self.adjust or self.delete or self.initial
                    or self.drop)


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
        for n, r in self.resources.items():
            out += [f"{n}: {' '.join(a)}" for a in r.drop]
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


def remove_argvs(v: DesiredVolume, actual: NodeActual) -> list[list[str]]:
    """Remove one volume's backing storage, if the node has it (after DRBD let go of it):
    the LV, or the loop device and then the backing file."""
    if v.diskless:
        return []
    if v.is_file:
        out = []
        loop = actual.loops.get(v.file_path)
        if loop is not None:
            out.append(["losetup", "-d", loop])
        if actual.file_exists(v.file_path):
            out.append(["rm", "-f", v.file_path])
        return out
    if (v.vg, v.lv_name) in actual.lvs:
        return [["lvremove", "-f", f"{v.vg}/{v.lv_name}"]]
    return []


def backing_steps(desired: NodeDesired, actual: NodeActual
                  ) -> tuple[dict[str, list[list[str]]], set[tuple[str, int]]]:
    """FILE volumes whose backing file is missing or not attached: the commands (per
    resource) that create it (``truncate``, sparse) and attach it (``losetup -f``), and
    the (resource, volume) pairs whose file is new (they need metadata). These run before
    the plan proper, because the loop device's name goes into the resource file."""
    steps: dict[str, list[list[str]]] = {}
    fresh: set[tuple[str, int]] = set()
    for name, r in desired.resources.items():
        if r.deleting:
            continue
        for v in r.volumes:
            if v.diskless or not v.is_file:
                continue
            path = v.file_path
            argvs = steps.setdefault(name, [])
            if not actual.file_exists(path):
                argvs += [["mkdir", "-p", v.directory],
                          ["truncate", "-s", f"{v.gross_kib}K", path]]
                fresh.add((name, v.number))
            if path not in actual.loops:
                argvs.append(["losetup", "-f", path])
            if not argvs:
                del steps[name]
    return steps, fresh


def _local_config(r: DesiredResource, node: str, actual: NodeActual) -> DesiredResource:
    """``r`` with this node's FILE volumes pointing at their loop devices."""
    files = [v for v in r.volumes if not v.diskless and v.is_file]
    host = r.config.hosts.get(node)
    if not files or host is None:
        return r
    config = copy.deepcopy(r.config)
    for v in files:
        loop = actual.loops.get(v.file_path)
        vol = config.hosts[node].volumes.get(v.number)
        if loop is not None and vol is not None:
            vol.disk = loop
    return replace(r, config=config)


def create_md_argv(r: DesiredResource, vnr: int) -> list[str]:
    return ["drbdadm", "create-md", "--force", f"--max-peers={r.max_peers}", f"{r.name}/{vnr}"]


def _file_volume(r: DesiredResource, v: DesiredVolume, actual: NodeActual,
                 rp: ResourcePlan, fresh: set[tuple[str, int]]) -> None:
    """A FILE volume: ``backing_steps`` has created and attached its file already."""
    loop = actual.loops.get(v.file_path)
    if loop is None or not actual.file_exists(v.file_path):
        rp.error = f"volume {v.number}: backing file {v.file_path} is not attached to a " \
                   "loop device"
        return
    if (r.name, v.number) in fresh:
        rp.create_md.append(v.number)
    elif r.name not in actual.running:
        rp.check_md.append(replace(v, device=loop))


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
    for v in [*r.volumes, *r.drop_volumes]:
        rp.delete += remove_argvs(v, actual)
    return rp


def _needs_adjust(r: DesiredResource, actual: NodeActual) -> bool:
    run = actual.running.get(r.name)
    if run is None:
        return True
    if set(run.volumes) - {v.number for v in r.volumes}:
        return True  # a volume left the configuration (vd d): take it down
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
         contents: dict[str, str] | None = None,
         fresh: set[tuple[str, int]] | None = None,
         again: frozenset[str] | set[str] = frozenset()) -> Plan:
    """The plan that makes ``actual`` look like ``desired``.

    ``contents`` holds the current text of files whose hash differs; with it a file that
    differs only in its comment header is left alone. ``fresh``: FILE volumes whose
    backing file ``backing_steps`` has just created (they get metadata).
    """
    contents = contents or {}
    fresh = fresh or set()
    plan = Plan(desired.node, full_sync, write_include=not actual.include_present)
    for name, r in desired.resources.items():
        if r.deleting:
            plan.resources[name] = _delete(r, actual)
            continue
        rp = ResourcePlan(name)
        plan.resources[name] = rp
        try:
            text = resfile.render(_local_config(r, desired.node, actual).config,
                                  desired.node)
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
            if not v.diskless and v.is_file:
                _file_volume(r, v, actual, rp, fresh)
            elif not v.diskless:
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
        rp.adjust = (full_sync or name in again or rp.write is not None
                     or bool(rp.create_md) or bool(rp.check_md) or _needs_adjust(r, actual))
        rp.initial = _initial(r, actual)
        rp.drop = [a for v in r.drop_volumes for a in remove_argvs(v, actual)]
    known = {f"{n}.res" for n, r in desired.resources.items() if not r.deleting}
    if full_sync:
        plan.remove_files = sorted(
            f"{RES_DIR}/{f}" for f in actual.files
            if (f.endswith(".res") or f.endswith(".res.tmp")) and f not in known
            and not (f.endswith(".res") and f[:-4] in desired.resources)
        )
    return plan


__all__ = ["Plan", "ResourcePlan", "backing_steps", "body_of", "check_conf_text",
           "create_md_argv", "diff", "lvcreate_argv", "remove_argvs", "sha256"]
