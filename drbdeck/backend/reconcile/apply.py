"""Execute a reconciliation plan on one node through the node layer.

Round trips for a node that needs everything: observe (one round trip of concurrent
commands), prepare (LVs, candidate files, deletes), test+install files and create
metadata, one batched ``adjust``, and — only on the designated node of a new resource —
a status read and the initial-sync step. A node that is already right costs only the
observe round trip (plus ``adjust`` of everything on a full sync).

Each resource's steps stop at its first failure and the failure (command, output tail)
lands in the report; other resources go on. ``NodeOffline`` is not caught: the caller
(the node worker) keeps the desired state and retries after the reconnect.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

from drbdeck.backend.reconcile import plan as planmod
from drbdeck.backend.reconcile.batch import Step, StepResult, run_steps
from drbdeck.backend.reconcile.desired import NodeDesired, validate
from drbdeck.backend.reconcile.observe import (
    INCLUDE_FILE,
    INCLUDE_TEXT,
    RES_DIR,
    NodeActual,
    observe,
    read_dirs,
    read_loops,
    read_status,
    res_path,
)
from drbdeck.backend.reconcile.plan import Plan, ResourcePlan
from drbdeck.backend.satellite import NodeLink
from drbdeck.backend.satellite.errors import RemoteFileError

#: The throw-away configuration that checks all candidate files at once.
CHECK_CONF = f"{RES_DIR}/.drbdeck-check.conf"

#: Resources per ``drbdadm adjust`` process (keeps argv and one failure's blast small).
ADJUST_CHUNK = 250


@dataclass
class ResourceReport:
    name: str
    ok: bool = True
    actions: list[str] = field(default_factory=list)
    error: str | None = None
    command: str | None = None
    output: str = ""  # tail of the failing command's stdout+stderr

    def fail(self, error: str, command: list[str] | None = None, output: str = "") -> None:
        if not self.ok:
            return  # keep the first failure: later ones are its consequences
        self.ok = False
        self.error = error
        self.command = shlex.join(command) if command else None
        self.output = output


@dataclass
class ApplyReport:
    node: str
    full_sync: bool
    resources: dict[str, ResourceReport] = field(default_factory=dict)
    removed_files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # node-wide problems
    include_written: bool = False
    round_trips: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and all(r.ok for r in self.resources.values())

    @property
    def changed(self) -> bool:
        return (self.include_written or bool(self.removed_files)
                or any(r.actions for r in self.resources.values()))

    @property
    def failed(self) -> dict[str, ResourceReport]:
        return {n: r for n, r in self.resources.items() if not r.ok}


def _fail_step(rep: ResourceReport, what: str, res: StepResult) -> None:
    rep.fail(f"{what} failed", res.failed, res.tail)


async def _contents(link: NodeLink, names: list[str]) -> dict[str, str]:
    async def one(n: str) -> tuple[str, str | None]:
        try:
            return n, (await link.read_file(res_path(n))).decode("utf-8", "replace")
        except RemoteFileError:
            return n, None
    pairs = await asyncio.gather(*(one(n) for n in names))
    return {n: t for n, t in pairs if t is not None}


class _Run:
    """One apply: the plan, the report, and the phases in order."""

    def __init__(self, link: NodeLink, desired: NodeDesired, plan: Plan,
                 actual: NodeActual, timeout: float | None) -> None:
        self.link, self.desired, self.plan, self.actual = link, desired, plan, actual
        self.timeout = timeout
        self.report = ApplyReport(desired.node, plan.full_sync, round_trips=1)
        for n, rp in plan.resources.items():
            rep = ResourceReport(n)
            if rp.error:
                rep.fail(rp.error)
            self.report.resources[n] = rep

    def rep(self, name: str) -> ResourceReport:
        return self.report.resources[name]

    def live(self) -> list[tuple[str, ResourcePlan]]:
        return [(n, rp) for n, rp in self.plan.resources.items()
                if rp.error is None and self.rep(n).ok]

    async def steps(self, steps: list[Step], label: str) -> dict[str, StepResult]:
        if not steps:
            return {}
        self.report.round_trips += 1
        timeout = self.timeout
        if timeout is None:  # a batch of 1,500 steps may outlast the per-command default
            timeout = max(self.link.config.command_timeout or 60.0, 30.0 + 0.2 * len(steps))
        return await run_steps(self.link, steps, label=label, timeout=timeout)

    async def prepare(self) -> None:
        """Include file, LVs, candidate files, deletes, unknown files: all independent."""
        steps: list[Step] = []
        for n, rp in self.plan.resources.items():
            if rp.delete:
                steps.append(Step(f"del:{n}", rp.delete))
            elif rp.lvcreate and rp.error is None:
                steps.append(Step(f"lv:{n}", rp.lvcreate))
        if self.plan.remove_files:
            steps.append(Step("rm", [["rm", "-f", *self.plan.remove_files]]))
        writes = [(n, rp.write) for n, rp in self.live() if rp.write is not None]

        async def files() -> None:
            if not (writes or self.plan.write_include):
                return
            await self.link.run(["mkdir", "-p", RES_DIR, "/etc/drbd.d"], check=True)
            jobs = [self._write(n, f"{res_path(n)}.tmp", text) for n, text in writes]
            if self.plan.write_include:
                jobs.append(self._write(None, INCLUDE_FILE, INCLUDE_TEXT))
            await asyncio.gather(*jobs)

        if writes or self.plan.write_include:
            self.report.round_trips += 1
        results, _ = await asyncio.gather(self.steps(steps, "prepare"), files())
        for key, res in results.items():
            kind, _s, name = key.partition(":")
            if kind == "rm":
                if res.ok:
                    self.report.removed_files = list(self.plan.remove_files)
                else:
                    self.report.errors.append(f"removing unknown files failed: {res.tail}")
                continue
            rep = self.rep(name)
            argvs = self.plan.resources[name].delete if kind == "del" else \
                self.plan.resources[name].lvcreate
            if res.ok:
                rep.actions += [shlex.join(a) for a in argvs]
            else:
                _fail_step(rep, "delete" if kind == "del" else "lvcreate", res)

    async def _write(self, name: str | None, path: str, text: str) -> None:
        try:
            await self.link.write_file(path, text)
            if name is None:
                self.report.include_written = True
        except RemoteFileError as exc:
            if name is None:
                self.report.errors.append(str(exc))
            else:
                self.rep(name).fail(f"writing {path} failed: {exc.reason}")

    async def check_all(self) -> bool:
        """Check every candidate together with the unchanged files in ONE drbdadm run.

        ``--config-to-test`` takes one file, and each run parses the whole tree, so
        testing 1,500 candidates one by one costs 1,500 full parses. A throw-away config
        that includes the candidates instead of the files they replace is parsed once;
        only if it fails do we fall back to the per-file test that tells which is bad.
        """
        live = dict(self.live())
        changed = {n for n, rp in live.items() if rp.write is not None}
        if not changed:
            return True
        gone = {n for n, rp in self.plan.resources.items() if rp.delete}
        paths = [f"{res_path(n)}.tmp" for n in sorted(changed)]
        for f in sorted(self.actual.files):
            n = f[:-4]
            if f.endswith(".res") and n not in changed and n not in gone and \
                    f"{RES_DIR}/{f}" not in self.plan.remove_files:
                paths.append(f"{RES_DIR}/{f}")
        text = planmod.check_conf_text(paths)
        line = f"cat > {shlex.quote(CHECK_CONF)} && " + shlex.join(
            ["drbdadm", "-c", CHECK_CONF, "sh-nop"])
        self.report.round_trips += 1
        res = await self.link.run_command_line(line, ["drbdadm", "-c", CHECK_CONF, "sh-nop"],
                                               input=text, timeout=self.timeout)
        return res.ok

    async def install(self) -> None:
        """Test and install the candidates, check/create metadata."""
        checks = [Step(n, [["drbdmeta", "--force", str(v.minor), "v09", v.lv_path,
                            "internal", "dstate"]])
                  for n, rp in self.live() for v in rp.check_md]
        # a dstate check is one step per volume; keys repeat, so number them
        checks = [Step(f"{s.key}:{i}", s.argvs) for i, s in enumerate(checks)]
        no_md: dict[str, list[int]] = {}
        if checks:
            vols = [(n, v) for n, rp in self.live() for v in rp.check_md]
            res = await self.steps(checks, "dstate")
            for i, (n, v) in enumerate(vols):
                r = res[f"{n}:{i}"]
                if not r.ok and any("No valid meta data" in ln for ln in r.output):
                    no_md.setdefault(n, []).append(v.number)
        one_by_one = not await self.check_all()
        steps: list[Step] = []
        for n, rp in self.live():
            if rp.write is None:
                continue
            tmp, final = f"{res_path(n)}.tmp", res_path(n)
            argvs = [["mv", "-f", tmp, final]]
            if one_by_one:
                argvs.insert(0, ["drbdadm", "--config-to-test", tmp, "--config-to-exclude",
                                 final, "sh-nop"])
            steps.append(Step(n, argvs))
        for n, res in (await self.steps(steps, "install")).items():
            if res.ok:
                self.rep(n).actions.append(f"write {res_path(n)}")
            else:
                what = "the configuration check" if res.failed and \
                    "--config-to-test" in res.failed else "installing the resource file"
                _fail_step(self.rep(n), what, res)
        # metadata after every file is in place: one drbdadm per max-peers value, so the
        # configuration is parsed once for all of them, not once per volume
        targets: dict[str, list[str]] = {}
        for n, rp in self.live():
            for vnr in sorted(set(rp.create_md) | set(no_md.get(n, []))):
                targets.setdefault(n, []).append(f"{n}/{vnr}")
        groups: dict[int, list[str]] = {}
        for n in targets:
            groups.setdefault(self.desired.resources[n].max_peers, []).append(n)
        for peers, names in groups.items():
            await self.batched(
                names, lambda ns, p=peers: [["drbdadm", "create-md", "--force",
                                             f"--max-peers={p}",
                                             *(t for x in ns for t in targets[x])]],
                "drbdadm create-md", lambda n, p=peers: [
                    shlex.join(["drbdadm", "create-md", "--force", f"--max-peers={p}", t])
                    for t in targets[n]])

    async def batched(self, names: list[str], argv: Callable[[list[str]], list[list[str]]],
                      label: str, actions: Callable[[str], list[str]]) -> None:
        """One process for many resources (chunked); on failure, each on its own.

        Both commands used this way (adjust, create-md) are safe to repeat, so the
        per-resource retry only tells which resource failed and why.
        """
        if not names:
            return
        chunks = [names[i:i + ADJUST_CHUNK] for i in range(0, len(names), ADJUST_CHUNK)]
        steps = [Step(f"c{i}", argv(c)) for i, c in enumerate(chunks)]
        res = await self.steps(steps, label)
        retry: list[str] = []
        for i, c in enumerate(chunks):
            if res[f"c{i}"].ok:
                for n in c:
                    self.rep(n).actions += actions(n)
            else:
                retry += c
        if not retry:
            return
        single = [Step(n, argv([n])) for n in retry]
        for n, r in (await self.steps(single, f"{label} each")).items():
            if r.ok:
                self.rep(n).actions += actions(n)
            else:
                _fail_step(self.rep(n), label, r)

    async def adjust(self) -> None:
        names = [n for n, rp in self.live() if rp.adjust]
        await self.batched(names, lambda ns: [["drbdadm", "adjust", *ns]], "drbdadm adjust",
                           lambda _n: ["drbdadm adjust"])

    async def drop(self) -> None:
        """Backing storage of volumes that left their resource (``vd d``): only after the
        adjust that took them out of DRBD went through (an attached LV cannot go)."""
        steps = [Step(n, rp.drop) for n, rp in self.live() if rp.drop]
        for n, res in (await self.steps(steps, "drop volumes")).items():
            if res.ok:
                self.rep(n).actions += [shlex.join(a) for a in self.plan.resources[n].drop]
            else:
                _fail_step(self.rep(n), "removing a dropped volume", res)

    async def initial(self) -> None:
        cands = [(n, rp.initial) for n, rp in self.live() if rp.initial]
        if not cands:
            return
        self.report.round_trips += 1
        running = await read_status(self.link)
        primary: list[str] = []
        fresh: dict[str, list[int]] = {}
        for n, kind in cands:
            r = self.desired.resources[n]
            run = running.get(n)
            if run is None:
                continue
            vols = [v.number for v in r.volumes if not v.diskless
                    and (d := run.volumes.get(v.number)) is not None
                    and d.disk in planmod.FRESH_STATES
                    and not any(p.get(v.number) == "UpToDate" for p in run.peer_disks.values())]
            if not vols:
                continue
            if kind == "force-primary":
                primary.append(n)
            else:
                fresh[n] = vols
        # a whole chunk of resources per drbdadm call, as for adjust
        await self.batched(
            primary, lambda ns: [["drbdadm", "primary", "--force", *ns],
                                 ["drbdadm", "secondary", *ns]], "the initial sync",
            lambda n: [f"drbdadm primary --force {n}", f"drbdadm secondary {n}"])
        await self.batched(
            list(fresh), lambda ns: [["drbdadm", "new-current-uuid", "--clear-bitmap",
                                      *(f"{x}/{v}" for x in ns for v in fresh[x])]],
            "skipping the initial sync",
            lambda n: [f"drbdadm new-current-uuid --clear-bitmap {n}/{v}" for v in fresh[n]])


async def apply(link: NodeLink, desired: NodeDesired, *, full_sync: bool = False,
                timeout: float | None = None,
                again: frozenset[str] | set[str] = frozenset()) -> ApplyReport:
    """Make the node match ``desired``; see the module docstring.

    ``again``: resources whose steps failed in the previous run. Their file may already be
    in place while the ``adjust`` that should have followed it failed, so the plan would
    see nothing to do; they are adjusted again (adjust is idempotent).

    Raises ``DesiredError`` for a bad record (before anything is sent) and ``NodeOffline``
    when the node is not connected.
    """
    validate(desired)
    names = [n for n, r in desired.resources.items() if not r.deleting]
    dirs = sorted({v.directory for r in desired.resources.values()
                   for v in [*r.volumes, *r.drop_volumes] if v.is_file and not v.diskless})
    actual = await observe(link, names, dirs)
    extra_trips = 0
    backing_failed: dict[str, StepResult] = {}
    attach, fresh = planmod.backing_steps(desired, actual)
    if attach:  # FILE volumes: the loop device's name goes into the file, so this first
        results = await run_steps(link, [Step(n, a) for n, a in attach.items()],
                                  label="backing files", timeout=timeout or 60.0)
        backing_failed = {n: r for n, r in results.items() if not r.ok}
        actual.loops, actual.dir_files = await asyncio.gather(read_loops(link),
                                                              read_dirs(link, dirs))
        extra_trips += 2
    plan = planmod.diff(desired, actual, full_sync=full_sync, fresh=fresh, again=again)
    stale = [n for n, rp in plan.resources.items()
             if rp.write is not None and f"{n}.res" in actual.files]
    if stale:  # maybe only the comment header differs: look before rewriting
        plan = planmod.diff(desired, actual, full_sync=full_sync,
                            contents=await _contents(link, stale), fresh=fresh, again=again)
    for n, res in backing_failed.items():  # the real cause, not "not attached"
        rp = plan.resources[n]
        rp.error = f"setting up the backing file failed: {res.tail}"
        rp.lvcreate.clear()
        rp.create_md.clear()
        rp.check_md.clear()
        rp.write, rp.adjust, rp.initial = None, False, None
    run = _Run(link, desired, plan, actual, timeout)
    run.report.round_trips += extra_trips
    for n in attach:
        if n not in backing_failed:
            run.rep(n).actions += [shlex.join(a) for a in attach[n]]
    if stale:
        run.report.round_trips += 1
    if not plan.changes:
        return run.report
    await run.prepare()
    await run.install()
    await run.adjust()
    await run.drop()
    await run.initial()
    return run.report


__all__ = ["ApplyReport", "ResourceReport", "apply"]
