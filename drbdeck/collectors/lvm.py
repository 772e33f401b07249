"""`vgs`/`lvs` command lines and parsers for their JSON reports.

Why JSON with ``--units k --nosuffix``: the report is then machine-readable with sizes as
plain KiB numbers (``"102400.00"``), independent of the node's locale and LVM's column
layout. The shape is ``{"report": [{"vg": [{...}, ...]}]}`` (``"lv"`` for lvs); every value
is a string, and fields that do not apply (``data_percent`` of a thick LV) are ``""``.

DRBD sizes are aligned to the VG extent size (linstor.md: the satellite reports
``vg_extent_size`` as the allocation granularity), so :class:`VgInfo` carries it. Thin-pool
free space is derived from ``data_percent``, the only usage figure LVM reports for pools.

Anything unexpected raises :class:`LvmReportError` naming the report, row and field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "LVS_FIELDS",
    "VGS_FIELDS",
    "LvInfo",
    "LvmReportError",
    "VgInfo",
    "find_lv",
    "lvs_argv",
    "parse_lvs",
    "parse_vgs",
    "vgs_argv",
]

#: Columns requested from ``vgs`` (the emulator must support exactly these).
VGS_FIELDS = (
    "vg_name",
    "vg_size",
    "vg_free",
    "vg_extent_size",
    "vg_extent_count",
    "vg_free_count",
    "lv_count",
)
#: Columns requested from ``lvs``.
LVS_FIELDS = (
    "vg_name",
    "lv_name",
    "lv_size",
    "lv_attr",
    "pool_lv",
    "data_percent",
    "metadata_percent",
)

_COMMON = ("--reportformat", "json", "--units", "k", "--nosuffix")


class LvmReportError(ValueError):
    """The output of vgs/lvs is not the JSON report we asked for."""


@dataclass(frozen=True, slots=True)
class VgInfo:
    """One volume group; sizes in KiB."""

    name: str
    size_kib: int
    free_kib: int
    extent_size_kib: int
    extent_count: int
    free_extents: int
    lv_count: int

    @property
    def used_kib(self) -> int:
        return self.size_kib - self.free_kib

    def round_up_to_extent(self, kib: int) -> int:
        """Smallest multiple of the extent size that holds ``kib`` KiB (what lvcreate does)."""
        ext = self.extent_size_kib
        return -(-kib // ext) * ext


@dataclass(frozen=True, slots=True)
class LvInfo:
    """One logical volume; sizes in KiB, percentages as LVM prints them (None if blank)."""

    vg: str
    name: str
    size_kib: int
    attr: str
    pool_lv: str
    data_percent: float | None
    metadata_percent: float | None

    @property
    def path(self) -> str:
        return f"/dev/{self.vg}/{self.name}"

    @property
    def volume_type(self) -> str:
        """First ``lv_attr`` character: ``t`` thin pool, ``V`` thin volume, ``-`` plain…"""
        return self.attr[:1]

    @property
    def is_thin_pool(self) -> bool:
        return self.volume_type == "t"

    @property
    def is_thin_volume(self) -> bool:
        return self.volume_type == "V"

    @property
    def is_active(self) -> bool:
        """Fifth ``lv_attr`` character is ``a`` for an active LV."""
        return self.attr[4:5] == "a"

    @property
    def pool_used_kib(self) -> int | None:
        """Data space used in a thin pool, from ``data_percent``; None for other LVs."""
        if not self.is_thin_pool or self.data_percent is None:
            return None
        return round(self.size_kib * self.data_percent / 100.0)

    @property
    def pool_free_kib(self) -> int | None:
        """Data space still free in a thin pool; None for other LVs."""
        used = self.pool_used_kib
        return None if used is None else max(0, self.size_kib - used)


def vgs_argv(vg_names: tuple[str, ...] | list[str] = ()) -> list[str]:
    """``vgs`` command line for all VGs or only the named ones."""
    return ["vgs", *_COMMON, "-o", ",".join(VGS_FIELDS), *vg_names]


def lvs_argv(targets: tuple[str, ...] | list[str] = ()) -> list[str]:
    """``lvs`` command line; targets are VG names or ``vg/lv`` paths (all LVs if empty)."""
    return ["lvs", *_COMMON, "-o", ",".join(LVS_FIELDS), *targets]


def _rows(text: str, kind: str) -> list[dict[str, Any]]:
    cmd = "vgs" if kind == "vg" else "lvs"
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise LvmReportError(f"{cmd} output is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("report"), list):
        raise LvmReportError(f'{cmd} output has no "report" list')
    rows: list[dict[str, Any]] = []
    for i, part in enumerate(doc["report"]):
        if not isinstance(part, dict):
            raise LvmReportError(f"{cmd} report[{i}] is not an object")
        block = part.get(kind)
        if block is None:
            continue  # e.g. a report section of another kind (pvs with --reportformat)
        if not isinstance(block, list):
            raise LvmReportError(f'{cmd} report[{i}]["{kind}"] is not a list')
        for j, row in enumerate(block):
            if not isinstance(row, dict):
                raise LvmReportError(f"{cmd} {kind} row {j} is not an object")
            rows.append(row)
    return rows


def _field(row: dict[str, Any], key: str, cmd: str, idx: int) -> str:
    try:
        value = row[key]
    except KeyError:
        raise LvmReportError(f"{cmd} row {idx}: missing field {key!r}") from None
    if not isinstance(value, str):
        raise LvmReportError(f"{cmd} row {idx}: field {key!r} must be a string, got {value!r}")
    return value


def _kib(row: dict[str, Any], key: str, cmd: str, idx: int) -> int:
    """A KiB figure; LVM may prefix rounded values with ``<``/``>``. Floors fractions."""
    value = _field(row, key, cmd, idx).lstrip("<>")
    try:
        f = float(value)
    except ValueError:
        raise LvmReportError(
            f"{cmd} row {idx}: field {key!r} must be a size in KiB, got {value!r}"
        ) from None
    if f < 0 or f != f:
        raise LvmReportError(f"{cmd} row {idx}: field {key!r} must be >= 0, got {value!r}")
    return int(f)


def _count(row: dict[str, Any], key: str, cmd: str, idx: int) -> int:
    value = _field(row, key, cmd, idx)
    if not value.isdigit():
        raise LvmReportError(f"{cmd} row {idx}: field {key!r} must be a count, got {value!r}")
    return int(value)


def _percent(row: dict[str, Any], key: str, cmd: str, idx: int) -> float | None:
    value = _field(row, key, cmd, idx)
    if value == "":
        return None  # not applicable (thick LV) or not active
    try:
        f = float(value)
    except ValueError:
        raise LvmReportError(
            f"{cmd} row {idx}: field {key!r} must be a percentage, got {value!r}"
        ) from None
    if not 0.0 <= f <= 100.0:
        raise LvmReportError(f"{cmd} row {idx}: field {key!r} must be 0..100, got {value!r}")
    return f


def parse_vgs(text: str) -> list[VgInfo]:
    """Parse the output of :func:`vgs_argv`."""
    out: list[VgInfo] = []
    for i, row in enumerate(_rows(text, "vg")):
        name = _field(row, "vg_name", "vgs", i)
        if not name:
            raise LvmReportError(f"vgs row {i}: field 'vg_name' is empty")
        ext = _kib(row, "vg_extent_size", "vgs", i)
        if ext <= 0:
            raise LvmReportError(f"vgs row {i}: field 'vg_extent_size' must be > 0")
        out.append(
            VgInfo(
                name=name,
                size_kib=_kib(row, "vg_size", "vgs", i),
                free_kib=_kib(row, "vg_free", "vgs", i),
                extent_size_kib=ext,
                extent_count=_count(row, "vg_extent_count", "vgs", i),
                free_extents=_count(row, "vg_free_count", "vgs", i),
                lv_count=_count(row, "lv_count", "vgs", i),
            )
        )
    return out


def parse_lvs(text: str) -> list[LvInfo]:
    """Parse the output of :func:`lvs_argv`."""
    out: list[LvInfo] = []
    for i, row in enumerate(_rows(text, "lv")):
        name = _field(row, "lv_name", "lvs", i)
        vg = _field(row, "vg_name", "lvs", i)
        if not name or not vg:
            raise LvmReportError(f"lvs row {i}: fields 'vg_name' and 'lv_name' must be set")
        attr = _field(row, "lv_attr", "lvs", i)
        if not attr:
            raise LvmReportError(f"lvs row {i}: field 'lv_attr' is empty")
        out.append(
            LvInfo(
                vg=vg,
                name=name,
                size_kib=_kib(row, "lv_size", "lvs", i),
                attr=attr,
                pool_lv=_field(row, "pool_lv", "lvs", i),
                data_percent=_percent(row, "data_percent", "lvs", i),
                metadata_percent=_percent(row, "metadata_percent", "lvs", i),
            )
        )
    return out


def find_lv(lvs: list[LvInfo], vg: str, name: str) -> LvInfo | None:
    """The LV ``vg/name`` from a parsed list, or None."""
    for lv in lvs:
        if lv.vg == vg and lv.name == name:
            return lv
    return None
