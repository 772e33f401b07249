"""What one node should run: the reconciler's input, independent of the controller model.

The controller maps its objects onto these plain records (one ``NodeDesired`` per node);
the reconciler never reads the model itself, so it can be tested, benchmarked and reused
(e.g. by adoption tools) without a database. ``validate`` checks every value that will
reach a node's command line or file system, so a bad record fails with a clear message
naming the field before anything is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from drbdeck.backend.resconfig import ResourceConfig
from drbdeck.backend.satellite.endpoint import validate_node_name

Provider = Literal["LVM", "LVM_THIN", "FILE", "FILE_THIN"]
Initial = Literal["force-primary", "clear-bitmap"]

PROVIDERS = ("LVM", "LVM_THIN", "FILE", "FILE_THIN")
INITIALS = ("force-primary", "clear-bitmap")

#: Resource names as LINSTOR allows them (linstor.md §2), also safe in paths and argv.
_RSC = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{1,47}$")
#: LVM's own rule for VG/LV names (no leading '-', limited alphabet).
_LVM = re.compile(r"^[A-Za-z0-9_+.][A-Za-z0-9_+.-]{0,126}$")
#: A FILE pool's directory: absolute, plain characters, no '..' component.
_DIR = re.compile(r"^/(?:[A-Za-z0-9_+.-]+/?)*$")


class DesiredError(ValueError):
    """A desired-state record that must not reach a node; names the field and the rule."""


@dataclass
class DesiredVolume:
    """One volume of a resource on this node."""

    number: int
    minor: int
    diskless: bool = False
    provider: Provider = "LVM"
    vg: str = ""
    thin_pool: str | None = None
    lv_name: str = ""  # default f"{rsc}_{number:05d}" (OverrideVlmId may name another)
    gross_kib: int = 0  # backing LV size incl. internal metadata (before extent rounding)
    allow_larger: bool = False  # AllowLargerVolumeSize: accept a bigger existing LV
    #: FILE/FILE_THIN: the pool's directory; the backing file is ``<lv_name>.img`` in it,
    #: attached to a loop device (as LINSTOR's file providers do)
    directory: str = ""
    #: the block device the node uses, when it is only known on the node (a loop device)
    device: str = ""

    @property
    def is_file(self) -> bool:
        return self.provider in ("FILE", "FILE_THIN")

    @property
    def file_path(self) -> str:
        return f"{self.directory.rstrip('/')}/{self.lv_name}.img"

    @property
    def lv_path(self) -> str:
        """The backing block device: the LV, or the loop device of a backing file."""
        if self.device:
            return self.device
        return self.file_path if self.is_file else f"/dev/{self.vg}/{self.lv_name}"


@dataclass
class DesiredResource:
    """One resource on this node. ``config`` is the whole multi-host configuration."""

    name: str
    config: ResourceConfig
    volumes: list[DesiredVolume] = field(default_factory=list)
    max_peers: int = 7
    initial: Initial | None = None  # set on the one node that makes the initial decision
    deleting: bool = False
    #: volumes leaving the resource (``vd d``): taken out of DRBD by the adjust, then
    #: their backing storage is removed (only diskful ones need listing)
    drop_volumes: list[DesiredVolume] = field(default_factory=list)

    def __post_init__(self) -> None:
        for v in [*self.volumes, *self.drop_volumes]:
            if not v.lv_name:
                v.lv_name = f"{self.name}_{v.number:05d}"


@dataclass
class NodeDesired:
    """Everything one node should run; resources not listed here are not ours to keep."""

    node: str
    resources: dict[str, DesiredResource] = field(default_factory=dict)


def _check_volume(rsc: str, v: DesiredVolume) -> None:
    where = f"resource {rsc!r} volume {v.number}"
    if not isinstance(v.number, int) or not 0 <= v.number <= 31999:
        raise DesiredError(f"{where}: number must be an integer 0..31999")
    if not isinstance(v.minor, int) or not 0 <= v.minor <= 1048575:
        raise DesiredError(f"{where}: minor {v.minor!r} must be an integer 0..1048575")
    if v.diskless:
        return
    if v.provider not in PROVIDERS:
        raise DesiredError(f"{where}: provider {v.provider!r} must be one of {PROVIDERS}")
    if v.is_file:
        if not _DIR.match(v.directory) or ".." in v.directory.split("/"):
            raise DesiredError(f"{where}: directory {v.directory!r} must be an absolute path "
                               "of letters, digits, _ + . - without '..'")
        if not _LVM.match(v.lv_name):
            raise DesiredError(f"{where}: lv_name {v.lv_name!r} is not a valid file name")
        if not isinstance(v.gross_kib, int) or v.gross_kib <= 0:
            raise DesiredError(f"{where}: gross_kib {v.gross_kib!r} must be a positive integer")
        return
    for fld in ("vg", "lv_name"):
        val = getattr(v, fld)
        if not isinstance(val, str) or not _LVM.match(val):
            raise DesiredError(f"{where}: {fld} {val!r} is not a valid LVM name")
    if v.provider == "LVM_THIN" and (v.thin_pool is None or not _LVM.match(v.thin_pool)):
        raise DesiredError(f"{where}: thin_pool {v.thin_pool!r} is required for LVM_THIN and "
                           "must be a valid LVM name")
    if not isinstance(v.gross_kib, int) or v.gross_kib <= 0:
        raise DesiredError(f"{where}: gross_kib {v.gross_kib!r} must be a positive integer")


def validate(desired: NodeDesired) -> None:
    """Raise ``DesiredError`` for the first value that is unsafe or inconsistent."""
    try:
        validate_node_name(desired.node)
    except ValueError as exc:
        raise DesiredError(f"node: {exc}") from None
    for key, r in desired.resources.items():
        if not isinstance(r.name, str) or not _RSC.match(r.name):
            raise DesiredError(f"resource {r.name!r}: name must be 2-48 characters of "
                               "letters, digits, _ and -, starting with a letter or _")
        if key != r.name:
            raise DesiredError(f"resource {r.name!r}: listed under the key {key!r}")
        if r.config.name != r.name:
            raise DesiredError(f"resource {r.name!r}: config.name is {r.config.name!r}")
        if not r.deleting and desired.node not in r.config.hosts:
            raise DesiredError(f"resource {r.name!r}: config has no 'on' section for node "
                               f"{desired.node!r}")
        if not isinstance(r.max_peers, int) or not 1 <= r.max_peers <= 31:
            raise DesiredError(f"resource {r.name!r}: max_peers {r.max_peers!r} must be 1..31")
        if r.initial is not None and r.initial not in INITIALS:
            raise DesiredError(f"resource {r.name!r}: initial {r.initial!r} must be one of "
                               f"{INITIALS} or None")
        seen: set[int] = set()
        for v in [*r.volumes, *r.drop_volumes]:
            _check_volume(r.name, v)
            if v.number in seen:
                raise DesiredError(f"resource {r.name!r}: volume {v.number} listed twice")
            seen.add(v.number)


__all__ = [
    "DesiredError",
    "DesiredResource",
    "DesiredVolume",
    "Initial",
    "NodeDesired",
    "Provider",
    "validate",
]
