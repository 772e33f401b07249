"""The small Unix programs a node needs: coreutils-like file tools, blockdev, losetup.

Messages imitate GNU coreutils/util-linux wording, because the controller reports a
failing command's stderr tail to the operator and tests compare against real nodes.
"""

from __future__ import annotations

import hashlib
import posixpath
import re

from drbdeck.emulator.core import Invocation, command


def _fs(inv: Invocation):
    return inv.node.fs


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


@command("true")
async def true_(inv: Invocation) -> int:
    return 0


@command("false")
async def false_(inv: Invocation) -> int:
    return 1


@command("echo")
async def echo(inv: Invocation) -> int:
    args = inv.argv[1:]
    newline = True
    if args and args[0] == "-n":
        newline, args = False, args[1:]
    inv.out(" ".join(args) + ("\n" if newline else ""))
    return 0


@command("uname")
async def uname(inv: Invocation) -> int:
    fields = {"-s": "Linux", "-n": inv.node.name, "-r": "6.1.0-emulated-amd64",
              "-m": "x86_64", "-o": "GNU/Linux"}
    args = inv.argv[1:] or ["-s"]
    if args == ["-a"]:
        args = ["-s", "-n", "-r", "-m", "-o"]
    out = []
    for a in args:
        if a not in fields:
            inv.err(f"uname: invalid option -- '{a.lstrip('-')}'\n"
                    "Try 'uname --help' for more information.\n")
            return 1
        out.append(fields[a])
    inv.out(" ".join(out) + "\n")
    return 0


@command("hostname")
async def hostname(inv: Invocation) -> int:
    inv.out(inv.node.name + "\n")
    return 0


@command("cat")
async def cat(inv: Invocation) -> int:
    files = [a for a in inv.argv[1:] if a != "--"] or ["-"]
    rc = 0
    for f in files:
        if f == "-":
            inv.out(inv.stdin.decode("utf-8", "replace"))
            continue
        try:
            inv.out(_fs(inv).read_text(f))
        except OSError as exc:
            inv.err(f"cat: {f}: {_why(exc)}\n")
            rc = 1
    return rc


@command("sha256sum")
async def sha256sum(inv: Invocation) -> int:
    files = inv.argv[1:] or ["-"]
    rc = 0
    for f in files:
        try:
            data = inv.stdin if f == "-" else _fs(inv).read_bytes(f)
        except OSError as exc:
            inv.err(f"sha256sum: {f}: {_why(exc)}\n")
            rc = 1
            continue
        inv.out(f"{hashlib.sha256(data).hexdigest()}  {f}\n")
    return rc


@command("mkdir")
async def mkdir(inv: Invocation) -> int:
    parents = False
    rc = 0
    paths = []
    for a in inv.argv[1:]:
        if a in ("-p", "--parents"):
            parents = True
        elif a.startswith("-m") or a.startswith("--mode"):
            continue
        else:
            paths.append(a)
    if not paths:
        inv.err("mkdir: missing operand\nTry 'mkdir --help' for more information.\n")
        return 1
    for p in paths:
        try:
            _fs(inv).mkdir(p, parents=parents)
        except OSError as exc:
            inv.err(f"mkdir: cannot create directory '{p}': {_why(exc)}\n")
            rc = 1
    return rc


@command("mv")
async def mv(inv: Invocation) -> int:
    args = [a for a in inv.argv[1:] if a not in ("-f", "-T", "--")]
    if len(args) != 2:
        inv.err("mv: missing destination file operand\n"
                "Try 'mv --help' for more information.\n")
        return 1
    src, dst = args
    fs = _fs(inv)
    if not fs.exists(src):
        inv.err(f"mv: cannot stat '{src}': No such file or directory\n")
        return 1
    try:
        fs.rename(src, dst)
    except OSError as exc:
        inv.err(f"mv: cannot move '{src}' to '{dst}': {_why(exc)}\n")
        return 1
    return 0


@command("rm")
async def rm(inv: Invocation) -> int:
    force = recursive = False
    paths = []
    for a in inv.argv[1:]:
        if a.startswith("-") and len(a) > 1 and not paths:
            force |= "f" in a
            recursive |= "r" in a or "R" in a
        else:
            paths.append(a)
    fs = _fs(inv)
    rc = 0
    for p in paths:
        try:
            if fs.is_dir(p):
                if not recursive:
                    inv.err(f"rm: cannot remove '{p}': Is a directory\n")
                    rc = 1
                    continue
                _rmtree(fs, p)
            else:
                fs.remove(p)
        except OSError as exc:
            if not (force and isinstance(exc, FileNotFoundError)):
                inv.err(f"rm: cannot remove '{p}': {_why(exc)}\n")
                rc = 1
    return rc


def _rmtree(fs, path: str) -> None:
    for name in fs.listdir(path):
        child = posixpath.join(path, name)
        if fs.is_dir(child):
            _rmtree(fs, child)
        else:
            fs.remove(child)
    fs.rmdir(path)


@command("ls")
async def ls(inv: Invocation) -> int:
    paths = [a for a in inv.argv[1:] if not a.startswith("-")] or ["/root"]
    fs = _fs(inv)
    rc = 0
    for p in paths:
        if fs.is_dir(p):
            inv.out("".join(f"{n}\n" for n in fs.listdir(p)))
        elif fs.exists(p) or inv.node.block_device(p) is not None:
            inv.out(f"{p}\n")
        else:
            inv.err(f"ls: cannot access '{p}': No such file or directory\n")
            rc = 2
    return rc


@command("test", "[")
async def test(inv: Invocation) -> int:
    args = inv.argv[1:]
    if inv.argv[0] == "[":
        if not args or args[-1] != "]":
            inv.err("[: missing `]'\n")
            return 2
        args = args[:-1]
    negate = False
    if args and args[0] == "!":
        negate, args = True, args[1:]
    fs = _fs(inv)
    if len(args) == 2 and args[0] in ("-e", "-f", "-d", "-b", "-s", "-r", "-w"):
        op, p = args
        dev = inv.node.block_device(p) if p.startswith("/dev/") else None
        result = {
            "-e": fs.exists(p) or dev is not None,
            "-f": fs.is_file(p) if hasattr(fs, "is_file") else fs.exists(p),
            "-d": fs.is_dir(p),
            "-b": dev is not None,
            "-s": fs.exists(p) and not fs.is_dir(p) and _size(fs, p) > 0,
            "-r": fs.exists(p) or dev is not None,
            "-w": fs.exists(p) or dev is not None,
        }[op]
    elif len(args) == 3 and args[1] in ("=", "==", "!="):
        result = (args[0] == args[2]) != (args[1] == "!=")
    elif len(args) == 2 and args[0] in ("-n", "-z"):
        result = bool(args[1]) == (args[0] == "-n")
    elif len(args) == 1:
        result = bool(args[0])
    elif not args:
        result = False
    else:
        inv.err(f"{inv.argv[0]}: unsupported expression: {' '.join(args)}\n")
        return 2
    return 0 if result != negate else 1


def _size(fs, p: str) -> int:
    try:
        return int(fs.size(p)) if hasattr(fs, "size") else len(fs.read_bytes(p))
    except OSError:
        return 0


_GNU_SIZE = re.compile(r"^([+-]?)(\d+)([KMGTPE]?)(iB|B)?$", re.IGNORECASE)


def parse_gnu_size(text: str) -> tuple[str, int] | None:
    """coreutils sizes: ``10G``/``10GiB`` binary, ``10GB`` decimal, bare bytes."""
    m = _GNU_SIZE.match(text)
    if not m:
        return None
    sign, num, unit, tail = m.groups()
    power = "KMGTPE".find(unit.upper()) + 1 if unit else 0
    base = 1000 if tail == "B" else 1024
    return sign, int(num) * base**power


@command("truncate")
async def truncate(inv: Invocation) -> int:
    args = inv.argv[1:]
    size_txt = None
    files = []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-s", "--size"):
            size_txt = args[i + 1] if i + 1 < len(args) else None
            i += 2
            continue
        if a.startswith("--size="):
            size_txt = a.split("=", 1)[1]
        elif a.startswith("-s") and len(a) > 2:
            size_txt = a[2:]
        elif a in ("-c", "--no-create"):
            pass
        else:
            files.append(a)
        i += 1
    if size_txt is None:
        inv.err("truncate: you must specify either '--size' or '--reference'\n"
                "Try 'truncate --help' for more information.\n")
        return 1
    parsed = parse_gnu_size(size_txt)
    if parsed is None:
        inv.err(f"truncate: Invalid number: '{size_txt}'\n")
        return 1
    if not files:
        inv.err("truncate: missing file operand\nTry 'truncate --help' for more information.\n")
        return 1
    sign, nbytes = parsed
    fs = _fs(inv)
    rc = 0
    for f in files:
        try:
            cur = fs.size(f) if fs.exists(f) else 0
            new = cur + nbytes if sign == "+" else max(0, cur - nbytes) if sign == "-" else nbytes
            fs.truncate(f, new)
        except OSError as exc:
            inv.err(f"truncate: cannot open '{f}' for writing: {_why(exc)}\n")
            rc = 1
    return rc


@command("blockdev")
async def blockdev(inv: Invocation) -> int:
    args = inv.argv[1:]
    ops = [a for a in args if a.startswith("--")]
    devs = [a for a in args if not a.startswith("--")]
    if not ops or not devs:
        inv.err("Usage:\n  blockdev -V\n  blockdev --report [devices]\n"
                "  blockdev [-v|-q] commands devices\n")
        return 1
    for dev in devs:
        size = device_size(inv, dev)
        if size is None:
            inv.err(f"blockdev: cannot open {dev}: No such file or directory\n")
            return 1
        for op in ops:
            if op == "--getsize64":
                inv.out(f"{size}\n")
            elif op == "--getsz":
                inv.out(f"{size // 512}\n")
            elif op in ("--getss", "--getpbsz", "--getbsz"):
                inv.out("512\n" if op == "--getss" else "4096\n")
            else:
                inv.err(f"blockdev: Unknown command: {op}\n")
                return 1
    return 0


def device_size(inv: Invocation, path: str) -> int | None:
    """Size of an LV, loop device or ``/dev/drbdN`` (asked of the DRBD kernel)."""
    m = re.match(r"^/dev/drbd(\d+)$", path)
    if m:
        kernel = inv.node.drbd
        if kernel is None:
            return None
        try:
            return kernel.device_size_bytes(int(m.group(1)))  # type: ignore[no-any-return]
        except Exception:
            return None
    dev = inv.node.block_device(path)
    return None if dev is None else dev.size_bytes


@command("losetup")
async def losetup(inv: Invocation) -> int:
    loops = inv.node.loops  # type: ignore[attr-defined]
    fs = _fs(inv)
    args = inv.argv[1:]
    flags = {a for a in args if a.startswith("-")}
    pos = [a for a in args if not a.startswith("-")]
    if "-d" in flags or "--detach" in flags:
        rc = 0
        for p in pos:
            if loops.detach(p) is None:
                inv.err(f"losetup: {p}: detach failed: No such device or address\n")
                rc = 1
        return rc
    if "-j" in flags or "--associated" in flags:
        if not pos:
            inv.err("losetup: option requires an argument -- 'j'\n")
            return 1
        for d in loops.by_file(posixpath.normpath(pos[0])):
            inv.out(f"{d.path}: [2049]:{d.inode} ({d.backing_file})\n")
        return 0
    if "-a" in flags or "--all" in flags or (not pos and not flags):
        for d in sorted(loops.devices.values(), key=lambda x: x.path):
            inv.out(f"{d.path}: [2049]:{d.inode} ({d.backing_file})\n")
        return 0
    if ("-f" in flags or "--find" in flags) and not pos:
        inv.out(loops.next_free() + "\n")
        return 0
    if not pos:
        inv.err("losetup: no loop device specified\n")
        return 1
    f = pos[-1]
    if not fs.exists(f) or fs.is_dir(f):
        inv.err(f"losetup: {f}: failed to set up loop device: No such file or directory\n")
        return 1
    dev = loops.attach(posixpath.normpath(f), fs.size(f))
    if "--show" in flags:
        inv.out(dev.path + "\n")
    return 0


@command("sleep")
async def sleep(inv: Invocation) -> int:
    import asyncio
    import contextlib

    try:
        secs = float(inv.argv[1]) if len(inv.argv) > 1 else 0.0
    except ValueError:
        inv.err(f"sleep: invalid time interval '{inv.argv[1]}'\n")
        return 1
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(inv.closed.wait(), secs)
    return 0


@command("chmod")
async def chmod(inv: Invocation) -> int:
    """Modes are not modelled; chmod only checks that its files exist."""
    args = [a for a in inv.argv[1:] if not a.startswith("-")]
    if len(args) < 2:
        inv.err("chmod: missing operand\nTry 'chmod --help' for more information.\n")
        return 1
    rc = 0
    for p in args[1:]:
        if not _fs(inv).exists(p):
            inv.err(f"chmod: cannot access '{p}': No such file or directory\n")
            rc = 1
    return rc


_SBIN = {"drbdadm", "drbdsetup", "drbdmeta", "vgs", "lvs", "pvs", "lvcreate", "lvremove",
         "lvresize", "lvextend", "lvreduce", "vgcreate", "vgremove", "blockdev", "losetup"}


def _program_path(name: str) -> str | None:
    from drbdeck.emulator.core import COMMANDS

    if name not in COMMANDS:
        return None
    return f"/usr/sbin/{name}" if name in _SBIN else f"/usr/bin/{name}"


def _print_paths(inv: Invocation, names: list[str]) -> int:
    """Print where each program lives; exit 1 if any is missing (as ``which`` does)."""
    rc = 0
    for name in names:
        path = _program_path(name)
        if path is None:
            rc = 1
        else:
            inv.out(path + "\n")
    return rc


@command("which")
async def which(inv: Invocation) -> int:
    return _print_paths(inv, inv.argv[1:])


@command("command")
async def command_(inv: Invocation) -> int:
    """Only ``command -v NAME``: how scripts probe for installed tools."""
    args = inv.argv[1:]
    if not args or args[0] != "-v":
        inv.err("bash: command: only 'command -v NAME' is supported here\n")
        return 2
    return _print_paths(inv, args[1:])


@command("wipefs")
async def wipefs(inv: Invocation) -> int:
    """Signatures are not modelled: succeeds quietly for existing block devices."""
    devs = [a for a in inv.argv[1:] if not a.startswith("-")]
    for d in devs:
        if inv.node.block_device(d) is None:
            inv.err(f"wipefs: error: {d}: probing initialization failed: "
                    "No such file or directory\n")
            return 1
    return 0


@command("udevadm", "sync")
async def settle(inv: Invocation) -> int:
    """``udevadm settle`` and ``sync``: nothing is pending in an emulated node."""
    return 0
