"""Property whitelist per object kind (linstor.md §1, issue 3 "Properties").

Why: LINSTOR refuses keys it does not know (FAIL_INVLD_PROP), and so do we: a typo in
``DrbdOptions/Net/protocoll`` must fail at ``sp`` time, not when drbdadm reads the .res.
DrbdOptions values are checked with the .res option table (resfile_options) so an option
we accept renders into a file drbdadm accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from drbdeck.backend import resfile_options
from drbdeck.backend.controller import apicall as rc


class Kind(StrEnum):
    CONTROLLER = "controller"
    NODE = "node"
    STOR_POOL = "storage pool"
    RSC_DFN = "resource definition"
    VLM_DFN = "volume definition"
    RESOURCE = "resource"
    RSC_GRP = "resource group"


def _int_range(lo: int, hi: int) -> Callable[[str], str | None]:
    def check(v: str) -> str | None:
        if not re.fullmatch(r"\d+", v) or not lo <= int(v) <= hi:
            return f"must be an integer from {lo} to {hi}"
        return None
    return check


def _range_pair(lo: int, hi: int) -> Callable[[str], str | None]:
    def check(v: str) -> str | None:
        m = re.fullmatch(r"(\d+)\s*-\s*(\d+)", v)
        if m is None:
            return f"must be 'a-b' with {lo} <= a <= b <= {hi}"
        a, b = int(m.group(1)), int(m.group(2))
        if not lo <= a <= b <= hi:
            return f"must be 'a-b' with {lo} <= a <= b <= {hi}"
        return None
    return check


def _bool(v: str) -> str | None:
    return None if v.lower() in ("true", "false") else "must be 'true' or 'false'"


def _nonempty(v: str) -> str | None:
    return None if v and "\n" not in v and "\0" not in v else \
        "must be a non-empty single-line string"


_ALL = frozenset(Kind)
#: key -> (kinds allowed, value check)
WHITELIST: dict[str, tuple[frozenset[Kind], Callable[[str], str | None]]] = {
    "PeerSlotsNewResource": (frozenset({Kind.CONTROLLER, Kind.RSC_DFN, Kind.RSC_GRP}),
                             _int_range(1, 31)),
    "OverrideVlmId": (frozenset({Kind.VLM_DFN}), _nonempty),
    "AllowLargerVolumeSize": (frozenset({Kind.VLM_DFN}), _bool),
    "StorPoolName": (frozenset({Kind.NODE, Kind.RSC_DFN, Kind.VLM_DFN, Kind.RESOURCE,
                                Kind.RSC_GRP, Kind.CONTROLLER}), _nonempty),
    "StorDriver/StorPoolName": (frozenset({Kind.STOR_POOL}), _nonempty),
    "TcpPortAutoRange": (frozenset({Kind.CONTROLLER, Kind.NODE}), _range_pair(1, 65535)),
    "MinorNrAutoRange": (frozenset({Kind.CONTROLLER}), _range_pair(0, (1 << 20) - 1)),
}
#: DrbdOptions/<Section> -> .res section; these live on every level that can hold options
DRBD_SECTIONS = {"Net": "net", "Disk": "disk", "Resource": "options", "Handlers": "handlers"}
_DRBD_KINDS = frozenset({Kind.CONTROLLER, Kind.NODE, Kind.RSC_DFN, Kind.VLM_DFN,
                         Kind.RESOURCE, Kind.RSC_GRP, Kind.STOR_POOL})
_AUX_VALUE = re.compile(r"^[^\n\0]*$")


def _refuse(key: str, kind: Kind, why: str) -> rc.ApiError:
    return rc.error(rc.FAIL_INVLD_PROP,
                    f"Invalid property key '{key}' for {kind.value}: {why}.",
                    correction="Known keys: " + ", ".join(sorted(WHITELIST))
                    + ", Aux/*, DrbdOptions/{Net,Disk,Resource,Handlers}/<option>.")


def check(kind: Kind, key: str, value: str) -> None:
    """Raise ApiError(FAIL_INVLD_PROP) unless ``key=value`` may be set on ``kind``."""
    if not isinstance(key, str) or not isinstance(value, str):
        raise rc.error(rc.FAIL_INVLD_PROP, "Property key and value must be strings.")
    if key.startswith("Aux/"):
        if len(key) <= 4 or not re.fullmatch(r"Aux/[A-Za-z0-9_./-]+", key):
            raise _refuse(key, kind, "Aux keys are 'Aux/<name>' with letters, digits, "
                                     "'_', '-', '.', '/'")
        if not _AUX_VALUE.match(value):
            raise rc.error(rc.FAIL_INVLD_PROP,
                           f"Invalid value for property '{key}': no newlines or NUL.")
        return
    if key.startswith("DrbdOptions/"):
        _check_drbd(kind, key, value)
        return
    entry = WHITELIST.get(key)
    if entry is None:
        raise _refuse(key, kind, "not whitelisted")
    kinds, checker = entry
    if kind not in kinds:
        raise _refuse(key, kind, "not allowed on this object (allowed on "
                      + ", ".join(sorted(k.value for k in kinds)) + ")")
    why = checker(value)
    if why:
        raise rc.error(rc.FAIL_INVLD_PROP,
                       f"Invalid value '{value}' for property '{key}' on {kind.value}: {why}.")


def _check_drbd(kind: Kind, key: str, value: str) -> None:
    parts = key.split("/")
    if len(parts) != 3 or parts[1] not in DRBD_SECTIONS:
        raise _refuse(key, kind, "DRBD options are DrbdOptions/<Net|Disk|Resource|Handlers>/"
                                 "<option>")
    if kind not in _DRBD_KINDS:
        raise _refuse(key, kind, "DRBD options are not allowed on this object")
    section = DRBD_SECTIONS[parts[1]]
    option = parts[2]
    if option not in resfile_options.SECTIONS[section]:
        raise _refuse(key, kind, f"'{option}' is not a drbd.conf {section} option")
    spec = resfile_options.SECTIONS[section][option]
    if spec.kind == "flag":
        raise _refuse(key, kind, f"'{option}' takes no value")
    why = resfile_options.check_value(section, option, value)
    if why:
        raise rc.error(rc.FAIL_INVLD_PROP,
                       f"Invalid value '{value}' for property '{key}': "
                       + why.replace("\n", " "))


def check_all(kind: Kind, props: dict[str, str]) -> None:
    for k, v in props.items():
        check(kind, k, v)


def parse_range(value: str) -> tuple[int, int]:
    """``"7000-7999"`` → (7000, 7999); assumes :func:`check` accepted it."""
    a, b = value.split("-")
    return int(a), int(b)
