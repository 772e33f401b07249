"""The LVM programs: ``vgs``, ``lvs``, ``pvs``, ``lvcreate``, ``lvremove``, ``lvresize``…

Messages, the stream they go to and exit codes follow lvm2 2.03 (checked against the real
tools in metadata-only mode): informational lines go to stdout with a two-space indent,
errors to stderr; 5 is a failed operation, 3 a command-line error.
"""

from __future__ import annotations

import re

from drbdeck.emulator.argscan import ArgError, scan
from drbdeck.emulator.core import Invocation, command
from drbdeck.emulator.lvm import LogicalVolume, LvmError, LvmState
from drbdeck.emulator.lvm_report import (
    ROW_BUILDERS,
    Units,
    human_size,
    parse_select,
    render,
    resolve_fields,
)

EXIT_FAILED = 5
EXIT_USAGE = 3

_SIZE_RE = re.compile(r"^([+-]?)(\d+(?:\.\d+)?)([bBsSkKmMgGtTpPeE]?)$")
_UNIT = {"b": 1, "s": 512, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40,
         "p": 1 << 50, "e": 1 << 60}
_NAME_RE = re.compile(r"^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$")


def parse_size(text: str, option: str = "--size") -> tuple[str, int]:
    """``10M``/``1.5g``/``+4m``/``2048k`` → (sign, bytes); no unit means MiB like lvm2."""
    m = _SIZE_RE.match(text)
    if not m:
        raise LvmError(
            f"Can't parse size argument.\n  Invalid argument for {option}: {text}\n"
            "  Error during parsing of command line.",
            code=EXIT_USAGE,
        )
    sign, num, unit = m.groups()
    return sign, int(float(num) * _UNIT[(unit or "m").lower()])


def _state(inv: Invocation) -> LvmState:
    return inv.node.lvm  # type: ignore[attr-defined, no-any-return]


def _fail(inv: Invocation, exc: LvmError | ArgError, prog: str) -> int:
    if isinstance(exc, ArgError):
        inv.err(f"  {prog}: {exc}\n  Run `{prog} --help' for more information.\n")
        return EXIT_USAGE
    inv.err("".join(f"  {line.strip()}\n" for line in exc.message.split("\n")))
    return exc.code


_REPORT_VALUE = {"-o": "o", "--options": "o", "--units": "units", "--reportformat": "fmt",
                 "--separator": "sep", "-S": "select", "--select": "select",
                 "-O": "sort", "--sort": "sort", "--config": "config"}
_REPORT_FLAGS = {"--nosuffix": "nosuffix", "--noheadings": "noheadings", "-a": "all",
                 "--all": "all", "--readonly": "ro", "-q": "quiet", "--quiet": "quiet",
                 "-v": "verbose", "--nolocking": "nolocking", "--aligned": "aligned",
                 "--binary": "binary"}


async def _report(inv: Invocation, kind: str, prog: str) -> int:
    try:
        sc = scan(inv.argv[1:], _REPORT_VALUE, _REPORT_FLAGS)
        fmt = sc.last("fmt", "basic")
        if fmt not in ("basic", "json", "json_std"):
            raise LvmError(f"Unknown report format {fmt}.", code=EXIT_USAGE)
        unit = sc.last("units", "h") or "h"
        if unit not in "hHbBsSkKmMgGtTpPeE" or len(unit) != 1:
            raise LvmError(f"Invalid argument for --units: {unit}", code=EXIT_USAGE)
        units = Units(unit, suffix=not sc.has("nosuffix"))
        st = _state(inv)
        selected = parse_select(sc.last("select") or "")
        rows, objects, rc, errs = [], [], 0, []
        if kind == "lv":
            objects, rc, errs = _select_lvs(st, sc.args)
        else:
            for name in sc.args or sorted(st.vgs):
                if name.startswith("/dev/") and kind == "pv":
                    vg = next((v for v in st.vgs.values() if v.pv_name == name), None)
                    if vg is None:
                        errs.append(f'Failed to find physical volume "{name}".')
                        rc = EXIT_FAILED
                        continue
                    objects.append(vg)
                elif name in st.vgs:
                    objects.append(st.vgs[name])
                else:
                    errs.append(f'Volume group "{name}" not found')
                    errs.append(f"Cannot process volume group {name}")
                    rc = EXIT_FAILED
        if not objects and not st.vgs and kind != "lv":
            objects = []
        sample_obj = objects[0] if objects else None
        builder = ROW_BUILDERS[kind]
        sample = builder(sample_obj, units) if sample_obj is not None else _empty_sample(kind)
        fields = resolve_fields(kind, ",".join(sc.opts.get("o", [])) or None, sample)
        for obj in objects:
            getters = builder(obj, units)
            if any(k in getters and getters[k]() != v for k, v in selected):
                continue
            rows.append({f: getters[f]() for f in fields})
    except (LvmError, ArgError) as exc:
        return _fail(inv, exc, prog)
    inv.out(render(kind, rows, fields, json_out=fmt.startswith("json"),
                   headings=not sc.has("noheadings"), separator=sc.last("sep"),
                   std=fmt == "json_std"))
    for e in errs:
        inv.err(f"  {e}\n")
    return rc


def _empty_sample(kind: str) -> dict:
    from drbdeck.emulator.lvm import LogicalVolume, VolumeGroup

    vg = VolumeGroup("x", 1)
    obj = LogicalVolume(vg, "x", 1) if kind == "lv" else vg
    return ROW_BUILDERS[kind](obj, Units())  # type: ignore[arg-type]


def _select_lvs(st: LvmState, args: list[str]) -> tuple[list[LogicalVolume], int, list[str]]:
    if not args:
        return st.all_lvs(), 0, []
    out: list[LogicalVolume] = []
    rc, errs = 0, []
    for a in args:
        a = a.removeprefix("/dev/")
        if "/" in a:
            vg_name, lv_name = a.split("/", 1)
            vg = st.vgs.get(vg_name)
            if vg is None:
                errs += [f'Volume group "{vg_name}" not found',
                         f"Cannot process volume group {vg_name}"]
                rc = EXIT_FAILED
            elif lv_name not in vg.lvs:
                errs.append(f'Failed to find logical volume "{vg_name}/{lv_name}"')
                rc = EXIT_FAILED
            else:
                out.append(vg.lvs[lv_name])
        elif a in st.vgs:
            out += st.vgs[a].visible_lvs()
        else:
            errs += [f'Volume group "{a}" not found', f"Cannot process volume group {a}"]
            rc = EXIT_FAILED
    return out, rc, errs


@command("vgs")
async def vgs(inv: Invocation) -> int:
    return await _report(inv, "vg", "vgs")


@command("lvs")
async def lvs(inv: Invocation) -> int:
    return await _report(inv, "lv", "lvs")


@command("pvs")
async def pvs(inv: Invocation) -> int:
    return await _report(inv, "pv", "pvs")


_CREATE_VALUE = {"-L": "size", "--size": "size", "-V": "vsize", "--virtualsize": "vsize",
                 "-n": "name", "--name": "name", "--thinpool": "thinpool",
                 "-W": "wipe", "--wipesignatures": "wipe", "-a": "activate",
                 "--activate": "activate", "-Z": "zero", "--zero": "zero",
                 "-l": "extents", "--extents": "extents", "--type": "type",
                 "-c": "chunk", "--chunksize": "chunk", "--config": "config",
                 "--poolmetadatasize": "metasize"}
_CREATE_FLAGS = {"-y": "yes", "--yes": "yes", "-q": "quiet", "--quiet": "quiet",
                 "-v": "verbose", "-t": "test"}


@command("lvcreate")
async def lvcreate(inv: Invocation) -> int:
    st = _state(inv)
    # "-T"/"--thin" is a bare flag, or carries VG/POOL when the next word has a slash
    flat: list[str] = []
    thin_flag = False
    src = inv.argv[1:]
    k = 0
    while k < len(src):
        a = src[k]
        k += 1
        if a in ("-T", "--thin"):
            nxt = src[k] if k < len(src) else ""
            if "/" in nxt and not nxt.startswith("-"):
                flat += ["--thinpool", nxt]
                k += 1
            else:
                thin_flag = True
            continue
        flat.append(a)
    try:
        sc = scan(flat, _CREATE_VALUE, _CREATE_FLAGS)
        thin_target = sc.last("thinpool")
        if sc.last("type") in ("thin-pool", "thin"):
            thin_flag = True
        if len(sc.args) > 1:
            raise ArgError("Too many arguments.", "")
        target = sc.args[0] if sc.args else ""
        if thin_target:
            thin_flag = True
            target = thin_target if "/" in thin_target or not target else target
        vg_name, _, pool = target.partition("/")
        if not pool and thin_target and "/" not in thin_target:
            pool = thin_target
        if not vg_name:
            raise LvmError("Please provide a volume group name", code=EXIT_USAGE)
        name = sc.last("name")
        if name and "/" in name:
            other, _, name = name.partition("/")
            if other != vg_name:
                raise LvmError(
                    f'Inconsistent volume group names given: "{other}" and "{vg_name}"',
                    code=EXIT_USAGE,
                )
        if name is not None and not _NAME_RE.match(name):
            raise LvmError(f'Logical volume name "{name}" is invalid.', code=EXIT_USAGE)
        vg = st.vg(vg_name)
        if name is None:
            n = 0
            while f"lvol{n}" in vg.lvs:
                n += 1
            name = f"lvol{n}"
        size_txt, vsize_txt = sc.last("size"), sc.last("vsize")
        extents_txt = sc.last("extents")
        if size_txt is None and vsize_txt is None and extents_txt is None:
            raise LvmError("Please specify either size or extents.", code=EXIT_USAGE)
        out: list[str] = []
        warn: list[str] = []
        if vsize_txt is not None:
            # thin LV in VG/POOL
            if not pool:
                raise LvmError("Please specify name of existing thin pool.", code=EXIT_USAGE)
            _, want = parse_size(vsize_txt, "--virtualsize")
            ext = vg.extents_for(want)
            if ext * vg.extent_bytes != want:
                out.append(f"Rounding up size to full physical extent "
                           f"{human_size(ext * vg.extent_bytes)}")
            lv = st.create_thin(vg_name, pool, name, ext * vg.extent_bytes)
            p = vg.lvs[pool]
            total = sum(t.size_bytes for t in p.thin_lvs())
            if total > p.size_bytes:
                warn += [
                    f"WARNING: Sum of all thin volume sizes ({human_size(total)}) exceeds the "
                    f"size of thin pool {vg_name}/{pool} ({human_size(p.size_bytes)}).",
                    "WARNING: You have not turned on protection against thin pools running "
                    "out of space.",
                    "WARNING: Set activation/thin_pool_autoextend_threshold below 100 to "
                    "trigger automatic extension of thin pools before they get full.",
                ]
            out.append(f'Logical volume "{lv.name}" created.')
        else:
            if extents_txt is not None:
                if not extents_txt.isdigit():
                    raise LvmError(f"Invalid argument for --extents: {extents_txt}",
                                   code=EXIT_USAGE)
                want = int(extents_txt) * vg.extent_bytes
            else:
                _, want = parse_size(size_txt or "")
            ext = vg.extents_for(want)
            if ext == 0:
                ext = 1
            if ext * vg.extent_bytes != want:
                out.append(f"Rounding up size to full physical extent "
                           f"{human_size(ext * vg.extent_bytes)}")
            if thin_flag:
                pool_name = pool or sc.last("name") or name
                lv = st.create_pool(vg_name, pool_name, ext * vg.extent_bytes)
                out.append("Thin pool volume with chunk size 64.00 KiB can address at most "
                           "<15.88 TiB of data.")
            else:
                lv = st.create_linear(vg_name, name, ext * vg.extent_bytes)
            if sc.last("zero") == "n" or sc.last("activate") == "n":
                warn.append(f"WARNING: Logical volume {vg_name}/{lv.name} not zeroed.")
            out.append(f'Logical volume "{lv.name}" created.')
    except (LvmError, ArgError) as exc:
        return _fail(inv, exc, "lvcreate")
    for w in warn:
        inv.err(f"  {w}\n")
    inv.out("".join(f"  {line}\n" for line in out))
    return 0


def _lv_args(st: LvmState, args: list[str]) -> list[tuple[str, str]]:
    out = []
    for a in args:
        a = a.removeprefix("/dev/mapper/") if a.startswith("/dev/mapper/") else a
        a = a.removeprefix("/dev/")
        vg, sep, lv = a.partition("/")
        if not sep:
            # a whole VG: every LV in it
            out += [(vg, x.name) for x in st.vg(vg).visible_lvs()]
        else:
            out.append((vg, lv))
    return out


@command("lvremove")
async def lvremove(inv: Invocation) -> int:
    st = _state(inv)
    rc = 0
    try:
        sc = scan(inv.argv[1:], {"--config": "config"},
                  {"-f": "force", "--force": "force", "-y": "yes", "--yes": "yes",
                   "-q": "quiet", "-v": "verbose", "-A": "ab"})
        if not sc.args:
            raise LvmError("No logical volume specified.", code=EXIT_USAGE)
        if not (sc.has("force") or sc.has("yes")):
            pass  # non-interactive: real lvremove prompts; we accept like --yes
        targets = _lv_args(st, sc.args)
    except (LvmError, ArgError) as exc:
        return _fail(inv, exc, "lvremove")
    for vg_name, lv_name in targets:
        try:
            lv = st.lv(vg_name, lv_name)
            if st.vgs[vg_name].is_open(lv):
                raise LvmError(f"Logical volume {vg_name}/{lv_name} in use.")
            gone = st.remove(vg_name, lv_name)
            inv.out("".join(f'  Logical volume "{x.name}" successfully removed.\n' for x in gone))
        except LvmError as exc:
            rc = _fail(inv, exc, "lvremove")
    return rc


_RESIZE_VALUE = {"-L": "size", "--size": "size", "-l": "extents", "--extents": "extents",
                 "--config": "config"}
_RESIZE_FLAGS = {"-f": "force", "--force": "force", "-y": "yes", "--yes": "yes",
                 "-r": "resizefs", "--resizefs": "resizefs", "-n": "nofsck", "-q": "quiet",
                 "-v": "verbose", "-A": "ab"}


async def _resize(inv: Invocation, mode: str) -> int:
    prog = inv.argv[0].rsplit("/", 1)[-1]
    st = _state(inv)
    try:
        sc = scan(inv.argv[1:], _RESIZE_VALUE, _RESIZE_FLAGS)
        if len(sc.args) != 1 or "/" not in sc.args[0].removeprefix("/dev/"):
            raise LvmError("Please provide the logical volume name (VG/LV).", code=EXIT_USAGE)
        vg_name, _, lv_name = sc.args[0].removeprefix("/dev/").partition("/")
        vg = st.vg(vg_name)
        lv = vg.lvs.get(lv_name)
        if lv is None:
            raise LvmError(f"Logical volume {lv_name} not found in volume group {vg_name}.")
        size_txt, ext_txt = sc.last("size"), sc.last("extents")
        if size_txt is None and ext_txt is None:
            raise LvmError("Please specify either size or extents.", code=EXIT_USAGE)
        out: list[str] = []
        if ext_txt is not None:
            m = re.match(r"^([+-]?)(\d+)$", ext_txt)
            if not m:
                raise LvmError(f"Invalid argument for --extents: {ext_txt}", code=EXIT_USAGE)
            sign, want_ext = m.group(1), int(m.group(2))
        else:
            sign, nbytes = parse_size(size_txt or "")
            want_ext = vg.extents_for(nbytes)
            if want_ext * vg.extent_bytes != nbytes:
                out.append("Rounding size to boundary between physical extents: "
                           f"{human_size(want_ext * vg.extent_bytes)}.")
        new = lv.extents + want_ext if sign == "+" else lv.extents - want_ext if sign == "-" \
            else want_ext
        if mode == "extend" and new <= lv.extents:
            raise LvmError(f"New size given ({new} extents) not larger than existing size "
                           f"({lv.extents} extents)")
        if mode == "reduce" and new >= lv.extents:
            raise LvmError(f"New size given ({new} extents) not less than existing size "
                           f"({lv.extents} extents)")
        if new == lv.extents:
            raise LvmError(f"New size ({new} extents) matches existing size "
                           f"({lv.extents} extents).")
        if new <= 0:
            raise LvmError("Size would be zero or negative.", code=EXIT_USAGE)
        if new < lv.extents and not (sc.has("force") or sc.has("yes")):
            inv.out("".join(f"  {x}\n" for x in out))
            raise LvmError(f"Logical volume {vg_name}/{lv_name} NOT reduced.")
        old_ext = lv.extents
        st.resize(lv, new)
        out.append(
            f"Size of logical volume {vg_name}/{lv_name} changed from "
            f"{human_size(old_ext * vg.extent_bytes)} ({old_ext} extents) to "
            f"{human_size(new * vg.extent_bytes)} ({new} extents)."
        )
        out.append(f"Logical volume {vg_name}/{lv_name} successfully resized.")
    except (LvmError, ArgError) as exc:
        return _fail(inv, exc, prog)
    inv.out("".join(f"  {x}\n" for x in out))
    return 0


@command("lvresize")
async def lvresize(inv: Invocation) -> int:
    return await _resize(inv, "resize")


@command("lvextend")
async def lvextend(inv: Invocation) -> int:
    return await _resize(inv, "extend")


@command("lvreduce")
async def lvreduce(inv: Invocation) -> int:
    return await _resize(inv, "reduce")


@command("vgcreate")
async def vgcreate(inv: Invocation) -> int:
    """``vgcreate [-s SIZE] NAME PV``: a VG on a loop device (or another free device)."""
    st = _state(inv)
    try:
        sc = scan(inv.argv[1:], {"-s": "extent", "--physicalextentsize": "extent"},
                  {"-y": "yes", "--yes": "yes", "-f": "force", "-q": "quiet"})
        if len(sc.args) < 2:
            raise LvmError("Please provide volume group name and physical volumes",
                           code=EXIT_USAGE)
        name, pv = sc.args[0], sc.args[1]
        extent = parse_size(sc.last("extent") or "4m", "--physicalextentsize")[1]
        dev = inv.node.block_device(pv)
        if dev is None:
            raise LvmError(f"No device found for {pv}.")
        # the PV label and metadata area take the device's first MiB
        st.add_vg(name, dev.size_bytes - 1024 * 1024, extent, pv_name=pv)
    except (LvmError, ArgError) as exc:
        return _fail(inv, exc, "vgcreate")
    inv.out(f'  Physical volume "{pv}" successfully created.\n'
            f'  Volume group "{name}" successfully created\n')
    return 0


@command("vgremove")
async def vgremove(inv: Invocation) -> int:
    st = _state(inv)
    try:
        sc = scan(inv.argv[1:], {}, {"-f": "force", "-y": "yes", "--yes": "yes", "-q": "q"})
        for name in sc.args:
            vg = st.vg(name)
            for lv in list(vg.lvs.values()):
                if lv.name in vg.lvs:
                    for x in st.remove(name, lv.name):
                        inv.out(f'  Logical volume "{x.name}" successfully removed.\n')
            del st.vgs[name]
            inv.out(f'  Volume group "{name}" successfully removed\n')
    except (LvmError, ArgError) as exc:
        return _fail(inv, exc, "vgremove")
    return 0
