"""What every REST handler needs: the operations facade, state providers, answer helpers.

Why one place: the HTTP status mapping, the JSON encoding and the "not implemented yet"
answer must be identical on every route, or python-linstor and the CLI would see
different exit codes for the same kind of failure.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from drbdeck.backend.controller import apicall as rc
from drbdeck.backend.controller.model import Node
from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.rest.body import BadRequest
from drbdeck.backend.rest.events import Broadcaster
from drbdeck.backend.rest.serialize import NodeStatus, ObservedProvider
from drbdeck.backend.rest.viewcache import ViewCache

#: LINSTOR's CLI sends whole storage-pool and resource lists in one body; 16 MiB is ample
MAX_BODY = 16 * 1024 * 1024
CTX: web.AppKey[Context] = web.AppKey("drbdeck_rest", object)  # type: ignore[arg-type]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Context:
    """Per-application state, reached from a request with ``request.app[CTX]``."""

    ops: Operations
    observed: ObservedProvider | None = None
    node_status: NodeStatus | None = None
    events: Broadcaster = field(default_factory=Broadcaster)
    views: ViewCache = field(default_factory=ViewCache)

    def status_of(self, n: Node) -> str:
        if self.node_status is not None:
            return self.node_status(n.name)
        if not n.has_connection:
            return "OFFLINE"
        return "ONLINE" if self.ops.is_connected(n.name) else "OFFLINE"


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=_dumps(data), status=status, content_type="application/json")


def answer(entries: Iterable[rc.ApiCallRc], *, created: bool = False) -> web.Response:
    """An ApiCallRc list with LINSTOR's HTTP status (201/200, or 400/403/404/500)."""
    items = list(entries)
    return json_response(rc.to_json(items), rc.http_status(items, created))


def error_answer(code: int, message: str, status: int, **refs: str) -> web.Response:
    entry = rc.ApiCallRc(code, message, obj_refs=refs)
    return json_response(rc.to_json([entry]), status)


def not_implemented(what: str) -> web.Response:
    """LINSTOR-style error for a call drbdeck's controller does not offer (yet): 501."""
    return error_answer(rc.FAIL_IMPL_ERROR,
                        f"{what} is not implemented yet in drbdeck's controller.", 501)


def names_query(request: web.Request, key: str) -> set[str] | None:
    """``?nodes=a&nodes=b`` (also comma-separated) → upper-cased names, None for all."""
    values = [v for raw in request.query.getall(key, []) for v in raw.split(",") if v]
    return {v.upper() for v in values} or None


def props_query(request: web.Request) -> list[tuple[str, str | None]]:
    """``?props=Key=Value`` filters (``Key`` alone means "has the key")."""
    out: list[tuple[str, str | None]] = []
    for raw in request.query.getall("props", []):
        k, sep, v = raw.partition("=")
        out.append((k, v if sep else None))
    return out


def props_match(props: dict[str, str], wanted: list[tuple[str, str | None]]) -> bool:
    return all(k in props and (v is None or props[k] == v) for k, v in wanted)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bad bodies → 400 parse error; unexpected failures → 500 entry, never a traceback."""
    try:
        return await handler(request)
    except BadRequest as exc:
        return json_response(rc.to_json([exc.entry()]), 400)
    except web.HTTPException as exc:
        if exc.status == 404:
            return error_answer(rc.FAIL_UNKNOWN_ERROR,
                                f"No such REST endpoint: {request.method} {request.path}", 404)
        if exc.status == 405:
            return error_answer(rc.FAIL_UNKNOWN_ERROR,
                                f"Method {request.method} is not allowed on {request.path}",
                                405)
        if exc.status == 413:
            return error_answer(rc.API_CALL_PARSE_ERROR,
                                f"Request body too large (limit {MAX_BODY} bytes).", 413)
        if exc.status >= 400:
            return error_answer(rc.FAIL_UNKNOWN_ERROR, f"{exc.status} {exc.reason}",
                                exc.status)
        raise
    except Exception as exc:  # a bug: answer like LINSTOR's implementation error
        import logging

        logging.getLogger(__name__).exception("REST handler failed")
        return error_answer(rc.FAIL_IMPL_ERROR,
                            f"Internal error: {type(exc).__name__}: {exc}", 500)
