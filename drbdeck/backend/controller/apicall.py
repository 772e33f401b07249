"""LINSTOR's ApiCallRc: the answer list of every mutating call.

Why: python-linstor and the ``linstor`` CLI decide success, exit codes and printed text
from ``ret_code`` bit masks (linstor.md §7), so we build them exactly as LINSTOR does:
severity | operation | object | code, serialised as a *signed* 64-bit integer.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# severity masks (unsigned 64-bit patterns)
MASK_ERROR = 0xC000000000000000
MASK_WARN = 0x8000000000000000
MASK_INFO = 0x4000000000000000
MASK_SEVERITY = 0xC000000000000000
# operation masks
MASK_CRT = 0x1000000
MASK_MOD = 0x2000000
MASK_DEL = 0x3000000
MASK_OP = 0x3000000
# object masks
MASK_NODE = 0x3C0000
MASK_RSC_DFN = 0x380000
MASK_RSC = 0x340000
MASK_VLM_DFN = 0x300000
MASK_VLM = 0x2C0000
MASK_STOR_POOL = 0x140000
MASK_STOR_POOL_DFN = 0x180000
MASK_CTRL_CONF = 0x100000
MASK_RSC_GRP = 0x440000
MASK_OBJ = 0x7C0000
MASK_BITS_CODE = 0x7FFF

# success codes
CREATED = 1
DELETED = 2
MODIFIED = 3

# failures (values from linstor-common consts.json)
FAIL_INVLD_NODE_NAME = 200 | MASK_ERROR
FAIL_INVLD_NODE_TYPE = 201 | MASK_ERROR
FAIL_INVLD_RSC_NAME = 202 | MASK_ERROR
FAIL_INVLD_RSC_PORT = 203 | MASK_ERROR
FAIL_INVLD_NODE_ID = 204 | MASK_ERROR
FAIL_INVLD_VLM_NR = 205 | MASK_ERROR
FAIL_INVLD_VLM_SIZE = 206 | MASK_ERROR
FAIL_INVLD_MINOR_NR = 207 | MASK_ERROR
FAIL_INVLD_STOR_POOL_NAME = 208 | MASK_ERROR
FAIL_INVLD_NET_NAME = 209 | MASK_ERROR
FAIL_INVLD_NET_ADDR = 210 | MASK_ERROR
FAIL_INVLD_NET_PORT = 211 | MASK_ERROR
FAIL_INVLD_PROP = 213 | MASK_ERROR
FAIL_INVLD_TCP_PORT = 215 | MASK_ERROR
FAIL_INVLD_PLACE_COUNT = 219 | MASK_ERROR
FAIL_INVLD_STOR_DRIVER = 221 | MASK_ERROR
FAIL_INVLD_LAYER_STACK = 225 | MASK_ERROR
FAIL_INVLD_PROVIDER = 227 | MASK_ERROR
FAIL_INVLD_CONF = 230 | MASK_ERROR
FAIL_INVLD_RSC_GRP_NAME = 234 | MASK_ERROR
FAIL_NOT_FOUND_NODE = 300 | MASK_ERROR
FAIL_NOT_FOUND_RSC_DFN = 301 | MASK_ERROR
FAIL_NOT_FOUND_RSC = 302 | MASK_ERROR
FAIL_NOT_FOUND_VLM_DFN = 303 | MASK_ERROR
FAIL_NOT_FOUND_VLM = 304 | MASK_ERROR
FAIL_NOT_FOUND_STOR_POOL_DFN = 309 | MASK_ERROR
FAIL_NOT_FOUND_STOR_POOL = 310 | MASK_ERROR
FAIL_NOT_FOUND_DFLT_STOR_POOL = 311 | MASK_ERROR
FAIL_NOT_FOUND_RSC_GRP = 317 | MASK_ERROR
FAIL_EXISTS_NODE = 500 | MASK_ERROR
FAIL_EXISTS_RSC_DFN = 501 | MASK_ERROR
FAIL_EXISTS_RSC = 502 | MASK_ERROR
FAIL_EXISTS_VLM_DFN = 503 | MASK_ERROR
FAIL_EXISTS_STOR_POOL_DFN = 509 | MASK_ERROR
FAIL_EXISTS_STOR_POOL = 510 | MASK_ERROR
FAIL_EXISTS_RSC_GRP = 522 | MASK_ERROR
FAIL_MISSING_PROPS = 600 | MASK_ERROR
FAIL_POOL_EXHAUSTED_VLM_NR = 800 | MASK_ERROR
FAIL_POOL_EXHAUSTED_MINOR_NR = 801 | MASK_ERROR
FAIL_POOL_EXHAUSTED_TCP_PORT = 802 | MASK_ERROR
FAIL_POOL_EXHAUSTED_NODE_ID = 803 | MASK_ERROR
FAIL_NOT_ENOUGH_FREE_SPACE = 980 | MASK_ERROR
FAIL_INSUFFICIENT_PEER_SLOTS = 993 | MASK_ERROR
FAIL_NOT_CONNECTED = 995 | MASK_ERROR
FAIL_NOT_ENOUGH_NODES = 996 | MASK_ERROR
FAIL_IN_USE = 997 | MASK_ERROR
FAIL_UNKNOWN_ERROR = 998 | MASK_ERROR
FAIL_IMPL_ERROR = 999 | MASK_ERROR
# warnings
WARN_NOT_CONNECTED = 1002 | MASK_WARN
WARN_DEL_UNSET_PROP = 1005 | MASK_WARN
WARN_RSC_ALREADY_DEPLOYED = 1006 | MASK_WARN
WARN_ALL_DISKLESS = 1009 | MASK_WARN
WARN_STORAGE_KIND_ADDED = 1012 | MASK_WARN
WARN_NOT_FOUND = 3000 | MASK_WARN
# info
INFO_NO_RSC_SPAWNED = 10000 | MASK_INFO
INFO_TIE_BREAKER_CREATED = 10003 | MASK_INFO
# special
API_CALL_PARSE_ERROR = 0x0FFFFFFFFFFFFFFD | MASK_ERROR
FAIL_SIGN_IN = 10000 | MASK_ERROR
FAIL_SIGN_IN_MISSING_CREDENTIALS = 10001 | MASK_ERROR

_U64 = 1 << 64


def to_signed(code: int) -> int:
    """The unsigned 64-bit pattern as Java's signed long (what the JSON carries)."""
    code &= _U64 - 1
    return code - _U64 if code >= 1 << 63 else code


def to_unsigned(code: int) -> int:
    """Inverse of :func:`to_signed`."""
    return code & (_U64 - 1)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")


@dataclass
class ApiCallRc:
    """One entry of an answer list. ``ret_code`` is kept unsigned internally."""

    ret_code: int
    message: str
    cause: str | None = None
    details: str | None = None
    correction: str | None = None
    obj_refs: dict[str, str] = field(default_factory=dict)
    created_at: str = field(default_factory=_now)
    error_report_ids: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.ret_code = to_unsigned(self.ret_code)

    @property
    def severity(self) -> int:
        return self.ret_code & MASK_SEVERITY

    @property
    def code(self) -> int:
        return self.ret_code & MASK_BITS_CODE

    def is_error(self) -> bool:
        return self.severity == MASK_ERROR

    def is_warning(self) -> bool:
        return self.severity == MASK_WARN

    def with_context(self, op_mask: int, obj_mask: int) -> ApiCallRc:
        """Fill operation and object masks that are still 0, as LINSTOR's response context does."""
        rc = self.ret_code
        if rc & MASK_OP == 0:
            rc |= op_mask
        if rc & MASK_OBJ == 0:
            rc |= obj_mask
        self.ret_code = rc
        return self

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ret_code": to_signed(self.ret_code), "message": self.message}
        for key in ("cause", "details", "correction"):
            value = getattr(self, key)
            if value:
                out[key] = value
        out["error_report_ids"] = list(self.error_report_ids)
        if self.obj_refs:
            out["obj_refs"] = dict(self.obj_refs)
        out["created_at"] = self.created_at
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ApiCallRc:
        return cls(
            ret_code=int(data["ret_code"]), message=str(data.get("message", "")),
            cause=data.get("cause"), details=data.get("details"),
            correction=data.get("correction"), obj_refs=dict(data.get("obj_refs") or {}),
            created_at=str(data.get("created_at") or _now()),
            error_report_ids=list(data.get("error_report_ids") or []),
        )


class ApiError(Exception):
    """An operation refused: carries the answer entries (at least one error)."""

    def __init__(self, entries: ApiCallRc | Iterable[ApiCallRc]) -> None:
        self.entries: list[ApiCallRc] = (
            [entries] if isinstance(entries, ApiCallRc) else list(entries)
        )
        super().__init__("; ".join(e.message for e in self.entries))

    @property
    def entry(self) -> ApiCallRc:
        return self.entries[0]


def error(code: int, message: str, *, cause: str | None = None, details: str | None = None,
          correction: str | None = None, **obj_refs: str) -> ApiError:
    """Shorthand: an ``ApiError`` with one entry (raise the result)."""
    return ApiError(ApiCallRc(code, message, cause=cause, details=details,
                              correction=correction, obj_refs=obj_refs))


def to_json(entries: Iterable[ApiCallRc]) -> list[dict[str, Any]]:
    return [e.to_json() for e in entries]


def http_status(entries: Iterable[ApiCallRc], created: bool) -> int:
    """HTTP status LINSTOR gives an answer list (linstor.md §7); warnings keep success."""
    status = 201 if created else 200
    worst = None
    for e in entries:
        if not e.is_error():
            continue
        if e.ret_code in (to_unsigned(FAIL_SIGN_IN_MISSING_CREDENTIALS),):
            s = 401
        elif e.ret_code == to_unsigned(API_CALL_PARSE_ERROR):
            s = 400
        elif e.ret_code == to_unsigned(FAIL_SIGN_IN):
            s = 403
        elif 300 <= e.code <= 399:
            s = 404
        elif 400 <= e.code <= 499:
            s = 403
        else:
            s = 500
        if worst is None:
            worst = s
    return worst if worst is not None else status
