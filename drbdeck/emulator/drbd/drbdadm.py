"""The emulated ``drbdadm``: reads the node's configuration and drives its kernel.

Argument handling, messages and exit codes follow drbd-utils 9.22 as observed with the real
tool: unknown resource → ``'x' not defined in your config (for this host).`` exit 1; a bad
file → the parser's message, exit 10; a refused kernel request → drbdsetup's message plus
``Command '…' terminated with exit code N`` and exit N.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drbdeck.backend.resconfig import ResourceConfig
from drbdeck.backend.resfile import ResFileError
from drbdeck.emulator.core import Invocation
from drbdeck.emulator.drbd import conf
from drbdeck.emulator.drbd.conf import Target
from drbdeck.emulator.drbd.drbdmeta import create_md
from drbdeck.emulator.drbd.drbdsetup import NO_MODULE
from drbdeck.emulator.drbd.dump import dump, dump_header, start_line
from drbdeck.emulator.drbd.errors import DrbdError
from drbdeck.emulator.drbd.status import status_text

_WITH_ARG = {
    "-c": "config", "--config-file": "config",
    "-t": "test", "--config-to-test": "test",
    "-E": "exclude", "--config-to-exclude": "exclude",
    "--max-peers": "max_peers",
}
_FLAGS = {
    "-d", "--dry-run", "-v", "--verbose", "-S", "--stacked", "--force", "--clear-bitmap",
    "--discard-my-data", "-h", "--help", "-V", "--version",
}
_RESOURCE_CMDS = {
    "up", "down", "adjust", "primary", "secondary", "create-md", "new-current-uuid",
    "connect", "disconnect", "status", "attach", "detach", "resize",
}
_WHOLE = {"up", "down", "adjust", "primary", "secondary"}

VERSION = (
    "DRBDADM_BUILDTAG=GIT-hash:\\ 409097fe02187f83790b88ac3e0d94f3c167adab\\ reproducible\\ build\n"
    "DRBDADM_API_VERSION=2\n"
    "DRBD_KERNEL_VERSION_CODE=0x09020c\n"
    "DRBD_KERNEL_VERSION=9.2.12\n"
    "DRBDADM_VERSION_CODE=0x091600\n"
    "DRBDADM_VERSION=9.22.0\n"
)


class UsageError(Exception):
    pass


@dataclass
class Args:
    command: str = ""
    targets: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)


def parse_args(argv: list[str]) -> Args:
    out = Args()
    it = iter(argv)
    for a in it:
        if a.startswith("-") and a != "-":
            name, eq, val = a.partition("=")
            if name in _WITH_ARG:
                if not eq:
                    val = next(it, "")
                    if not val:
                        raise UsageError(f"drbdadm: option '{name}' requires an argument")
                out.values[_WITH_ARG[name]] = val
            elif a in _FLAGS:
                out.flags.add(a)
            else:
                raise UsageError(f"drbdadm: unrecognized option '{a}'\ntry 'drbdadm help'")
        elif not out.command:
            out.command = a
        else:
            out.targets.append(a)
    return out


async def drbdadm(inv: Invocation) -> int:
    try:
        args = parse_args(inv.argv[1:])
    except UsageError as e:
        inv.err(f"{e}\n")
        return 1
    if args.flags & {"-V", "--version"}:
        inv.out(VERSION)
        return 0
    if not args.command:
        inv.err("No command specified\n")
        return 1
    if args.flags & {"-d", "--dry-run"}:
        inv.err("drbdadm: --dry-run is not supported by the emulator\n")
        return 1
    host = inv.env.get("__DRBD_NODE__") or inv.node.name
    known = _RESOURCE_CMDS | {"dump", "sh-nop"}
    if args.command not in known:
        inv.err(f"drbdadm: Unknown command '{args.command}'\n")
        return 1
    try:
        resources = conf.load(
            inv.node.fs, host, args.values.get("config"),
            args.values.get("test"), args.values.get("exclude"),
        )
    except ResFileError as e:
        inv.err(e.message.rstrip("\n") + "\n")
        return e.exit_code
    if args.command == "sh-nop":
        return 0
    if args.command == "dump":
        return _dump(inv, args, resources, host)
    return _run(inv, args, conf.for_host(resources, host), host)


def _dump(inv: Invocation, args: Args, resources: list[ResourceConfig], host: str) -> int:
    """``dump [all|RES...]``: with no names (or ``all``) the file/global/common header too."""
    names = [t for t in args.targets if t != "all"]
    for n in names:
        if not any(rc.name == n for rc in resources):
            inv.err(f"'{n}' not defined in your config.\n")
            return 1
    cfg = args.values.get("config") or conf.DEFAULT_CONF
    tree = conf.tree(inv.node.fs, cfg)  # as written: without common folded in
    sel = [rc for rc in tree.resources if not names or rc.name in names]

    def read(path: str) -> str:
        data: bytes = inv.node.fs.read_bytes(path)
        return data.decode("utf-8", "replace")

    head = dump_header(cfg, tree.global_opts, tree.common) if not names else ""
    body = "".join(dump(rc, host, start_line(rc, read), named=bool(names)) for rc in sel)
    inv.out(head + body)
    return 0


def _resolve(
    args: Args, mine: list[ResourceConfig], host: str
) -> list[tuple[ResourceConfig, Target]]:
    if not args.targets:
        if args.command == "status":
            return [(rc, Target(rc.name)) for rc in mine]
        raise UsageError("No resource names specified")
    out: list[tuple[ResourceConfig, Target]] = []
    by_name = {rc.name: rc for rc in mine}
    for t in args.targets:
        if t == "all":
            out.extend((rc, Target(rc.name)) for rc in mine)
            continue
        try:
            tgt = Target.parse(t)
        except ResFileError as e:
            raise UsageError(e.message) from e
        rc = by_name.get(tgt.resource)
        if rc is None:
            raise UsageError(f"'{tgt.resource}' not defined in your config (for this host).")
        if tgt.volume is not None and args.command in _WHOLE:
            raise UsageError(
                f"{args.command} operates on whole resources, but you specified a specific volume!"
            )
        if tgt.peer is not None and tgt.peer not in [p for p, _l, _a in rc.peers_of(host)]:
            raise UsageError(f"Not a valid connection ({t}) for this host")
        if args.command == "new-current-uuid" and tgt.volume is None:
            raise UsageError(
                "new-current-uuid requires a specific volume id, but none is specified.\n"
                f"Try 'new-current-uuid minor-<minor_number>' or 'new-current-uuid {rc.name}/<vnr>'"
            )
        out.append((rc, tgt))
    return out


def _run(inv: Invocation, args: Args, mine: list[ResourceConfig], host: str) -> int:
    try:
        work = _resolve(args, mine, host)
    except UsageError as e:
        inv.err(f"{e}\n")
        return 1
    kernel = inv.node.drbd
    if kernel is None and args.command != "create-md":
        inv.err(NO_MODULE)
        return 20
    if args.command == "status":
        running = [kernel.resources[rc.name] for rc, _t in work if rc.name in kernel.resources]
        inv.out(status_text(running))
        return 0
    rc_out = 0
    force = "--force" in args.flags
    for rc, tgt in work:
        try:
            code = _one(inv, args, kernel, rc, tgt, host, force)
        except DrbdError as e:
            inv.err(e.message.rstrip("\n") + "\n")
            cmd = e.cmd or _default_cmd(args.command, rc, tgt, force)
            inv.err(f"Command '{cmd}' terminated with exit code {e.exit_code}\n")
            code = e.exit_code
        if code:
            rc_out = code
    return rc_out


def _default_cmd(command: str, rc: ResourceConfig, tgt: Target, force: bool) -> str:
    extra = " --force" if force else ""
    return f"drbdsetup {command} {rc.name}{extra}"


def _one(
    inv: Invocation, args: Args, kernel, rc: ResourceConfig, tgt: Target,  # type: ignore[no-untyped-def]
    host: str, force: bool,
) -> int:
    cmd = args.command
    if cmd == "up":
        kernel.up(rc, host)
    elif cmd == "adjust":
        kernel.adjust(rc, host)
    elif cmd == "down":
        if rc.name in kernel.resources:
            kernel.down(rc.name)
    elif cmd == "primary":
        kernel.primary(rc.name, force=force)
    elif cmd == "secondary":
        kernel.secondary(rc.name)
    elif cmd == "connect":
        kernel.connect(rc.name, tgt.peer)
    elif cmd == "disconnect":
        kernel.disconnect(rc.name, tgt.peer)
    elif cmd in ("attach", "detach", "resize"):
        getattr(kernel, cmd)(rc.name, tgt.volume)
    elif cmd == "new-current-uuid":
        assert tgt.volume is not None
        vols = {v.number: v for v in rc.host_view(host)}
        if tgt.volume not in vols:
            inv.err(f"{rc.name}/{tgt.volume}: volume not defined in your config.\n")
            return 1
        try:
            kernel.new_current_uuid(rc.name, tgt.volume, "--clear-bitmap" in args.flags)
        except DrbdError as e:
            minor = vols[tgt.volume].minor
            opt = " --clear-bitmap" if "--clear-bitmap" in args.flags else ""
            e.cmd = e.cmd or f"drbdsetup new-current-uuid {minor}{opt}"
            raise
    elif cmd == "create-md":
        return _create_md(inv, args, rc, tgt, host, force)
    return 0


def _create_md(
    inv: Invocation, args: Args, rc: ResourceConfig, tgt: Target, host: str, force: bool
) -> int:
    diskful_peers = 0
    for p, _l, _a in rc.peers_of(host):
        try:
            if any(not v.diskless for v in rc.host_view(p)):
                diskful_peers += 1
        except ValueError:
            continue
    raw = args.values.get("max_peers")
    if raw is not None and not raw.isdigit():
        inv.err(f"drbdadm: --max-peers: '{raw}' is not a number\n")
        return 1
    max_peers = int(raw) if raw is not None else max(diskful_peers, 1)
    for v in rc.host_view(host):
        if (tgt.volume is not None and v.number != tgt.volume) or v.diskless:
            continue
        if inv.node.block_device(v.disk) is None:  # drbdadm's own probe fails first
            inv.err(f"open({v.disk}) failed: No such file or directory\n")
        code = create_md(inv.node, v.disk, v.minor, max_peers, force, inv.out, inv.err)
        if code == 1:  # "Operation cancelled.": drbdadm adds nothing (checked with 9.22)
            return code
        if code:
            opt = " --force" if force else ""
            inv.err(
                f"Command 'drbdmeta {v.minor} v09 {v.disk} {v.meta_disk} create-md "
                f"{max_peers}{opt}' terminated with exit code {code}\n"
            )
            return code
    return 0
