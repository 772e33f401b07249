"""``vgs``/``lvs``/``pvs`` reports in LVM's own formats (JSON and columns).

The JSON layout (two-space indented, one object per line, every value a string) and the
default columns were taken from lvm2 2.03 on Debian, so the controller's parsers are
exercised against the real shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from drbdeck.emulator.lvm import LogicalVolume, LvmError, VolumeGroup

DEFAULT_FIELDS = {
    "vg": "vg_name,pv_count,lv_count,snap_count,vg_attr,vg_size,vg_free",
    "lv": "lv_name,vg_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,"
    "move_pv,mirror_log,copy_percent,convert_lv",
    "pv": "pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free",
}

HEADINGS = {
    "vg_name": "VG", "pv_count": "#PV", "lv_count": "#LV", "snap_count": "#SN",
    "vg_attr": "Attr", "vg_size": "VSize", "vg_free": "VFree", "vg_extent_size": "Ext",
    "vg_extent_count": "#Ext", "vg_free_count": "Free", "lv_name": "LV", "lv_attr": "Attr",
    "lv_size": "LSize", "pool_lv": "Pool", "origin": "Origin", "data_percent": "Data%",
    "metadata_percent": "Meta%", "move_pv": "Move", "mirror_log": "Log",
    "copy_percent": "Cpy%Sync", "convert_lv": "Convert", "lv_path": "Path",
    "lv_dm_path": "DMPath", "segtype": "Type", "pv_name": "PV", "pv_fmt": "Fmt",
    "pv_attr": "Attr", "pv_size": "PSize", "pv_free": "PFree", "lv_full_name": "LV",
    "vg_uuid": "VG UUID", "lv_uuid": "LV UUID", "lv_active": "Active", "thin_count": "#Thins",
    "lv_metadata_size": "MSize", "lv_kernel_major": "KMaj", "lv_kernel_minor": "KMin",
    "pv_used": "Used", "dev_size": "DevSize",
}

SIZE_FIELDS = {"vg_size", "vg_free", "vg_extent_size", "lv_size", "pv_size", "pv_free",
               "pv_used", "dev_size", "lv_metadata_size"}
NUMERIC_FIELDS = SIZE_FIELDS | {"pv_count", "lv_count", "snap_count", "vg_extent_count",
                                "vg_free_count", "data_percent", "metadata_percent",
                                "copy_percent", "thin_count", "lv_kernel_major",
                                "lv_kernel_minor"}


@dataclass
class Units:
    """``--units`` and ``--nosuffix``: lower-case letters are binary, upper-case decimal."""

    unit: str = "h"
    suffix: bool = True

    def fmt(self, nbytes: int) -> str:
        u = self.unit
        if u in ("h", "H"):
            return human_size(nbytes, compact=True)
        if u in ("b", "B"):
            return f"{nbytes}" + ("B" if self.suffix else "")
        if u in ("s", "S"):
            return f"{nbytes // 512}" + ("S" if self.suffix else "")
        powers = "kmgtpe"
        base = 1024 if u.islower() else 1000
        value = nbytes / base ** (powers.index(u.lower()) + 1)
        return f"{value:.2f}" + (u if self.suffix else "")


def human_size(nbytes: int, compact: bool = False) -> str:
    """LVM's display size: two decimals, ``<`` when rounded down (``<15.88 TiB``)."""
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    value = float(nbytes)
    i = 0
    while value >= 1024 and i < len(units) - 1:
        value /= 1024
        i += 1
    shown = round(value, 2)
    prefix = "<" if shown > value + 1e-9 else ""
    if compact:
        return f"{prefix}{shown:.2f}{units[i][0].lower()}" if i else f"{prefix}{shown:.2f}b"
    return f"{prefix}{shown:.2f} {units[i]}"


def _pct(v: float | None) -> str:
    return "" if v is None else f"{v:.2f}"


def _vg_fields(vg: VolumeGroup, u: Units) -> dict[str, Callable[[], str]]:
    return {
        "vg_name": lambda: vg.name,
        "vg_attr": lambda: "wz--n-",
        "vg_size": lambda: u.fmt(vg.size_bytes),
        "vg_free": lambda: u.fmt(vg.free_extents() * vg.extent_bytes),
        "vg_extent_size": lambda: u.fmt(vg.extent_bytes),
        "vg_extent_count": lambda: str(vg.extent_count),
        "vg_free_count": lambda: str(vg.free_extents()),
        "pv_count": lambda: "1",
        "lv_count": lambda: str(len(vg.lvs)),
        "snap_count": lambda: "0",
        "vg_uuid": lambda: _uuid(vg.name),
        "vg_fmt": lambda: "lvm2",
    }


def _lv_fields(lv: LogicalVolume, u: Units) -> dict[str, Callable[[], str]]:
    vg = lv.vg
    f = {
        "lv_name": lambda: lv.name,
        "lv_full_name": lambda: f"{vg.name}/{lv.name}",
        "lv_attr": lv.attr,
        "lv_size": lambda: u.fmt(lv.size_bytes),
        "pool_lv": lambda: lv.pool,
        "origin": lambda: "",
        "data_percent": lambda: _pct(lv.data_percent()),
        "metadata_percent": lambda: _pct(lv.metadata_percent()),
        "move_pv": lambda: "",
        "mirror_log": lambda: "",
        "copy_percent": lambda: "",
        "convert_lv": lambda: "",
        "lv_path": lambda: "" if lv.is_pool else lv.path,
        "lv_dm_path": lambda: lv.dm_path,
        "segtype": lambda: lv.segtype,
        "lv_uuid": lambda: _uuid(f"{vg.name}/{lv.name}"),
        "lv_active": lambda: "active",
        "thin_count": lambda: str(len(lv.thin_lvs())) if lv.is_pool else "",
        "lv_metadata_size": lambda: u.fmt(lv.meta_extents * vg.extent_bytes)
        if lv.is_pool else "",
        "lv_kernel_major": lambda: "253",
        "lv_kernel_minor": lambda: str(list(vg.lvs).index(lv.name)),
    }
    f.update({k: v for k, v in _vg_fields(vg, u).items() if k not in f})
    return f


def _pv_fields(vg: VolumeGroup, u: Units) -> dict[str, Callable[[], str]]:
    f = {
        "pv_name": lambda: vg.pv_name,
        "pv_fmt": lambda: "lvm2",
        "pv_attr": lambda: "a--",
        "pv_size": lambda: u.fmt(vg.size_bytes),
        "pv_free": lambda: u.fmt(vg.free_extents() * vg.extent_bytes),
        "pv_used": lambda: u.fmt(vg.used_extents() * vg.extent_bytes),
        "dev_size": lambda: u.fmt(vg.size_bytes + 1024 * 1024),
    }
    f.update({k: v for k, v in _vg_fields(vg, u).items() if k not in f})
    return f


def _uuid(seed: str) -> str:
    import hashlib

    h = hashlib.sha256(seed.encode()).hexdigest()
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    s = "".join(alphabet[int(h[i : i + 2], 16) % 62] for i in range(0, 64, 2))[:32]
    return "-".join([s[0:6], s[6:10], s[10:14], s[14:18], s[18:22], s[22:26], s[26:32]])


ROW_BUILDERS = {"vg": _vg_fields, "lv": _lv_fields, "pv": _pv_fields}


def resolve_fields(kind: str, spec: str | None, sample: dict[str, Callable[[], str]]) -> list[str]:
    """``-o a,b`` / ``-o +c``; short names (``name``, ``size``) get the report's prefix."""
    base = DEFAULT_FIELDS[kind].split(",")
    if not spec:
        return base
    out: list[str] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if part.startswith("+"):
            out = (out or base) + []
            part = part[1:]
        name = part if part in sample else f"{kind}_{part}"
        if name not in sample:
            raise LvmError(f"Unrecognised field: {part}", code=5)
        out.append(name)
    return out


def parse_select(expr: str) -> list[tuple[str, str]]:
    """``-S 'vg_name=vg0 && lv_name=x'``: only equality conjunctions are modelled."""
    terms = []
    for term in expr.replace("&&", "&").split("&"):
        term = term.strip()
        if not term:
            continue
        if "=" not in term:
            raise LvmError(f"Selection syntax error at '{term}'.", code=5)
        k, v = term.replace("==", "=").split("=", 1)
        terms.append((k.strip(), v.strip().strip("\"'")))
    return terms


def _json_value(field: str, value: str, std: bool) -> str:
    """``json`` quotes everything; ``json_std`` writes numbers as numbers, blanks as null."""
    if std and field in NUMERIC_FIELDS:
        try:
            float(value)
        except ValueError:
            return "null"
        return value
    return json.dumps(value)


def render(kind: str, rows: list[dict[str, str]], fields: list[str], *, json_out: bool,
           headings: bool, separator: str | None, std: bool = False) -> str:
    """The report text: LVM's JSON, or aligned columns / separator-joined values."""
    if json_out:
        lines = ["  {", '      "report": [', "          {", f'              "{kind}": [']
        body = []
        for row in rows:
            items = ", ".join(f"{json.dumps(f)}:{_json_value(f, row[f], std)}" for f in fields)
            body.append("                  {" + items + "}")
        if body:
            lines.append(",\n".join(body))
        lines += ["              ]", "          }", "      ]", "  }"]
        return "\n".join(lines) + "\n"
    if separator is not None:
        out = [separator.join(HEADINGS.get(f, f) for f in fields)] if headings else []
        out += [separator.join(row[f] for f in fields) for row in rows]
        return "".join(f"  {line}\n" for line in out)
    widths = [max([len(HEADINGS.get(f, f)) if headings else 0] + [len(r[f]) for r in rows])
              for f in fields]

    def line(vals: list[str]) -> str:
        cells = []
        for f, w, v in zip(fields, widths, vals, strict=True):
            cells.append(v.rjust(w) if f in NUMERIC_FIELDS else v.ljust(w))
        return "  " + " ".join(cells)

    out = [line([HEADINGS.get(f, f) for f in fields])] if headings and rows else []
    out += [line([r[f] for f in fields]) for r in rows]
    return "".join(f"{x}\n" for x in out)
