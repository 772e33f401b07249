"""Request bodies: JSON decoding and typed field access that fails with a clear message.

Why: LINSTOR answers a body it cannot map with HTTP 400 and ``API_CALL_PARSE_ERROR``;
we do the same, and the message names the field and the rule, so a malformed request
never reaches the operations (nothing changes) and never produces a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from drbdeck.backend.controller import apicall as rc


class BadRequest(Exception):
    """The request cannot be understood; answered as 400 with a parse-error entry."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def entry(self) -> rc.ApiCallRc:
        return rc.ApiCallRc(rc.API_CALL_PARSE_ERROR, self.message,
                            correction="Fix the request body and send it again.")


def decode(raw: bytes, *, want: type = dict) -> Any:
    """Parse a body that must be a JSON ``want`` (dict or list)."""
    if not raw.strip():
        raise BadRequest("Empty request body: a JSON "
                         f"{'object' if want is dict else 'list'} is required.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"Malformed JSON in request body: {exc}") from None
    if not isinstance(data, want):
        raise BadRequest(f"Request body must be a JSON {'object' if want is dict else 'list'},"
                         f" got {_kind(data)}.")
    return data


def _kind(v: object) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "integer",
            float: "number", type(None): "null"}.get(type(v), type(v).__name__)


class Body:
    """Typed getters over one JSON object; ``where`` prefixes field names in messages."""

    def __init__(self, data: dict[str, Any], where: str = "") -> None:
        if not isinstance(data, dict):
            raise BadRequest(f"Field '{where or 'body'}' must be a JSON object, "
                             f"got {_kind(data)}.")
        self.data = data
        self.where = where

    def _name(self, field: str) -> str:
        return f"{self.where}.{field}" if self.where else field

    def _bad(self, field: str, rule: str, value: object) -> BadRequest:
        return BadRequest(f"Field '{self._name(field)}' {rule}, got {_kind(value)}"
                          + (f" {value!r}" if isinstance(value, str | int | float) else "")
                          + ".")

    def has(self, field: str) -> bool:
        return self.data.get(field) is not None

    def str(self, field: str) -> str:
        if self.data.get(field) is None:
            raise BadRequest(f"Field '{self._name(field)}' is required.")
        return self.opt_str(field) or ""

    def opt_str(self, field: str) -> str | None:
        v = self.data.get(field)
        if v is None:
            return None
        if not isinstance(v, str):
            raise self._bad(field, "must be a string", v)
        return v

    def opt_int(self, field: str) -> int | None:
        v = self.data.get(field)
        if v is None:
            return None
        if not isinstance(v, int) or isinstance(v, bool):
            raise self._bad(field, "must be an integer", v)
        return v

    def int(self, field: str) -> int:
        if self.data.get(field) is None:
            raise BadRequest(f"Field '{self._name(field)}' is required.")
        return self.opt_int(field) or 0

    def bool(self, field: str, default: bool = False) -> bool:
        v = self.data.get(field)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise self._bad(field, "must be true or false", v)
        return v

    def str_list(self, field: str) -> list[str]:
        v = self.data.get(field)
        if v is None:
            return []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self._bad(field, "must be a list of strings", v)
        return list(v)

    def int_list(self, field: str) -> list[int]:
        v = self.data.get(field)
        if v is None:
            return []
        if not isinstance(v, list) or not all(
                isinstance(x, int) and not isinstance(x, bool) for x in v):
            raise self._bad(field, "must be a list of integers", v)
        return list(v)

    def props(self, field: str) -> dict[str, str]:
        v = self.data.get(field)
        if v is None:
            return {}
        if not isinstance(v, dict) or not all(
                isinstance(k, str) and isinstance(x, str) for k, x in v.items()):
            raise self._bad(field, "must be an object of string keys to string values", v)
        return dict(v)

    def obj(self, field: str, required: bool = False) -> Body | None:
        v = self.data.get(field)
        if v is None:
            if required:
                raise BadRequest(f"Field '{self._name(field)}' is required.")
            return None
        if not isinstance(v, dict):
            raise self._bad(field, "must be a JSON object", v)
        return Body(v, self._name(field))

    def obj_list(self, field: str) -> list[Body]:
        v = self.data.get(field)
        if v is None:
            return []
        if not isinstance(v, list):
            raise self._bad(field, "must be a list of objects", v)
        return [Body(x, f"{self._name(field)}[{i}]") if isinstance(x, dict) else
                _raise(BadRequest(f"Field '{self._name(field)}[{i}]' must be a JSON object, "
                                  f"got {_kind(x)}.")) for i, x in enumerate(v)]


def _raise(exc: Exception) -> Any:
    raise exc
